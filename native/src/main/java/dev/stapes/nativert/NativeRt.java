package dev.stapes.nativert;

/**
 * The JNI entry points of {@code libstapes-rt}. Every method acts on the calling thread (or the
 * process, for memory locking) and returns 0 or a value on success, the negated {@code errno} on
 * failure. Only {@link RealTime} calls these, and only after the library has loaded.
 */
final class NativeRt {
  private NativeRt() {}

  static native int pin(int[] cpus);

  static native int fifo(int priority);

  static native int policy();

  static native int priority();

  static native int fifoRange();

  static native int lockAll(boolean future);

  static native int unlockAll();

  static native long threadCpuNanos();

  static native int tid();

  static native String describe(int errno);
}
