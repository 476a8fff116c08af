package dev.stapes.models.internal;

/**
 * Collects pushed samples of any block size into fixed chunks: the one chunker under every pipeline
 * stream. Allocates nothing after construction. One thread at a time.
 */
public final class ChunkBuffer {

  /** Runs one full chunk. */
  @FunctionalInterface
  public interface ChunkRunner<E extends Exception> {
    /** Called with the full chunk {@code chunk[0..length)}; the array is reused after the call. */
    void run(float[] chunk) throws E;
  }

  private final float[] buf;
  private int fill;

  /**
   * @param chunk samples per chunk, at least 1
   */
  public ChunkBuffer(int chunk) {
    if (chunk < 1) {
      throw new IllegalArgumentException("chunk=" + chunk + " samples, expected >= 1");
    }
    buf = new float[chunk];
  }

  /** Samples per chunk. */
  public int chunk() {
    return buf.length;
  }

  /** Samples waiting for the chunk to fill. */
  public int fill() {
    return fill;
  }

  /** Checks that {@code [offset, offset + length)} lies inside {@code samples}. */
  public static void checkRange(float[] samples, int offset, int length) {
    if (samples == null) {
      throw new IllegalArgumentException("samples=null, expected an array");
    }
    if (offset < 0 || length < 0 || offset > samples.length - length) {
      throw new IllegalArgumentException(
          "offset="
              + offset
              + " length="
              + length
              + " capacity="
              + samples.length
              + ", expected a range inside samples");
    }
  }

  /** Appends samples, running {@code runner} on every chunk they complete. */
  public <E extends Exception> void push(
      float[] samples, int offset, int length, ChunkRunner<E> runner) throws E {
    int i = 0;
    while (i < length) {
      int n = Math.min(length - i, buf.length - fill);
      System.arraycopy(samples, offset + i, buf, fill, n);
      fill += n;
      i += n;
      if (fill == buf.length) {
        fill = 0;
        runner.run(buf);
      }
    }
  }

  /**
   * Zero-pads a partial chunk and runs it; does nothing when no sample waits.
   *
   * @return whether a chunk ran
   */
  public <E extends Exception> boolean flushPadded(ChunkRunner<E> runner) throws E {
    if (fill == 0) {
      return false;
    }
    java.util.Arrays.fill(buf, fill, buf.length, 0f);
    fill = 0;
    runner.run(buf);
    return true;
  }

  /** Drops any waiting samples. */
  public void clear() {
    fill = 0;
  }

  /**
   * The {@link dev.stapes.engine.InferenceException} behind an unchecked failure of a model run, or
   * {@code e} itself rethrown when it is misuse (closed, unbound input).
   */
  public static dev.stapes.engine.InferenceException inference(RuntimeException e) {
    if (e.getCause() instanceof dev.stapes.engine.InferenceException ie) {
      return ie;
    }
    throw e;
  }
}
