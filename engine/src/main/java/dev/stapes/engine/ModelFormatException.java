package dev.stapes.engine;

import java.io.IOException;

/**
 * A model file that is not a valid ONNX model, is refused by ONNX Runtime, or is unsafe to load (a
 * tensor's external data path escapes the model's folder).
 */
public final class ModelFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public ModelFormatException(String message) {
    super(message);
  }

  public ModelFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
