package dev.stapes.bench.rt;

import java.util.Locale;

/**
 * What one run of the real-time harness measured. Latencies are per chunk, from the call into the
 * pipeline to its return, in microseconds.
 *
 * @param chunks chunks recorded (warm-up excluded)
 * @param chunkMs duration of one chunk of audio, in milliseconds
 * @param p50Us median latency
 * @param p99Us 99th percentile latency
 * @param p999Us 99.9th percentile latency
 * @param maxUs largest latency
 * @param rtf real-time factor: processing time over audio duration (below 1 keeps up)
 * @param deadlineMisses chunks that took longer than their own duration
 * @param allocBytesPerChunk bytes allocated on the harness thread per chunk, in steady state
 * @param cpuUsPerChunk CPU time of the harness thread per chunk, in microseconds
 */
public record RtResult(
    long chunks,
    double chunkMs,
    double p50Us,
    double p99Us,
    double p999Us,
    double maxUs,
    double rtf,
    long deadlineMisses,
    double allocBytesPerChunk,
    double cpuUsPerChunk) {

  /**
   * The result as JSON with exactly the keys {@code chunks}, {@code chunk_ms}, {@code p50_us},
   * {@code p99_us}, {@code p999_us}, {@code max_us}, {@code rtf}, {@code deadline_misses}, {@code
   * alloc_bytes_per_chunk}.
   */
  public String toJson() {
    return "{\n"
        + "  \"chunks\": "
        + chunks
        + ",\n  \"chunk_ms\": "
        + fmt(chunkMs)
        + ",\n  \"p50_us\": "
        + fmt(p50Us)
        + ",\n  \"p99_us\": "
        + fmt(p99Us)
        + ",\n  \"p999_us\": "
        + fmt(p999Us)
        + ",\n  \"max_us\": "
        + fmt(maxUs)
        + ",\n  \"rtf\": "
        + String.format(Locale.ROOT, "%.6f", rtf)
        + ",\n  \"deadline_misses\": "
        + deadlineMisses
        + ",\n  \"alloc_bytes_per_chunk\": "
        + fmt(allocBytesPerChunk)
        + "\n}\n";
  }

  /** One line for people. */
  public String summary() {
    return String.format(
        Locale.ROOT,
        "p50 %s us  p99 %s us  p99.9 %s us  max %s us  rtf %.4f  deadline misses %d/%d"
            + "  alloc %s B/chunk  cpu %s us/chunk",
        fmt(p50Us),
        fmt(p99Us),
        fmt(p999Us),
        fmt(maxUs),
        rtf,
        deadlineMisses,
        chunks,
        fmt(allocBytesPerChunk),
        fmt(cpuUsPerChunk));
  }

  /** A number with at most one decimal, and none when it is whole: {@code 12}, {@code 12.5}. */
  public static String fmt(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return String.format(Locale.ROOT, "%.1f", v);
  }
}
