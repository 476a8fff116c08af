package dev.stapes.models.tflite;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the openWakeWord .tflite/.onnx pairs are found for the agreement tests. */
final class OpenWakeWordFiles {
  private OpenWakeWordFiles() {}

  /** {tflite, onnx} for mel, embedding and alexa. */
  static String[][] pairs() {
    return new String[][] {
      {"melspectrogram.tflite", "melspectrogram.onnx"},
      {"embedding_model.tflite", "embedding_model.onnx"},
      {"alexa_v0.1.tflite", "alexa_v0.1.onnx"}
    };
  }

  static Path path(String file) {
    String dir = System.getenv("STAPES_OWW_DIR");
    assumeTrue(dir != null, "STAPES_OWW_DIR not set");
    Path p = Path.of(dir, file);
    assumeTrue(Files.exists(p), p + " absent");
    return p;
  }
}
