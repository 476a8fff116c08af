package dev.stapes.tflite;

import java.io.IOException;

/**
 * A TFLite file that cannot be imported: malformed, quantized, with control flow, or with an
 * operator that the importer does not translate. The message names the operator, its index in the
 * main subgraph and the tensor concerned.
 */
public final class TfliteImportException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a one-line message. */
  public TfliteImportException(String message) {
    super(message);
  }

  /** Creates an exception with a one-line message and its cause. */
  public TfliteImportException(String message, Throwable cause) {
    super(message, cause);
  }
}
