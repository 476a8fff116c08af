package dev.stapes.models;

import dev.stapes.engine.InferenceException;

/**
 * One audio stream through a {@link Pipeline}: owns every piece of mutable state (model state,
 * partial chunk, decoder). Audio is pushed in blocks of any size; results go to the stream's {@link
 * PipelineSink} as soon as a block completes them.
 *
 * <p>Cost model: {@link #push} allocates nothing in steady state (an event object only when an
 * event happens). Thread safety: one thread at a time. {@link #close()} is idempotent; any other
 * method after it throws {@link IllegalStateException}.
 */
public interface PipelineStream extends AutoCloseable {

  /**
   * Pushes {@code length} samples from {@code samples[offset]}; runs every model chunk they
   * complete. The array is not kept.
   *
   * @throws IllegalArgumentException if the range is outside {@code samples}
   * @throws IllegalStateException if the stream is closed or its input has ended
   * @throws InferenceException if the model failed to run
   */
  void push(float[] samples, int offset, int length) throws InferenceException;

  /**
   * Ends the input: a last partial chunk is padded as the pipeline defines and run, open events are
   * closed and reported. Further pushes throw until {@link #reset()}; a second call does nothing.
   *
   * @throws InferenceException if the model failed to run
   */
  void endOfInput() throws InferenceException;

  /** Back to the start of a stream, models still loaded (a warm-up then {@code reset()}). */
  void reset();

  /** Samples pushed since creation or {@link #reset()}. */
  long samplesPushed();

  /** Model chunks run since creation or {@link #reset()}. */
  long chunksRun();

  @Override
  void close();
}
