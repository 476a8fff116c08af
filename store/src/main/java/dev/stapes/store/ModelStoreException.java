package dev.stapes.store;

import java.io.IOException;

/**
 * A model could not be provided: not in the cache or mirror and the source failed (npm missing, no
 * network), or the bytes do not match the pinned SHA-256. The message is one line that says what to
 * do.
 */
public final class ModelStoreException extends IOException {
  private static final long serialVersionUID = 1L;

  public ModelStoreException(String message) {
    super(message);
  }

  public ModelStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
