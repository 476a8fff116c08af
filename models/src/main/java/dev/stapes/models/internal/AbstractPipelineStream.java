package dev.stapes.models.internal;

import dev.stapes.engine.InferenceException;
import dev.stapes.models.PipelineSink;
import dev.stapes.models.PipelineStream;

/**
 * The lifecycle every {@link PipelineStream} shares, written once: argument and state checks
 * (closed, input ended), an idempotent {@link #close()}, and a sink that is never null. A pipeline
 * writes only its {@code on...} steps.
 */
public abstract class AbstractPipelineStream implements PipelineStream {

  private final String what;

  /** Where results go; {@link PipelineSink#NONE} when the caller gave none. */
  protected final PipelineSink sink;

  private boolean ended;
  private boolean closed;

  /**
   * @param what the stream's name in messages ({@code "VAD stream"})
   * @param sink where results go, or null for none
   */
  protected AbstractPipelineStream(String what, PipelineSink sink) {
    this.what = what;
    this.sink = sink == null ? PipelineSink.NONE : sink;
  }

  @Override
  public final void push(float[] samples, int offset, int length) throws InferenceException {
    checkOpen();
    ChunkBuffer.checkRange(samples, offset, length);
    if (ended) {
      throw new IllegalStateException(what + " input has ended; call reset() to start again");
    }
    onPush(samples, offset, length);
  }

  @Override
  public final void endOfInput() throws InferenceException {
    checkOpen();
    if (ended) {
      return;
    }
    ended = true;
    onEndOfInput();
  }

  @Override
  public final void reset() {
    checkOpen();
    ended = false;
    onReset();
  }

  @Override
  public final void close() {
    if (!closed) {
      closed = true;
      onClose();
    }
  }

  /** Throws {@link IllegalStateException} after {@link #close()}. */
  protected final void checkOpen() {
    if (closed) {
      throw new IllegalStateException(what + " is closed");
    }
  }

  /** {@link #push} with the range checked, the stream open and its input not ended. */
  protected abstract void onPush(float[] samples, int offset, int length) throws InferenceException;

  /** {@link #endOfInput}, once per stream (until a reset). */
  protected abstract void onEndOfInput() throws InferenceException;

  /** {@link #reset}, the stream open. */
  protected abstract void onReset();

  /** {@link #close}, once. */
  protected abstract void onClose();
}
