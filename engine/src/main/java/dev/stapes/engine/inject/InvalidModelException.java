package dev.stapes.engine.inject;

import java.io.IOException;

/**
 * A model file that cannot be read or rewritten: not ONNX, unsafe external data, unexpected types.
 */
public final class InvalidModelException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a one-line message. */
  public InvalidModelException(String message) {
    super(message);
  }
}
