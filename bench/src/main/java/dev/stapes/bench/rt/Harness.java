package dev.stapes.bench.rt;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The real-time harness: feeds audio to a {@link ChunkPipeline} chunk by chunk, either at the
 * real-time pace or as fast as possible, and records the latency of every chunk in an {@link
 * Histogram}.
 *
 * <p>When paced, chunk {@code i} is released at {@code start + i * chunkDuration} and its latency
 * is recorded with {@link Histogram#recordValueWithExpectedInterval}, which fills in the chunks
 * that a stall would have delayed (coordinated omission); when the pipeline falls behind, the next
 * chunk is released at once. Bytes allocated are read from {@code
 * com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes} before and after the recorded
 * chunks; the recording loop itself allocates nothing.
 *
 * <p>Thread safety: {@link #run} runs on the calling thread (pin that thread with {@code
 * --realtime}); instances are not shared.
 */
public final class Harness {

  private static final long HIGHEST_NS = TimeUnit.SECONDS.toNanos(60);
  private static final long SPIN_NS = 200_000L;

  private final com.sun.management.ThreadMXBean mx;

  private long[] timeline = new long[0];
  private int timelineLength;
  private Histogram histogram;

  /** A harness; it measures allocation when the JVM supports it. */
  public Harness() {
    java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    com.sun.management.ThreadMXBean sun =
        bean instanceof com.sun.management.ThreadMXBean s ? s : null;
    if (sun != null && sun.isThreadAllocatedMemorySupported()) {
      sun.setThreadAllocatedMemoryEnabled(true);
    } else {
      sun = null;
    }
    this.mx = sun;
  }

  /**
   * Runs {@code pipeline} over {@code audio}.
   *
   * @param pipeline the pipeline; its sample rate must be the audio's
   * @param audio mono samples at {@code pipeline.sampleRate()}, at least one chunk long
   * @param options repeat, warm-up and pace
   * @return the measured figures
   * @throws IllegalArgumentException when the audio is shorter than one chunk
   */
  public RtResult run(ChunkPipeline pipeline, float[] audio, HarnessOptions options) {
    int chunk = pipeline.chunkSamples();
    int perPass = audio.length / chunk;
    if (perPass < 1) {
      throw new IllegalArgumentException(
          "audio length="
              + audio.length
              + " samples, expected at least one chunk of "
              + chunk
              + " samples for pipeline '"
              + pipeline.name()
              + "'");
    }
    long total = (long) perPass * options.repeat();
    if (total > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "chunks=" + total + " (repeat=" + options.repeat() + "), expected at most 2^31-1");
    }
    double chunkSeconds = (double) chunk / pipeline.sampleRate();
    long chunkNs = Math.round(chunkSeconds * 1e9);
    float[] buf = new float[chunk];
    histogram = new Histogram(1, HIGHEST_NS, 3);
    if (options.keepTimeline()) {
      timeline = new long[(int) total];
    }
    timelineLength = 0;

    // Warm-up: same code path, not recorded.
    int pos = 0;
    for (int i = 0; i < options.warmupChunks(); i++) {
      System.arraycopy(audio, pos * chunk, buf, 0, chunk);
      pipeline.process(buf);
      pos = pos + 1 == perPass ? 0 : pos + 1;
    }

    long misses = 0;
    long busyNs = 0;
    long cpuPaced = 0;
    long cpu0 = dev.stapes.nativert.RealTime.threadCpuTimeNanos();
    long alloc0 = allocated();
    long alloc1 = allocated();
    long callOverhead = alloc1 - alloc0;
    long start = System.nanoTime();
    for (int i = 0; i < (int) total; i++) {
      int at = i % perPass;
      System.arraycopy(audio, at * chunk, buf, 0, chunk);
      if (options.paced()) {
        waitUntil(start + i * chunkNs, options.spin());
      }
      long c0 = options.paced() ? dev.stapes.nativert.RealTime.threadCpuTimeNanos() : 0;
      long t0 = System.nanoTime();
      pipeline.process(buf);
      long dt = System.nanoTime() - t0;
      if (options.paced()) {
        // Paced, the loop mostly waits: count only the CPU time spent inside the pipeline.
        cpuPaced += dev.stapes.nativert.RealTime.threadCpuTimeNanos() - c0;
      }
      busyNs += dt;
      long v = Math.max(1, Math.min(dt, HIGHEST_NS));
      if (options.paced()) {
        histogram.recordValueWithExpectedInterval(v, chunkNs);
      } else {
        histogram.recordValue(v);
      }
      if (dt > chunkNs) {
        misses++;
      }
      if (options.keepTimeline()) {
        timeline[timelineLength++] = dt;
      }
    }
    long alloc2 = allocated();
    long cpu1 = dev.stapes.nativert.RealTime.threadCpuTimeNanos();
    double allocPerChunk =
        alloc0 < 0 ? -1 : Math.max(0, (double) (alloc2 - alloc1 - callOverhead) / total);
    long cpuNs = options.paced() ? cpuPaced : cpu1 - cpu0;
    double cpuPerChunkUs = cpu0 < 0 ? -1 : cpuNs / 1e3 / total;
    return new RtResult(
        total,
        chunkSeconds * 1e3,
        histogram.getValueAtPercentile(50) / 1e3,
        histogram.getValueAtPercentile(99) / 1e3,
        histogram.getValueAtPercentile(99.9) / 1e3,
        histogram.getMaxValue() / 1e3,
        busyNs / (total * chunkSeconds * 1e9),
        misses,
        allocPerChunk,
        cpuPerChunkUs);
  }

  /** The histogram of the last run, in nanoseconds. */
  public Histogram histogram() {
    return histogram;
  }

  /**
   * Latency of every recorded chunk of the last run, in nanoseconds, when the timeline was kept.
   */
  public long[] timeline() {
    return java.util.Arrays.copyOf(timeline, timelineLength);
  }

  private long allocated() {
    return mx == null ? -1 : mx.getCurrentThreadAllocatedBytes();
  }

  private static void waitUntil(long deadline, boolean spin) {
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      if (!spin && left > SPIN_NS) {
        LockSupport.parkNanos(left - SPIN_NS);
      } else {
        Thread.onSpinWait();
      }
    }
  }
}
