package dev.stapes.engine;

import java.io.IOException;

/**
 * ONNX Runtime failed to run a model: the one checked type for a native run failure, naming the
 * model and the operation ({@code "silero_vad.onnx: Stream.runChunk failed: ..."}). Misuse (a bad
 * argument, a closed session or stream, an unbound input) stays {@link IllegalArgumentException} or
 * {@link IllegalStateException}.
 *
 * <p>It is an {@link IOException} so that code which reads a model and runs it declares one
 * exception.
 */
public final class InferenceException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String model;
  private final String operation;

  /**
   * @param model the model's name ({@link Session#name()})
   * @param operation what ran ({@code "Session.run"}, {@code "Stream.runChunk"})
   * @param detail ONNX Runtime's message, on one line
   * @param cause the native failure
   */
  public InferenceException(String model, String operation, String detail, Throwable cause) {
    super(model + ": " + operation + " failed: " + detail, cause);
    this.model = model;
    this.operation = operation;
  }

  /** The model's name. */
  public String model() {
    return model;
  }

  /** The operation that failed. */
  public String operation() {
    return operation;
  }
}
