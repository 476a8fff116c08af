package dev.stapes.bench.jmh;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * Times benchmark rows call by call in turn, so that a shared machine's changing load falls on
 * every row alike (JMH runs its rows one after another), and prints per row the p50 of the wall
 * time and of the thread's CPU time (which does not grow while other processes hold the core), each
 * with its ratio to the first row.
 */
final class Interleaved {
  /** One benchmark call; returns an output value. */
  interface Row {
    float call() throws Exception;
  }

  private Interleaved() {}

  /** Runs {@code rounds} rounds of every row after 5 warm-up rounds and prints the table. */
  static void run(String what, String[] names, Row[] rows, int rounds) throws Exception {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    long[] alloc = new long[rows.length];
    Arrays.fill(alloc, Long.MAX_VALUE);
    long[][] wall = new long[rows.length][rounds];
    long[][] cpu = new long[rows.length][rounds];
    for (int warm = 0; warm < 5; warm++) {
      for (Row r : rows) {
        r.call();
      }
    }
    for (int i = 0; i < rounds; i++) {
      for (int r = 0; r < rows.length; r++) {
        long a0 = mx.getThreadAllocatedBytes(id);
        long c0 = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        float y = rows[r].call();
        wall[r][i] = System.nanoTime() - t0;
        cpu[r][i] = mx.getCurrentThreadCpuTime() - c0;
        alloc[r] = Math.min(alloc[r], mx.getThreadAllocatedBytes(id) - a0);
        assertTrue(Float.isFinite(y), names[r] + " gave " + y);
      }
    }
    double w0 = median(wall[0]);
    double c0 = median(cpu[0]);
    for (int r = 0; r < rows.length; r++) {
      System.out.printf(
          "interleaved %s %-18s wall p50 %8.0f us vs %s %.3f | cpu p50 %8.0f us vs %s %.3f"
              + " | %d B/call (%d calls each)%n",
          what,
          names[r],
          median(wall[r]) / 1e3,
          names[0],
          median(wall[r]) / w0,
          median(cpu[r]) / 1e3,
          names[0],
          median(cpu[r]) / c0,
          alloc[r],
          rounds);
    }
  }

  static double median(long[] v) {
    long[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
  }
}
