package dev.stapes.engine;

import java.io.IOException;

/**
 * The requested execution provider (CUDA) is not available: the ONNX Runtime artifact on the class
 * path lacks it, or its native libraries (CUDA, cuDNN, driver) failed to load. The message says
 * which and how to fix it.
 */
public final class ExecutionProviderException extends IOException {
  private static final long serialVersionUID = 1L;

  public ExecutionProviderException(String message, Throwable cause) {
    super(message, cause);
  }
}
