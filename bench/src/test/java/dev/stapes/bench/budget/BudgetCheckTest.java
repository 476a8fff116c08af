package dev.stapes.bench.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.bench.rt.ChunkPipeline;
import dev.stapes.bench.rt.PipelineSpec;
import dev.stapes.bench.rt.PipelineUnavailableException;
import dev.stapes.bench.rt.Pipelines;
import dev.stapes.bench.rt.Regression;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The budget check catches the regressions it exists for, and only those. */
class BudgetCheckTest {

  private static final double NAN = Double.NaN;

  private static Budgets synthetic(double p50Ratio, double alloc) {
    return synthetic(NAN, p50Ratio, alloc);
  }

  private static Budgets synthetic(double cpuRatio, double p50Ratio, double alloc) {
    return new Budgets(
        PipelineSpec.of("synthetic").withChunkMs(10),
        200,
        100,
        5,
        200,
        List.of(
            new Budget(
                PipelineSpec.of("synthetic").withChunkMs(10),
                cpuRatio,
                p50Ratio,
                NAN,
                alloc,
                0.5,
                NAN,
                0,
                0)));
  }

  private static List<BudgetCheck.Outcome> check(Budgets b, Regression r, boolean ci) {
    return check(b, r, ci, Pipelines::open);
  }

  private static List<BudgetCheck.Outcome> check(
      Budgets b, Regression r, boolean ci, Function<PipelineSpec, ChunkPipeline> opener) {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    return new BudgetCheck(b, r, ci, new PrintStream(log, true, StandardCharsets.UTF_8))
        .run(opener);
  }

  @Test
  void anUnchangedPipelineMeetsItsBudget() {
    List<BudgetCheck.Outcome> o = check(synthetic(1.6, 1.6, 0), Regression.NONE, false);
    assertEquals(List.of(), BudgetCheck.failures(o));
    assertEquals(1000, o.get(0).result().chunks());
  }

  @Test
  void anAllocationPerChunkIsCaughtNamingPipelineFigureAndBudget() {
    List<String> f = BudgetCheck.failures(check(synthetic(NAN, 0), Regression.ALLOC, false));
    assertEquals(1, f.size(), f.toString());
    assertTrue(f.get(0).startsWith("synthetic@10ms: alloc_bytes_per_chunk "), f.get(0));
    assertTrue(f.get(0).contains("exceeds budget 0"), f.get(0));
  }

  @Test
  void twiceTheWorkIsCaughtByTheRatioToTheBaseline() {
    List<String> f = BudgetCheck.failures(check(synthetic(1.6, NAN), Regression.DOUBLE, false));
    assertEquals(1, f.size(), f.toString());
    assertTrue(f.get(0).startsWith("synthetic@10ms: p50_ratio "), f.get(0));
    assertTrue(f.get(0).contains("exceeds budget 1.60"), f.get(0));
  }

  @Test
  void twiceTheWorkIsCaughtByTheCpuTimeRatioToTheBaseline() {
    List<String> f =
        BudgetCheck.failures(check(synthetic(1.6, NAN, NAN), Regression.DOUBLE, false));
    assertEquals(1, f.size(), f.toString());
    assertTrue(f.get(0).startsWith("synthetic@10ms: cpu_ratio "), f.get(0));
    assertTrue(f.get(0).contains("exceeds budget 1.60"), f.get(0));
  }

  @Test
  void anUnavailablePipelineIsSkippedOutsideCiAndFailsUnderCi() {
    Budgets b =
        new Budgets(
            PipelineSpec.of("synthetic").withChunkMs(10),
            10,
            0,
            1,
            10,
            List.of(new Budget(PipelineSpec.of("vad"), NAN, NAN, NAN, 0, NAN, NAN, 0, 0)));
    Function<PipelineSpec, ChunkPipeline> opener =
        s -> {
          if (s.pipeline().equals("vad")) {
            throw new PipelineUnavailableException("model silero-vad not fetched");
          }
          return Pipelines.open(s);
        };
    List<BudgetCheck.Outcome> local = check(b, Regression.NONE, false, opener);
    assertTrue(local.get(0).passed());
    assertEquals("model silero-vad not fetched", local.get(0).skipped());
    List<String> ci = BudgetCheck.failures(check(b, Regression.NONE, true, opener));
    assertEquals(1, ci.size());
    assertTrue(ci.get(0).contains("vad: unavailable under CI=true"), ci.get(0));
  }

  @Test
  void theProjectBudgetsFileNamesOnlyKnownPipelines() throws Exception {
    Path file = Path.of(System.getProperty("stapes.root", "..")).resolve("bench/budgets.json");
    Budgets b = Budgets.read(file);
    assertFalse(b.budgets().isEmpty());
    for (Budget budget : b.budgets()) {
      assertTrue(
          Pipelines.NAMES.contains(budget.spec().pipeline()),
          budget.spec().pipeline() + " unknown");
    }
  }

  @Test
  void aBudgetsFileThatIsANamedPipeIsRefusedInsteadOfBlocking(@TempDir Path dir) throws Exception {
    Path fifo = dir.resolve("budgets.json");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "needs mkfifo");
    java.io.IOException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            java.io.IOException.class, () -> Budgets.read(fifo));
    assertTrue(e.getMessage().endsWith("not a regular file"), e.getMessage());
  }
}
