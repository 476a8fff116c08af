package dev.stapes.models.vad;

import dev.stapes.engine.Stream;

/**
 * One audio stream through {@link SileroVad}: carries the model state and the 64 (32) samples of
 * context from one chunk to the next. {@link #process} allocates nothing in steady state. Used by
 * one thread at a time; close it when done ({@link #close()} is idempotent).
 */
public final class VadStream implements AutoCloseable {

  private final Stream stream;
  private final int sampleRate;

  VadStream(Stream stream, int sampleRate) {
    this.stream = stream;
    this.sampleRate = sampleRate;
  }

  /** The stream's sample rate in Hz. */
  public int sampleRate() {
    return sampleRate;
  }

  /** Samples per chunk: 512 at 16 kHz, 256 at 8 kHz. */
  public int chunkSamples() {
    return stream.chunkSamples();
  }

  /**
   * Runs one chunk of {@link #chunkSamples()} samples (float in [-1, 1]) from {@code offset} and
   * returns its speech probability.
   */
  public float process(float[] samples, int offset) {
    stream.process(samples, offset);
    return stream.outputFloat("output", 0);
  }

  /** Chunks processed since creation or {@link #reset()}. */
  public long chunksProcessed() {
    return stream.chunksProcessed();
  }

  /** Back to the initial state: zero model state, zero context. */
  public void reset() {
    stream.reset();
  }

  @Override
  public void close() {
    stream.close();
  }
}
