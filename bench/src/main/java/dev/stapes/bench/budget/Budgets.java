package dev.stapes.bench.budget;

import dev.stapes.bench.rt.PipelineSpec;
import dev.stapes.engine.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The contents of {@code bench/budgets.json}: how long the check runs and the budget of each
 * pipeline.
 *
 * @param baseline the reference pipeline measured interleaved with each budgeted one
 * @param warmupChunks chunks run before measuring each pipeline
 * @param warmupMs least time spent warming each pipeline, in milliseconds
 * @param rounds measuring rounds per pipeline, alternating with rounds of the baseline
 * @param chunksPerRound chunks per round
 * @param budgets the budgets, in the order they run
 */
public record Budgets(
    PipelineSpec baseline,
    int warmupChunks,
    int warmupMs,
    int rounds,
    int chunksPerRound,
    List<Budget> budgets) {

  /** Reads a budgets file. */
  @SuppressWarnings("unchecked")
  public static Budgets read(Path file) throws IOException {
    if (Files.exists(file) && !Files.isRegularFile(file)) {
      throw new IOException(file + ": not a regular file"); // a named pipe would block the read
    }
    Object root;
    try {
      root = Json.parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
    if (!(root instanceof Map)) {
      throw new IOException(file + ": expected a JSON object at the top");
    }
    Map<String, Object> m = (Map<String, Object>) root;
    Object list = m.get("budgets");
    if (!(list instanceof List)) {
      throw new IOException(file + ": expected a \"budgets\" array");
    }
    List<Budget> budgets = new ArrayList<>();
    // bench/budgets.json: model paths in it are relative to the project root.
    Path abs = file.toAbsolutePath();
    Path projectRoot =
        abs.getParent().getParent() != null ? abs.getParent().getParent() : abs.getParent();
    try {
      for (Object o : (List<Object>) list) {
        if (!(o instanceof Map)) {
          throw new IllegalArgumentException("budget entry " + o + " is not an object");
        }
        budgets.add(Budget.fromJson((Map<String, Object>) o, projectRoot));
      }
      Object base = m.getOrDefault("baseline", "synthetic");
      double baseMs = m.get("baseline_chunk_ms") instanceof Double d ? d : 10;
      return new Budgets(
          PipelineSpec.of(base.toString()).withChunkMs(baseMs),
          intOf(m, "warmup_chunks", 300),
          intOf(m, "warmup_ms", 500),
          intOf(m, "rounds", 5),
          intOf(m, "chunks_per_round", 200),
          List.copyOf(budgets));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  private static int intOf(Map<String, Object> m, String k, int dflt) {
    Object v = m.get(k);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Double d) || d < 1 || d != Math.rint(d)) {
      throw new IllegalArgumentException(k + "=" + v + ", expected a positive whole number");
    }
    return d.intValue();
  }
}
