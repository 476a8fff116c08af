package dev.stapes.nativert;

/**
 * What one real-time request did: whether it took effect and, when it did not, why.
 *
 * @param action what was asked, e.g. {@code "pin thread to CPUs [1]"}
 * @param applied true when the setting is now in effect for the calling thread or process
 * @param errno the error number the kernel returned (e.g. 1 for EPERM), or 0 when there was none
 * @param detail one line saying what took effect, or what was refused and what would allow it
 */
public record RealTimeResult(String action, boolean applied, int errno, String detail) {

  /** {@code errno} value for "operation not permitted". */
  public static final int EPERM = 1;

  /** True when the kernel refused the request for lack of privilege (EPERM). */
  public boolean permissionDenied() {
    return errno == EPERM;
  }

  /** One line: {@code "pin thread to CPUs [1]: applied (Cpus_allowed_list 1)"}. */
  @Override
  public String toString() {
    return action + ": " + (applied ? "applied" : "NOT applied") + " (" + detail + ")";
  }
}
