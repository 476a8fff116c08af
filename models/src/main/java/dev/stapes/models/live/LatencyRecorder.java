package dev.stapes.models.live;

import java.util.Arrays;

/**
 * Per-chunk latencies in nanoseconds, kept in a preallocated array (the newest {@code capacity}
 * when more are recorded). {@link #record} allocates nothing. One thread at a time.
 */
public final class LatencyRecorder {

  private final long[] values;
  private long count;

  /** Keeps up to {@code capacity} values (1 to 2^26). */
  public LatencyRecorder(int capacity) {
    if (capacity < 1 || capacity > (1 << 26)) {
      throw new IllegalArgumentException("capacity=" + capacity + ", expected 1 to " + (1 << 26));
    }
    values = new long[capacity];
  }

  /** Records one latency. */
  public void record(long nanos) {
    values[(int) (count % values.length)] = nanos;
    count++;
  }

  /** Values recorded in total. */
  public long count() {
    return count;
  }

  /** Percentiles (0 to 100) of the kept values, in nanoseconds; 0 when empty. */
  public long[] percentiles(double... ps) {
    int n = (int) Math.min(count, values.length);
    long[] out = new long[ps.length];
    if (n == 0) {
      return out;
    }
    long[] sorted = Arrays.copyOf(values, n);
    Arrays.sort(sorted);
    for (int i = 0; i < ps.length; i++) {
      // nearest rank
      int rank = (int) Math.ceil(ps[i] / 100.0 * n);
      out[i] = sorted[Math.min(n - 1, Math.max(0, rank - 1))];
    }
    return out;
  }
}
