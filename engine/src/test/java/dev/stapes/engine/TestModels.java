package dev.stapes.engine;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** Paths of the models written by {@code engine/src/test/python/gen_test_models.py}. */
final class TestModels {
  private TestModels() {}

  static Path model(String name) {
    try {
      return Path.of(TestModels.class.getResource("models/" + name + ".onnx").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
