package dev.stapes.bench.rt;

/**
 * A pipeline cannot be opened here because an optional piece is absent (a model that has not been
 * fetched, a preset this build lacks). The budget check skips such a pipeline outside CI and fails
 * on it under {@code CI=true}.
 */
public final class PipelineUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what is missing and how to get it
   */
  public PipelineUnavailableException(String message) {
    super(message);
  }

  /**
   * @param message what is missing and how to get it
   */
  public PipelineUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
