package dev.stapes.nativert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RealTimeTest {

  @BeforeAll
  static void nativeLibraryLoadsWhereItWasBuilt() {
    boolean built = Files.exists(Path.of("/usr/bin/gcc"));
    if ("true".equals(System.getenv("CI")) && built) {
      assertTrue(RealTime.isNativeAvailable(), "gcc exists but " + RealTime.unavailableReason());
    }
  }

  /** Runs {@code body} on a fresh thread, so that its scheduling changes die with it. */
  private static <T> T onNewThread(java.util.function.Supplier<T> body) throws Exception {
    AtomicReference<T> out = new AtomicReference<>();
    AtomicReference<Throwable> err = new AtomicReference<>();
    Thread t =
        new Thread(
            () -> {
              try {
                out.set(body.get());
              } catch (Throwable e) {
                err.set(e);
              }
            },
            "realtime-test");
    t.start();
    t.join();
    if (err.get() != null) {
      throw new AssertionError(err.get());
    }
    return out.get();
  }

  @Test
  void pinningShowsInTheThreadsCpusAllowedList() throws Exception {
    assumeTrue(RealTime.isNativeAvailable(), RealTime.unavailableReason());
    int cpu = RealTime.lastAllowedCpu();
    String before = RealTime.cpusAllowedList();
    String[] seen =
        onNewThread(
            () -> {
              RealTimeResult r = RealTime.pinCurrentThread(cpu);
              return new String[] {
                String.valueOf(r.applied()), readStatus("Cpus_allowed_list"), r.toString()
              };
            });
    assertEquals("true", seen[0], seen[2]);
    assertEquals(String.valueOf(cpu), seen[1], "Cpus_allowed_list of the pinned thread");
    assertEquals(before, RealTime.cpusAllowedList(), "other threads keep their CPUs");
  }

  @Test
  void pinningToSeveralCpusShowsThemAll() throws Exception {
    assumeTrue(RealTime.isNativeAvailable(), RealTime.unavailableReason());
    assumeTrue(RealTime.lastAllowedCpu() >= 1, "needs two CPUs");
    String list =
        onNewThread(
            () -> {
              RealTime.pinCurrentThread(0, 1);
              return readStatus("Cpus_allowed_list");
            });
    assertEquals("0-1", list);
  }

  @Test
  void pinningToAnOfflineCpuIsReportedNotThrown() throws Exception {
    assumeTrue(RealTime.isNativeAvailable(), RealTime.unavailableReason());
    RealTimeResult r = onNewThread(() -> RealTime.pinCurrentThread(1023));
    assertFalse(r.applied());
    assertEquals(22, r.errno(), r.toString());
    assertTrue(r.detail().contains("EINVAL"), r.detail());
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, 1024, Integer.MIN_VALUE})
  void anInvalidCpuNumberNamesTheParameterAndRange(int cpu) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> RealTime.pinCurrentThread(cpu));
    assertTrue(e.getMessage().contains("cpu=" + cpu), e.getMessage());
    assertTrue(e.getMessage().contains("[0, 1024)"), e.getMessage());
  }

  @Test
  void noCpusIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> RealTime.pinCurrentThread());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 100, -5})
  void anInvalidPriorityNamesTheParameterAndRange(int priority) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> RealTime.requestFifo(priority));
    assertTrue(e.getMessage().contains("priority=" + priority), e.getMessage());
    assertTrue(e.getMessage().contains("[1, 99]"), e.getMessage());
  }

  @Test
  void fifoIsEitherInEffectOrRefusedWithTheReason() throws Exception {
    assumeTrue(RealTime.isNativeAvailable(), RealTime.unavailableReason());
    String[] seen =
        onNewThread(
            () -> {
              RealTimeResult r = RealTime.requestFifo(10);
              return new String[] {
                String.valueOf(r.applied()),
                RealTime.currentPolicy(),
                r.toString(),
                String.valueOf(r.errno())
              };
            });
    if (Boolean.parseBoolean(seen[0])) {
      assertEquals("SCHED_FIFO", seen[1], seen[2]);
      assertTrue(seen[2].contains("priority 10"), seen[2]);
    } else {
      assertEquals("SCHED_OTHER", seen[1], seen[2]);
      assertNotEquals("0", seen[3], seen[2]);
      if ("1".equals(seen[3])) {
        assertTrue(seen[2].contains("EPERM") && seen[2].contains("CAP_SYS_NICE"), seen[2]);
      }
    }
    assertEquals("SCHED_OTHER", RealTime.currentPolicy(), "the test thread is untouched");
  }

  @Test
  void memoryLockIsEitherInEffectOrRefusedWithTheReason() {
    assumeTrue(RealTime.isNativeAvailable(), RealTime.unavailableReason());
    RealTimeResult r = RealTime.lockMemory();
    try {
      if (r.applied()) {
        assertTrue(r.detail().startsWith("VmLck"), r.toString());
        assertNotEquals("0 kB", r.detail().substring("VmLck ".length()), r.toString());
      } else {
        assertNotEquals(0, r.errno(), r.toString());
      }
    } finally {
      assertTrue(RealTime.unlockMemory().applied());
    }
  }

  @Test
  void threadCpuTimeGrowsWithWorkAndAgreesWithTheJvm() {
    java.lang.management.ThreadMXBean jvm =
        java.lang.management.ManagementFactory.getThreadMXBean();
    long t0 = RealTime.threadCpuTimeNanos();
    assertTrue(t0 > 0, "cpu time " + t0);
    // busy until the JVM's own counter says 20 ms of CPU were used (wall time depends on load)
    long jvm0 = jvm.getCurrentThreadCpuTime();
    double x = 0;
    long wall = System.nanoTime();
    while (jvm.getCurrentThreadCpuTime() - jvm0 < 20_000_000L
        && System.nanoTime() - wall < 10_000_000_000L) {
      for (int i = 0; i < 1000; i++) {
        x += Math.sqrt(x + 1);
      }
    }
    long t1 = RealTime.threadCpuTimeNanos();
    long mx = jvm.getCurrentThreadCpuTime();
    assertTrue(x > 0);
    assertTrue(t1 - t0 >= 15_000_000L, "20 ms of JVM-counted CPU gave " + (t1 - t0) + " ns");
    assertTrue(Math.abs(mx - t1) < 20_000_000L, "native " + t1 + " ns vs JMX " + mx + " ns");
  }

  @Test
  void resultsReadAsOneLine() {
    RealTimeResult r = new RealTimeResult("SCHED_FIFO priority 80", false, 1, "EPERM, why");
    assertTrue(r.permissionDenied());
    assertEquals("SCHED_FIFO priority 80: NOT applied (EPERM, why)", r.toString());
  }

  private static String readStatus(String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
        if (line.startsWith(key + ":")) {
          return line.substring(key.length() + 1).trim();
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return "absent";
  }
}
