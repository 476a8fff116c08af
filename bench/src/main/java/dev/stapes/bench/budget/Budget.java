package dev.stapes.bench.budget;

import dev.stapes.bench.rt.PipelineSpec;
import java.util.Map;

/**
 * The limits for one pipeline at one chunk size. A limit that is absent (NaN) is not checked.
 *
 * @param spec the pipeline and its settings
 * @param p50Ratio largest allowed p50 latency over the baseline's p50 measured in the same run
 * @param p99Ratio largest allowed p99 latency over the baseline's p99 measured in the same run
 * @param allocBytesPerChunk largest allowed bytes allocated per chunk
 * @param rtf largest allowed real-time factor
 * @param p99Us largest allowed p99 latency in microseconds (absolute: keep it generous)
 * @param warmupChunks this pipeline's warm-up chunks, or 0 for the file's default
 * @param chunksPerRound this pipeline's chunks per round, or 0 for the file's default
 */
public record Budget(
    PipelineSpec spec,
    double p50Ratio,
    double p99Ratio,
    double allocBytesPerChunk,
    double rtf,
    double p99Us,
    int warmupChunks,
    int chunksPerRound) {

  /**
   * Reads one entry of the {@code budgets} array; a relative {@code model} path is resolved against
   * {@code root} (the project root).
   */
  static Budget fromJson(Map<String, Object> m, java.nio.file.Path root) {
    Object name = m.get("pipeline");
    if (!(name instanceof String)) {
      throw new IllegalArgumentException("budget entry " + m + " has no \"pipeline\" name");
    }
    String model = str(m, "model");
    PipelineSpec spec =
        new PipelineSpec(
            (String) name,
            num(m, "chunk_ms"),
            str(m, "preset"),
            model == null ? null : root.resolve(model).normalize(),
            str(m, "keyword"));
    return new Budget(
        spec,
        num(m, "p50_ratio"),
        num(m, "p99_ratio"),
        num(m, "alloc_bytes_per_chunk"),
        num(m, "rtf"),
        num(m, "p99_us"),
        count(m, "warmup_chunks"),
        count(m, "chunks_per_round"));
  }

  private static String str(Map<String, Object> m, String k) {
    Object v = m.get(k);
    return v == null ? null : v.toString();
  }

  private static int count(Map<String, Object> m, String k) {
    double v = num(m, k);
    if (Double.isNaN(v)) {
      return 0;
    }
    if (v < 1 || v != Math.rint(v)) {
      throw new IllegalArgumentException(
          k + "=" + v + " in budget " + m + ", expected a positive whole number");
    }
    return (int) v;
  }

  private static double num(Map<String, Object> m, String k) {
    Object v = m.get(k);
    if (v == null) {
      return Double.NaN;
    }
    if (!(v instanceof Double d)) {
      throw new IllegalArgumentException(k + "=" + v + " in budget " + m + ", expected a number");
    }
    return d;
  }
}
