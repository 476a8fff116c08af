package dev.stapes.models.enhance;

import java.io.IOException;

/** A model file that is not a readable ONNX model, or not the model the pipeline expects. */
public final class InvalidModelException extends IOException {
  private static final long serialVersionUID = 1L;

  public InvalidModelException(String message) {
    super(message);
  }

  public InvalidModelException(String message, Throwable cause) {
    super(message, cause);
  }
}
