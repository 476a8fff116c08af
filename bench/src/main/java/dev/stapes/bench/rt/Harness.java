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
  private long[] cpuTimeline = new long[0];
  private long[] startTimeline = new long[0];
  private int timelineLength;
  private Histogram histogram;
  private long misses;
  private long busyNs;
  private long cpuPaced;

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
      cpuTimeline = new long[(int) total];
      startTimeline = new long[(int) total];
    }
    timelineLength = 0;

    // Warm-up: the very code of the recorded loop (one step per chunk, into a scratch histogram),
    // back to back, so that the JIT has compiled the recording too, not only the pipeline.
    Histogram scratch = new Histogram(1, HIGHEST_NS, 3);
    // The timeline is written too (and rewound), so the recorded loop takes no new branch.
    for (int i = 0; i < options.warmupChunks(); i++) {
      step(pipeline, audio, buf, i % perPass, 0, options, options.keepTimeline(), chunkNs, scratch);
      timelineLength = 0;
    }
    misses = 0;
    busyNs = 0;
    cpuPaced = 0;

    long cpu0 = dev.stapes.nativert.RealTime.threadCpuTimeNanos();
    long alloc0 = allocated();
    long alloc1 = allocated();
    long callOverhead = alloc1 - alloc0;
    long start = System.nanoTime();
    for (int i = 0; i < (int) total; i++) {
      step(
          pipeline,
          audio,
          buf,
          i % perPass,
          options.paced() ? start + i * chunkNs : 0,
          options,
          options.keepTimeline(),
          chunkNs,
          histogram);
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

  /**
   * One chunk: copy it, wait for its release time when {@code release > 0}, run it, record it.
   * Allocates nothing.
   */
  private void step(
      ChunkPipeline pipeline,
      float[] audio,
      float[] buf,
      int at,
      long release,
      HarnessOptions options,
      boolean keep,
      long chunkNs,
      Histogram h) {
    int chunk = buf.length;
    System.arraycopy(audio, at * chunk, buf, 0, chunk);
    if (release > 0) {
      waitUntil(release, options.spin());
    }
    boolean perChunkCpu = options.paced() || options.keepTimeline();
    long c0 = perChunkCpu ? dev.stapes.nativert.RealTime.threadCpuTimeNanos() : 0;
    long t0 = System.nanoTime();
    pipeline.process(buf);
    long dt = System.nanoTime() - t0;
    long dc = perChunkCpu ? dev.stapes.nativert.RealTime.threadCpuTimeNanos() - c0 : 0;
    if (options.paced()) {
      // Paced, the loop mostly waits: count only the CPU time spent inside the pipeline.
      cpuPaced += dc;
    }
    busyNs += dt;
    long v = Math.max(1, Math.min(dt, HIGHEST_NS));
    if (options.paced()) {
      h.recordValueWithExpectedInterval(v, chunkNs);
    } else {
      h.recordValue(v);
    }
    if (dt > chunkNs) {
      misses++;
    }
    if (keep) {
      cpuTimeline[timelineLength] = dc;
      startTimeline[timelineLength] = t0;
      timeline[timelineLength++] = dt;
    }
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

  /**
   * The thread's CPU time in each recorded chunk of the last run, in nanoseconds, when the timeline
   * was kept (read around each chunk, outside its timed interval); wall latency far above it means
   * the thread waited (preempted, page faults) rather than computed.
   */
  public long[] cpuTimeline() {
    return java.util.Arrays.copyOf(cpuTimeline, timelineLength);
  }

  /**
   * The {@link System#nanoTime()} at which each recorded chunk of the last run started, when the
   * timeline was kept: the JVM's {@code -Xlog} decorator {@code timenanos} reads the same clock, so
   * GC, safepoint and JIT events can be placed on the chunks.
   */
  public long[] startTimeline() {
    return java.util.Arrays.copyOf(startTimeline, timelineLength);
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
