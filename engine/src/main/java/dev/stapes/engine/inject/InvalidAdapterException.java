package dev.stapes.engine.inject;

import java.io.IOException;

/**
 * An adapter, task-embedding or mapping file that cannot be used: corrupt, of an unsupported dtype,
 * with non-finite weights, or shaped for another model. The message names the file, the tensor or
 * module, what was expected and what was found. The base model is never changed by a failed
 * injection.
 */
public final class InvalidAdapterException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a one-line message. */
  public InvalidAdapterException(String message) {
    super(message);
  }
}
