package dev.stapes.bench.jmh;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * The dynamo-export benchmark measures a correct graph: its set-up checks base, bound (both tasks,
 * each with its own head) and merged outputs against PEFT's, and a task switch allocates nothing.
 * Skipped when the export has not been generated ({@link InjectionDynamoBenchmark#GENERATOR}); it
 * is not committed.
 */
class InjectionDynamoBenchmarkTest {

  @Test
  void boundAndMergedMatchPeftAndATaskSwitchWithHeadsAllocatesNothing() throws Exception {
    assumeTrue(
        Files.isRegularFile(InjectionDynamoBenchmark.dir().resolve("manifest.json")),
        "no dynamo export at "
            + InjectionDynamoBenchmark.dir()
            + ": "
            + InjectionDynamoBenchmark.GENERATOR);
    InjectionDynamoBenchmark b = new InjectionDynamoBenchmark();
    try {
      b.setUp(); // throws when an output differs from PEFT's by more than the manifest's tolerance
      assertTrue(Float.isFinite(b.taskSwitchAndCall()));
      com.sun.management.ThreadMXBean bean =
          (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long id = Thread.currentThread().getId();
      int switches = 20_000;
      long best = Long.MAX_VALUE;
      long bestNanos = Long.MAX_VALUE;
      for (int round = 0; round < 3; round++) {
        long before = bean.getThreadAllocatedBytes(id);
        long t0 = System.nanoTime();
        for (int i = 0; i < switches; i++) {
          b.taskSwitch();
        }
        long nanos = System.nanoTime() - t0;
        long bytes = bean.getThreadAllocatedBytes(id) - before;
        best = Math.min(best, bytes);
        bestNanos = Math.min(bestNanos, nanos);
      }
      System.out.printf(
          "task switch (%d bound inputs): %.2f us mean, %d bytes over %d switches (best of 3)%n",
          b.boundInputsPerTask(), bestNanos / 1e3 / switches, best, switches);
      // one getThreadAllocatedBytes call may itself allocate a few bytes on some JVMs
      assertTrue(best <= 64, best + " bytes allocated over " + switches + " task switches");
    } finally {
      b.tearDown();
    }
  }

  /**
   * Base, bound and merged timed call by call in turn, so that a shared machine's changing load
   * falls on all three alike (JMH runs its rows one after another); prints p50 per row and its
   * ratio to base. Runs with {@code -Dstapes.bench.dynamo.interleaved=ROUNDS}.
   */
  @Test
  void interleavedCallsGiveBoundAndMergedOverBase() throws Exception {
    String rounds = System.getProperty("stapes.bench.dynamo.interleaved");
    assumeTrue(rounds != null, "-Dstapes.bench.dynamo.interleaved=ROUNDS not set");
    assumeTrue(
        Files.isRegularFile(InjectionDynamoBenchmark.dir().resolve("manifest.json")),
        "no dynamo export at " + InjectionDynamoBenchmark.dir());
    int n = Integer.parseInt(rounds);
    InjectionDynamoBenchmark b = new InjectionDynamoBenchmark();
    try {
      b.setUp();
      String[] rows = {"base", "bound", "merged", "taskSwitchAndCall"};
      long[][] t = new long[rows.length][n];
      for (int warm = 0; warm < 5; warm++) {
        b.base();
        b.bound();
        b.merged();
        b.taskSwitchAndCall();
      }
      for (int i = 0; i < n; i++) {
        for (int r = 0; r < rows.length; r++) {
          long t0 = System.nanoTime();
          float y =
              switch (r) {
                case 0 -> b.base();
                case 1 -> b.bound();
                case 2 -> b.merged();
                default -> b.taskSwitchAndCall();
              };
          t[r][i] = System.nanoTime() - t0;
          assertTrue(Float.isFinite(y));
        }
      }
      double base = median(t[0]);
      for (int r = 0; r < rows.length; r++) {
        System.out.printf(
            "interleaved %-18s p50 %8.0f us  vs base %.3f  (%d calls each)%n",
            rows[r], median(t[r]) / 1e3, median(t[r]) / base, n);
      }
    } finally {
      b.tearDown();
    }
  }

  private static double median(long[] v) {
    long[] s = v.clone();
    java.util.Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
  }
}
