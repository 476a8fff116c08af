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
   * Base, bound, merged and switch-then-call timed call by call in turn ({@link Interleaved});
   * prints the wall and CPU p50 per row and its ratio to base. Runs with {@code
   * -Dstapes.bench.dynamo.interleaved=ROUNDS}.
   */
  @Test
  void interleavedCallsGiveBoundAndMergedOverBase() throws Exception {
    String rounds = System.getProperty("stapes.bench.dynamo.interleaved");
    assumeTrue(rounds != null, "-Dstapes.bench.dynamo.interleaved=ROUNDS not set");
    assumeTrue(
        Files.isRegularFile(InjectionDynamoBenchmark.dir().resolve("manifest.json")),
        "no dynamo export at " + InjectionDynamoBenchmark.dir());
    InjectionDynamoBenchmark b = new InjectionDynamoBenchmark();
    try {
      b.setUp();
      Interleaved.run(
          "dynamo-12l",
          new String[] {"base", "bound", "merged", "taskSwitchAndCall"},
          new Interleaved.Row[] {b::base, b::bound, b::merged, b::taskSwitchAndCall},
          Integer.parseInt(rounds));
    } finally {
      b.tearDown();
    }
  }
}
