package dev.stapes.nativert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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

  @ParameterizedTest
  @CsvSource({
    "amd64, amd64",
    "x86_64, amd64",
    "AMD64, amd64",
    "aarch64, aarch64",
    "arm64, aarch64",
    "riscv64, riscv64"
  })
  void osArchNamesTheLibrarysArchitecture(String osArch, String arch) {
    assertEquals(arch, RealTime.arch(osArch));
  }

  /**
   * Each library the build could compile is in the jar under its architecture's name, and is an ELF
   * shared object for that machine (e_machine 62 = x86-64, 183 = AArch64): a cross build that
   * silently produced a host binary would load nowhere.
   */
  @ParameterizedTest
  @CsvSource({"amd64, 62", "aarch64, 183"})
  void packagedLibrariesAreBuiltForTheirArchitecture(String arch, int machine) throws Exception {
    String host = RealTime.arch(System.getProperty("os.arch"));
    boolean compiler =
        host.equals(arch)
            ? Files.exists(Path.of("/usr/bin/gcc"))
            : "aarch64".equals(arch) && Files.exists(Path.of("/usr/bin/aarch64-linux-gnu-gcc"));
    assumeTrue(compiler, "no compiler for linux-" + arch + " on this " + host + " host");
    String name = "libstapes-rt-linux-" + arch + ".so";
    byte[] head;
    try (InputStream in = RealTime.class.getResourceAsStream(name)) {
      assertNotNull(in, name + " is not packaged although its compiler exists");
      head = in.readNBytes(20);
    }
    assertEquals(20, head.length, name + " is shorter than an ELF header");
    assertEquals(0x7f, head[0]);
    assertEquals("ELF", new String(head, 1, 3, StandardCharsets.US_ASCII), name + " magic");
    assertEquals(2, head[4], name + " ELF class, expected 2 (64-bit)");
    assertEquals(1, head[5], name + " ELF data, expected 1 (little-endian)");
    assertEquals(3, head[16] & 0xff, name + " ELF type, expected 3 (shared object)");
    assertEquals(machine, (head[18] & 0xff) | (head[19] & 0xff) << 8, name + " e_machine");
  }

  @Test
  void statusSaysWhichLibraryAndWhetherItsClockWorks() {
    String status = RealTime.status();
    if (RealTime.isNativeAvailable()) {
      assertTrue(status.startsWith("libstapes-rt loaded (" + RealTime.libraryName()), status);
      assertTrue(status.contains("thread CPU clock"), status);
      assertTrue(status.contains(" works (advanced "), status);
    } else {
      assertTrue(status.contains(RealTime.unavailableReason()), status);
      assertTrue(status.contains("pure-Java fallback"), status);
    }
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
