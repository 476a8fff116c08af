package dev.stapes.bench.rt;

/**
 * How the harness drives a pipeline.
 *
 * @param repeat passes over the input audio, at least 1
 * @param warmupChunks chunks processed before recording starts (JIT warm-up), at least 0
 * @param paced true to feed chunks at the real-time pace, false to feed them as fast as possible
 * @param keepTimeline true to keep every chunk's latency for {@code --plot}
 * @param spin when paced, wait for the next chunk by spinning rather than sleeping (keeps the core
 *     and its caches warm, burns the CPU)
 */
public record HarnessOptions(
    int repeat, int warmupChunks, boolean paced, boolean keepTimeline, boolean spin) {

  /** Validates the ranges. */
  public HarnessOptions {
    if (repeat < 1) {
      throw new IllegalArgumentException("repeat=" + repeat + ", expected at least 1");
    }
    if (warmupChunks < 0) {
      throw new IllegalArgumentException("warmupChunks=" + warmupChunks + ", expected 0 or more");
    }
  }

  /** Paced or not, no spinning. */
  public HarnessOptions(int repeat, int warmupChunks, boolean paced, boolean keepTimeline) {
    this(repeat, warmupChunks, paced, keepTimeline, false);
  }

  /** As fast as possible, one pass, 200 warm-up chunks, no timeline. */
  public static HarnessOptions defaults() {
    return new HarnessOptions(1, 200, false, false);
  }
}
