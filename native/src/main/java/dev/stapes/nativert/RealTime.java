package dev.stapes.nativert;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Real-time controls for the calling thread: CPU pinning, {@code SCHED_FIFO} scheduling, memory
 * locking and per-thread CPU time, through the small JNI library {@code libstapes-rt}.
 *
 * <p>The library is built from {@code native/src/main/c} with gcc during the Maven build where gcc
 * exists and is packaged into the jar; it is extracted to a temporary file and loaded on first use.
 * Where it is absent (no gcc at build time, another OS or architecture) every method still works:
 * the requests return a {@link RealTimeResult} that is not applied and says why, and {@link
 * #threadCpuTimeNanos()} falls back to {@link ThreadMXBean#getCurrentThreadCpuTime()}.
 *
 * <p>Thread safety: every method may be called from any thread; the thread methods act on the
 * calling thread only. Nothing here allocates except the results.
 */
public final class RealTime {

  /** System property naming a {@code libstapes-rt.so} to load instead of the packaged one. */
  public static final String LIBRARY_PROPERTY = "stapes.native.lib";

  private static final String SCHED_OTHER_NAME = "SCHED_OTHER";

  /** Known architectures of the packaged library, as {@link #arch(String)} names them. */
  private static final List<String> PACKAGED_ARCHES = List.of("amd64", "aarch64");

  /** Why the library is not loaded, or {@code null} when it is. */
  private static final String LOAD_ERROR;

  /** The packaged library's name or the {@link #LIBRARY_PROPERTY} path loaded; null if none. */
  private static final String LOADED_FROM;

  static {
    String[] errorAndSource = load();
    LOAD_ERROR = errorAndSource[0];
    LOADED_FROM = errorAndSource[1];
  }

  private RealTime() {}

  /** True when {@code libstapes-rt} is loaded and the requests can take effect. */
  public static boolean isNativeAvailable() {
    return LOAD_ERROR == null;
  }

  /** Why the native library is not available, or {@code null} when it is. */
  public static String unavailableReason() {
    return LOAD_ERROR;
  }

  /**
   * The name of the packaged library for this platform, e.g. {@code libstapes-rt-linux-amd64.so} or
   * {@code libstapes-rt-linux-aarch64.so}.
   */
  public static String libraryName() {
    return "libstapes-rt-linux-" + arch(System.getProperty("os.arch", "unknown")) + ".so";
  }

  /**
   * The architecture part of a library name for an {@code os.arch} value: {@code amd64} for {@code
   * amd64} and {@code x86_64}, {@code aarch64} for {@code aarch64} and {@code arm64}, any other
   * value lower-cased.
   */
  static String arch(String osArch) {
    String a = osArch.toLowerCase(Locale.ROOT);
    return switch (a) {
      case "x86_64", "amd64" -> "amd64";
      case "arm64", "aarch64" -> "aarch64";
      default -> a;
    };
  }

  /**
   * One line on the native library for {@code stapes --version} and the benchmarks: which library
   * is loaded and whether its thread-CPU clock advances, or why it is not loaded and what the
   * pure-Java fallback does instead. Spins the calling thread for up to 200 ms wall time to see the
   * clock tick; not for hot paths.
   */
  public static String status() {
    if (!isNativeAvailable()) {
      return "libstapes-rt not loaded ("
          + LOAD_ERROR
          + "); pure-Java fallback: thread CPU time from ThreadMXBean, real-time requests not"
          + " applied";
    }
    long t0 = NativeRt.threadCpuNanos();
    long t1 = t0;
    long deadline = System.nanoTime() + 200_000_000L;
    while (t1 == t0 && System.nanoTime() < deadline) {
      t1 = NativeRt.threadCpuNanos();
    }
    String clock =
        t0 < 0
            ? "failed (" + describe((int) -t0) + ")"
            : t1 > t0
                ? "works (advanced " + (t1 - t0) + " ns while spinning)"
                : "NOT advancing (" + t0 + " ns before and after 200 ms of spinning)";
    return "libstapes-rt loaded ("
        + LOADED_FROM
        + "); thread CPU clock clock_gettime(CLOCK_THREAD_CPUTIME_ID) "
        + clock;
  }

  /**
   * Pins the calling thread to the given CPUs ({@code sched_setaffinity}).
   *
   * @param cpus CPU numbers as the kernel counts them (0 to the number of CPUs minus 1); at least
   *     one
   * @return whether the pinning took effect; when it did, {@code detail} shows the thread's {@code
   *     Cpus_allowed_list} read back from {@code /proc/thread-self/status}
   * @throws IllegalArgumentException when {@code cpus} is empty or holds a negative number
   */
  public static RealTimeResult pinCurrentThread(int... cpus) {
    if (cpus == null || cpus.length == 0) {
      throw new IllegalArgumentException("cpus is empty, expected at least one CPU number");
    }
    for (int cpu : cpus) {
      if (cpu < 0 || cpu >= 1024) {
        throw new IllegalArgumentException(
            "cpu=" + cpu + ", expected a CPU number in [0, 1024) (see lscpu or /proc/cpuinfo)");
      }
    }
    String action = "pin thread to CPUs " + Arrays.toString(cpus);
    if (!isNativeAvailable()) {
      return unavailable(action);
    }
    int rc = NativeRt.pin(cpus.clone());
    if (rc != 0) {
      String hint =
          -rc == 22
              ? "no CPU in the set is online or allowed to this process (online: 0-"
                  + (Runtime.getRuntime().availableProcessors() - 1)
                  + ")"
              : "sched_setaffinity refused";
      return new RealTimeResult(action, false, -rc, describe(-rc) + ": " + hint);
    }
    String list = cpusAllowedList();
    return new RealTimeResult(action, true, 0, "Cpus_allowed_list " + list);
  }

  /**
   * Requests {@code SCHED_FIFO} at the given priority for the calling thread ({@code
   * sched_setscheduler}). Without the privilege to do so (root, {@code CAP_SYS_NICE} or an {@code
   * RLIMIT_RTPRIO} of at least {@code priority}) the kernel refuses with EPERM, and the result says
   * so; the thread keeps its normal policy.
   *
   * @param priority real-time priority, 1 to 99 on Linux
   * @return whether the thread now runs under {@code SCHED_FIFO} at that priority
   * @throws IllegalArgumentException when priority is outside 1 to 99
   */
  public static RealTimeResult requestFifo(int priority) {
    if (priority < 1 || priority > 99) {
      throw new IllegalArgumentException(
          "priority=" + priority + ", expected a SCHED_FIFO priority in [1, 99]");
    }
    String action = "SCHED_FIFO priority " + priority;
    if (!isNativeAvailable()) {
      return unavailable(action);
    }
    int rc = NativeRt.fifo(priority);
    if (rc != 0) {
      int errno = -rc;
      String why =
          errno == RealTimeResult.EPERM
              ? "EPERM, permission refused: needs root, CAP_SYS_NICE or 'ulimit -r "
                  + priority
                  + "' (RLIMIT_RTPRIO); in a container also --cap-add=SYS_NICE; "
                  + "the thread stays "
                  + policyName(NativeRt.policy())
              : describe(errno) + ": sched_setscheduler refused";
      return new RealTimeResult(action, false, errno, why);
    }
    return new RealTimeResult(
        action,
        true,
        0,
        "thread now " + policyName(NativeRt.policy()) + " priority " + NativeRt.priority());
  }

  /**
   * Locks the process's pages that are mapped now in memory ({@code mlockall(MCL_CURRENT)}), so
   * that the heap, code and stacks already touched cannot be paged out. Future mappings are not
   * locked: with {@code MCL_FUTURE} every later JVM mapping (thread stacks, heap growth) would be
   * faulted in at once and, past {@code RLIMIT_MEMLOCK}, fail. For a fully locked heap start the
   * JVM with {@code -Xms} equal to {@code -Xmx} and {@code -XX:+AlwaysPreTouch}.
   *
   * @return whether the memory is now locked; refusals name the limit ({@code ulimit -l}) or
   *     privilege ({@code CAP_IPC_LOCK}) missing
   */
  public static RealTimeResult lockMemory() {
    String action = "lock process memory (mlockall MCL_CURRENT)";
    if (!isNativeAvailable()) {
      return unavailable(action);
    }
    int rc = NativeRt.lockAll(false);
    if (rc != 0) {
      int errno = -rc;
      String why =
          errno == 12 || errno == RealTimeResult.EPERM
              ? describe(errno)
                  + ": the process's memory exceeds RLIMIT_MEMLOCK ('ulimit -l') and it lacks"
                  + " CAP_IPC_LOCK"
              : describe(errno) + ": mlockall refused";
      return new RealTimeResult(action, false, errno, why);
    }
    return new RealTimeResult(
        action,
        true,
        0,
        "VmLck "
            + procStatus("/proc/self/status", "VmLck")
            + " mapped, VmRSS "
            + procStatus("/proc/self/status", "VmRSS")
            + " resident");
  }

  /** Undoes {@link #lockMemory()} ({@code munlockall}). */
  public static RealTimeResult unlockMemory() {
    String action = "unlock process memory (munlockall)";
    if (!isNativeAvailable()) {
      return unavailable(action);
    }
    int rc = NativeRt.unlockAll();
    return rc == 0
        ? new RealTimeResult(action, true, 0, "VmLck " + procStatus("/proc/self/status", "VmLck"))
        : new RealTimeResult(action, false, -rc, describe(-rc));
  }

  /**
   * CPU time consumed by the calling thread, in nanoseconds: {@code
   * clock_gettime(CLOCK_THREAD_CPUTIME_ID)} when the library is loaded (a vDSO call, tens of
   * nanoseconds), else {@link ThreadMXBean#getCurrentThreadCpuTime()}, or -1 when neither is
   * supported. Allocates nothing.
   */
  public static long threadCpuTimeNanos() {
    if (LOAD_ERROR == null) {
      long t = NativeRt.threadCpuNanos();
      if (t >= 0) {
        return t;
      }
    }
    return MxHolder.MX.isCurrentThreadCpuTimeSupported()
        ? MxHolder.MX.getCurrentThreadCpuTime()
        : -1;
  }

  /**
   * The calling thread's scheduling policy name, e.g. {@code SCHED_OTHER} or {@code SCHED_FIFO}.
   */
  public static String currentPolicy() {
    if (!isNativeAvailable()) {
      return "unknown (" + LOAD_ERROR + ")";
    }
    return policyName(NativeRt.policy());
  }

  /**
   * The calling thread's {@code Cpus_allowed_list} from {@code /proc/thread-self/status} (e.g.
   * {@code "0-1"}), or {@code "unknown"} where that file does not exist.
   */
  public static String cpusAllowedList() {
    return procStatus("/proc/thread-self/status", "Cpus_allowed_list");
  }

  /**
   * Applies the usual settings of an audio thread in one call: pins the calling thread to {@code
   * cpus}, requests {@code SCHED_FIFO} at {@code priority} and locks memory. Each step is tried
   * even when an earlier one was refused.
   *
   * @return one result per step, in that order
   */
  public static List<RealTimeResult> enter(int[] cpus, int priority) {
    List<RealTimeResult> results = new ArrayList<>(3);
    results.add(pinCurrentThread(cpus));
    results.add(requestFifo(priority));
    results.add(lockMemory());
    return results;
  }

  /** The last CPU this process may run on: the default CPU for a pinned real-time thread. */
  public static int lastAllowedCpu() {
    String list = cpusAllowedList();
    try {
      String last = list.substring(list.lastIndexOf(',') + 1);
      int dash = last.indexOf('-');
      return Integer.parseInt(dash >= 0 ? last.substring(dash + 1) : last);
    } catch (RuntimeException e) {
      return Runtime.getRuntime().availableProcessors() - 1;
    }
  }

  private static RealTimeResult unavailable(String action) {
    return new RealTimeResult(
        action, false, 0, "native library libstapes-rt not loaded: " + LOAD_ERROR);
  }

  private static String describe(int errno) {
    String name =
        switch (errno) {
          case 1 -> "EPERM";
          case 3 -> "ESRCH";
          case 12 -> "ENOMEM";
          case 22 -> "EINVAL";
          default -> "errno " + errno;
        };
    return name + " (" + NativeRt.describe(errno) + ")";
  }

  private static String policyName(int policy) {
    return switch (policy) {
      case 0 -> SCHED_OTHER_NAME;
      case 1 -> "SCHED_FIFO";
      case 2 -> "SCHED_RR";
      case 3 -> "SCHED_BATCH";
      case 5 -> "SCHED_IDLE";
      case 6 -> "SCHED_DEADLINE";
      default -> policy < 0 ? "unknown (errno " + -policy + ")" : "policy " + policy;
    };
  }

  private static String procStatus(String file, String key) {
    try {
      for (String line : Files.readAllLines(Path.of(file))) {
        if (line.startsWith(key + ":")) {
          return line.substring(key.length() + 1).trim();
        }
      }
      return "unknown";
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /** Loads the library; returns {why not loaded or null, what was loaded or null}. */
  private static String[] load() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    if (!os.contains("linux")) {
      return failed("libstapes-rt supports Linux only, this is " + System.getProperty("os.name"));
    }
    String explicit = System.getProperty(LIBRARY_PROPERTY);
    try {
      if (explicit != null && !explicit.isBlank()) {
        String path = Path.of(explicit).toAbsolutePath().toString();
        System.load(path);
        return new String[] {null, path};
      }
      String name = libraryName();
      try (InputStream in = RealTime.class.getResourceAsStream(name)) {
        if (in == null) {
          String arch = arch(System.getProperty("os.arch", "unknown"));
          return failed(
              PACKAGED_ARCHES.contains(arch)
                  ? name
                      + " is not packaged in this build (its compiler, "
                      + ("aarch64".equals(arch) ? "gcc or aarch64-linux-gnu-gcc" : "gcc")
                      + ", was absent when the jar was built)"
                  : "no libstapes-rt for os.arch="
                      + System.getProperty("os.arch")
                      + ", it is built for linux-"
                      + String.join(" and linux-", PACKAGED_ARCHES));
        }
        Path tmp = Files.createTempFile("libstapes-rt-", ".so");
        tmp.toFile().deleteOnExit();
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        System.load(tmp.toAbsolutePath().toString());
      }
      NativeRt.tid();
      return new String[] {null, name};
    } catch (IOException | UnsatisfiedLinkError | SecurityException e) {
      return failed("could not load libstapes-rt: " + e.getMessage());
    }
  }

  private static String[] failed(String why) {
    return new String[] {why, null};
  }

  private static final class MxHolder {
    static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
  }
}
