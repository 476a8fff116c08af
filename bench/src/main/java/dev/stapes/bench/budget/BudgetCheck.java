package dev.stapes.bench.budget;

import dev.stapes.bench.rt.ChunkPipeline;
import dev.stapes.bench.rt.Harness;
import dev.stapes.bench.rt.HarnessOptions;
import dev.stapes.bench.rt.PipelineSpec;
import dev.stapes.bench.rt.PipelineUnavailableException;
import dev.stapes.bench.rt.Regression;
import dev.stapes.bench.rt.RtResult;
import dev.stapes.bench.rt.TestSignal;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.HdrHistogram.Histogram;

/**
 * Runs a short version of the real-time harness for every budget and compares the figures with the
 * limits. Latency limits are ratios to a baseline pipeline measured in alternating rounds with each
 * budgeted pipeline, so that machine speed and noise from other processes affect both sides alike;
 * allocation limits are absolute.
 *
 * <p>Thread safety: one thread runs a check.
 */
public final class BudgetCheck {

  /** What one budget's measurement found. */
  public record Outcome(
      String label,
      RtResult result,
      double baselineP50Us,
      double baselineP99Us,
      List<String> failures,
      String skipped) {

    /** True when every limit held (or the pipeline was skipped). */
    public boolean passed() {
      return failures.isEmpty();
    }
  }

  private final Budgets budgets;
  private final Regression regression;
  private final boolean ci;
  private final PrintStream log;
  private boolean baselineWarm;

  /**
   * @param budgets the budgets to check
   * @param regression a deliberate regression to wrap around every budgeted pipeline (not the
   *     baseline), {@link Regression#NONE} for a real check
   * @param ci true when an unavailable pipeline must fail rather than be skipped
   * @param log where progress lines go
   */
  public BudgetCheck(Budgets budgets, Regression regression, boolean ci, PrintStream log) {
    this.budgets = budgets;
    this.regression = regression;
    this.ci = ci;
    this.log = log;
  }

  /** Runs every budget, opening pipelines with {@code opener}. */
  public List<Outcome> run(Function<PipelineSpec, ChunkPipeline> opener) {
    List<Outcome> out = new ArrayList<>();
    for (Budget b : budgets.budgets()) {
      Outcome o = runOne(b, opener);
      log.println(line(b, o));
      out.add(o);
    }
    return out;
  }

  /** All failure lines of {@code outcomes}. */
  public static List<String> failures(List<Outcome> outcomes) {
    List<String> f = new ArrayList<>();
    for (Outcome o : outcomes) {
      f.addAll(o.failures());
    }
    return f;
  }

