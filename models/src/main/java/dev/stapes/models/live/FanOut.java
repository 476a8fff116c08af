package dev.stapes.models.live;

import dev.stapes.engine.InferenceException;
import dev.stapes.models.PipelineStream;
import java.util.List;

/**
 * One audio stream into several {@link PipelineStream}s (voice activity, wake words and enhancement
 * side by side). A block is cut at every member's chunk boundary and the pieces go to the members
 * in order, so that every model chunk runs as soon as its last sample arrives and the members'
 * events come in sample order, whatever the block size.
 *
 * <p>Cost model: {@link #push} allocates nothing; it times each member ({@link #nanos(int)}). One
 * thread at a time. {@link #close()} closes the members (owned from construction) and is
 * idempotent.
 */
public final class FanOut implements PipelineStream {

  private final PipelineStream[] members;
  private final int[] chunks;
  private final int[] pos;
  private final long[] nanos;
  private long samples;
  private long blocks;
  private boolean closed;

  /**
   * @param members the streams, owned from now on
   * @param chunks each member's chunk in samples ({@link
   *     dev.stapes.models.Pipeline#chunkSamples()})
   */
  public FanOut(List<PipelineStream> members, int[] chunks) {
    if (members == null || members.isEmpty() || chunks == null || chunks.length != members.size()) {
      throw new IllegalArgumentException(
          "members="
              + members
              + " chunks.length="
              + (chunks == null ? "null" : chunks.length)
              + ", expected one chunk per member and at least one member");
    }
    for (int c : chunks) {
      if (c < 1) {
        throw new IllegalArgumentException("chunk=" + c + " samples, expected >= 1");
      }
    }
    this.members = members.toArray(new PipelineStream[0]);
    this.chunks = chunks.clone();
    this.pos = new int[chunks.length];
    this.nanos = new long[chunks.length];
  }

  /** Number of members. */
  public int size() {
    return members.length;
  }

  /** Member {@code i}. */
  public PipelineStream member(int i) {
    return members[i];
  }

  /** Nanoseconds spent in member {@code i} since creation or {@link #reset()}. */
  public long nanos(int i) {
    return nanos[i];
  }

  /** Calls of {@link #push} since creation or {@link #reset()}. */
  public long blocks() {
    return blocks;
  }

  @Override
  public void push(float[] x, int off, int len) throws InferenceException {
    if (closed) {
      throw new IllegalStateException("FanOut is closed");
    }
    if (x == null || off < 0 || len < 0 || off > x.length - len) {
      throw new IllegalArgumentException(
          "off="
              + off
              + " len="
              + len
              + " length="
              + (x == null ? "null" : x.length)
              + ", expected a range inside x");
    }
    blocks++;
    int i = 0;
    while (i < len) {
      int n = len - i;
      for (int m = 0; m < members.length; m++) {
        n = Math.min(n, chunks[m] - pos[m]);
      }
      samples += n;
      for (int m = 0; m < members.length; m++) {
        long t0 = System.nanoTime();
        members[m].push(x, off + i, n);
        nanos[m] += System.nanoTime() - t0;
        pos[m] += n;
        if (pos[m] == chunks[m]) {
          pos[m] = 0;
        }
      }
      i += n;
    }
  }

  @Override
  public void endOfInput() throws InferenceException {
    if (closed) {
      throw new IllegalStateException("FanOut is closed");
    }
    for (int m = 0; m < members.length; m++) {
      long t0 = System.nanoTime();
      members[m].endOfInput();
      nanos[m] += System.nanoTime() - t0;
    }
  }

  @Override
  public void reset() {
    if (closed) {
      throw new IllegalStateException("FanOut is closed");
    }
    for (int m = 0; m < members.length; m++) {
      members[m].reset();
      pos[m] = 0;
      nanos[m] = 0;
    }
    samples = 0;
    blocks = 0;
  }

  @Override
  public long samplesPushed() {
    return samples;
  }

  @Override
  public long chunksRun() {
    long n = 0;
    for (PipelineStream m : members) {
      n += m.chunksRun();
    }
    return n;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    RuntimeException first = null;
    for (PipelineStream m : members) {
      try {
        m.close();
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
