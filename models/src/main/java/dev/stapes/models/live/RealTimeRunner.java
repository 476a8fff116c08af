package dev.stapes.models.live;

import dev.stapes.nativert.RealTime;
import dev.stapes.nativert.RealTimeResult;
import java.io.PrintStream;

/**
 * Runs a processing loop on a thread of its own and waits for it: the place where real-time thread
 * controls (CPU pinning, SCHED_FIFO, locked memory; libstapes-rt) apply to the per-block work.
 */
public final class RealTimeRunner {

  /** The loop. */
  @FunctionalInterface
  public interface Body {
    /** Runs the loop. */
    void run() throws Exception;
  }

  private RealTimeRunner() {}

  /**
   * Runs {@code body} on a new thread called {@code name} and waits for it; with {@code realtime},
   * the thread first pins itself to the last allowed CPU under SCHED_FIFO priority 80 with memory
   * locked, printing what took effect, or why not, to {@code log} after {@code prefix}.
   *
   * @throws Exception what {@code body} threw
   */
  public static void run(String name, boolean realtime, PrintStream log, String prefix, Body body)
      throws Exception {
    Throwable[] thrown = new Throwable[1];
    Thread t =
        new Thread(
            () -> {
              try {
                if (realtime) {
                  int[] cpu = {RealTime.lastAllowedCpu()};
                  for (RealTimeResult r : RealTime.enter(cpu, 80)) {
                    log.println(prefix + "realtime: " + r);
                  }
                }
                body.run();
              } catch (Throwable e) {
                thrown[0] = e;
              }
            },
            name);
    t.start();
    t.join();
    if (thrown[0] instanceof Exception e) {
      throw e;
    }
    if (thrown[0] instanceof Error er) {
      throw er;
    }
  }
}
