package dev.stapes.models.live;

import dev.stapes.engine.InferenceException;
import dev.stapes.models.PipelineStream;
import java.io.IOException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Feeds an {@link AudioSource} to a {@link PipelineStream} block by block, as fast as possible or
 * each block at its wall-clock time, and records the latency of every push. Ends the stream's input
 * when the source ends, {@code stop} says so or {@code limitSamples} are fed.
 *
 * <p>Cost model: the loop allocates nothing (the block buffer is allocated once per run).
 */
public final class PacedDriver {

  /** Called after each block, outside the timed part (emit audio, move a progress bar). */
  @FunctionalInterface
  public interface BlockHook {
    /** {@code fed} samples have been pushed so far. */
    void afterBlock(long fed) throws IOException;
  }

  /**
   * What one run measured.
   *
   * @param wallNanos wall time of the whole run
   * @param processNanos time spent inside {@code push} and {@code endOfInput}
   * @param samples samples fed
   */
  public record Result(long wallNanos, long processNanos, long samples) {}

  private PacedDriver() {}

  /**
   * Runs {@code src} through {@code stream} in blocks of {@code block} samples.
   *
   * @param realtime wait for each block's wall-clock time (a file played as if live)
   * @param latency receives the nanoseconds of every push
   */
  public static Result run(
      AudioSource src,
      PipelineStream stream,
      int block,
      boolean realtime,
      BooleanSupplier stop,
      long limitSamples,
      LatencyRecorder latency,
      BlockHook hook)
      throws IOException {
    float[] buf = new float[block];
    int rate = src.sampleRate();
    long process = 0;
    long fed = 0;
    long start = System.nanoTime();
    while (!stop.getAsBoolean() && fed < limitSamples) {
      int n = src.read(buf, 0, block);
      if (n < 0) {
        break;
      }
      if (realtime) {
        long due = start + (fed + n) * 1_000_000_000L / rate;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
      }
      long t0 = System.nanoTime();
      stream.push(buf, 0, n);
      long dt = System.nanoTime() - t0;
      latency.record(dt);
      process += dt;
      fed += n;
      hook.afterBlock(fed);
    }
    long t0 = System.nanoTime();
    stream.endOfInput();
    process += System.nanoTime() - t0;
    hook.afterBlock(fed);
    return new Result(System.nanoTime() - start, process, fed);
  }

  /** Unchecked form of an {@link InferenceException} for loops that cannot throw it. */
  static IllegalStateException unchecked(InferenceException e) {
    return new IllegalStateException(e.getMessage(), e);
  }
}