  private Outcome runOne(Budget b, Function<PipelineSpec, ChunkPipeline> opener) {
    String label = b.spec().label();
    ChunkPipeline p;
    try {
      p = regression.wrap(opener.apply(b.spec()));
    } catch (PipelineUnavailableException e) {
      if (ci) {
        return new Outcome(
            label,
            null,
            0,
            0,
            List.of(label + ": unavailable under CI=true: " + e.getMessage()),
            null);
      }
      return new Outcome(label, null, 0, 0, List.of(), e.getMessage());
    }
    try (p;
        ChunkPipeline base = opener.apply(budgets.baseline())) {
      int n = b.chunksPerRound() > 0 ? b.chunksPerRound() : budgets.chunksPerRound();
      int warm = b.warmupChunks() > 0 ? b.warmupChunks() : budgets.warmupChunks();
      float[] audio =
          TestSignal.generate((double) n * p.chunkSamples() / p.sampleRate(), p.sampleRate());
      float[] baseAudio =
          TestSignal.generate(
              (double) n * base.chunkSamples() / base.sampleRate(), base.sampleRate());
      Harness h = new Harness();
      h.run(p, audio, new HarnessOptions(1, warm, false, false));
      // Then warm for a minimum time too, so that the JIT has compiled the hot loops of cheap and
      // expensive pipelines alike before any chunk is recorded.
      long warmEnd = System.nanoTime() + budgets.warmupMs() * 1_000_000L;
      while (System.nanoTime() < warmEnd) {
        h.run(p, audio, new HarnessOptions(1, 0, false, false));
      }
      if (!baselineWarm) {
        // The baseline is cheap: warm it well once, so that its JIT state is settled for every
        // later ratio.
        h.run(base, baseAudio, new HarnessOptions(1, 10 * budgets.warmupChunks(), false, false));
      }
      h.run(base, baseAudio, new HarnessOptions(1, budgets.warmupChunks(), false, false));
      baselineWarm = true;
      Histogram ph = new Histogram(3);
      Histogram bh = new Histogram(3);
      double alloc = 0;
      double rtf = 0;
      long misses = 0;
      double cpu = 0;
      double chunkMs = 0;
      for (int r = 0; r < budgets.rounds(); r++) {
        RtResult br = h.run(base, baseAudio, new HarnessOptions(1, 0, false, false));
        bh.add(h.histogram());
        RtResult pr = h.run(p, audio, new HarnessOptions(1, 0, false, false));
        ph.add(h.histogram());
        alloc += pr.allocBytesPerChunk() / budgets.rounds();
        rtf += pr.rtf() / budgets.rounds();
        cpu += pr.cpuUsPerChunk() / budgets.rounds();
        misses += pr.deadlineMisses();
        chunkMs = pr.chunkMs();
        if (br.chunks() == 0) {
          throw new IllegalStateException("baseline recorded no chunk");
        }
      }
      RtResult res =
          new RtResult(
              ph.getTotalCount(),
              chunkMs,
              ph.getValueAtPercentile(50) / 1e3,
              ph.getValueAtPercentile(99) / 1e3,
              ph.getValueAtPercentile(99.9) / 1e3,
              ph.getMaxValue() / 1e3,
              rtf,
              misses,
              alloc,
              cpu);
      double b50 = bh.getValueAtPercentile(50) / 1e3;
      double b99 = bh.getValueAtPercentile(99) / 1e3;
      List<String> fails = new ArrayList<>();
      limit(
          fails,
          label,
          "p50_ratio",
          res.p50Us() / b50,
          b.p50Ratio(),
          "p50 " + us(res.p50Us()) + " vs baseline " + us(b50));
      limit(
          fails,
          label,
          "p99_ratio",
          res.p99Us() / b99,
          b.p99Ratio(),
          "p99 " + us(res.p99Us()) + " vs baseline " + us(b99));
      limit(fails, label, "alloc_bytes_per_chunk", alloc, b.allocBytesPerChunk(), null);
      limit(fails, label, "rtf", rtf, b.rtf(), null);
      limit(fails, label, "p99_us", res.p99Us(), b.p99Us(), null);
      return new Outcome(label, res, b50, b99, List.copyOf(fails), null);
    }
  }

  private static void limit(
      List<String> fails, String label, String figure, double value, double budget, String why) {
    if (Double.isNaN(budget)) {
      return;
    }
    // Allocation is counted in whole bytes; allow for the rounding of the per-chunk average.
    double slack = figure.startsWith("alloc") ? 0.5 : 0;
    if (!(value <= budget + slack)) {
      fails.add(
          String.format(
              Locale.ROOT,
              "%s: %s %s exceeds budget %s%s",
              label,
              figure,
              num(value),
              num(budget),
              why == null ? "" : " (" + why + ")"));
    }
  }

  private static String line(Budget b, Outcome o) {
    String label = o.label();
    if (o.skipped() != null) {
      return "SKIP " + label + ": " + o.skipped();
    }
    if (o.result() == null) {
      return "FAIL " + String.join("; ", o.failures());
    }
    RtResult r = o.result();
    String figures =
        String.format(
            Locale.ROOT,
            "p50 %s (x%s of baseline %s, budget %s)  p99 %s  alloc %s B/chunk (budget %s)  rtf %s",
            us(r.p50Us()),
            num(r.p50Us() / o.baselineP50Us()),
            us(o.baselineP50Us()),
            Double.isNaN(b.p50Ratio()) ? "-" : "x" + num(b.p50Ratio()),
            us(r.p99Us()),
            num(r.allocBytesPerChunk()),
            Double.isNaN(b.allocBytesPerChunk()) ? "-" : num(b.allocBytesPerChunk()),
            num(r.rtf()));
    return (o.passed() ? "ok   " : "FAIL ") + label + "  " + figures;
  }

  private static String us(double v) {
    return num(v) + " us";
  }

  private static String num(double v) {
    if (Math.abs(v) >= 100 || v == Math.rint(v)) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    return String.format(Locale.ROOT, Math.abs(v) >= 1 ? "%.2f" : "%.4f", v);
  }
}
