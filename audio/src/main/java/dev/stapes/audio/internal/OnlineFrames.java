package dev.stapes.audio.internal;

import java.util.Arrays;

/**
 * The streaming engine behind {@code OnlineFeature} and {@code StreamingStft}: accepts samples in
 * any chunking, computes each frame as soon as every sample it reads is known, and keeps the
 * computed rows in a ring until popped.
 *
 * <p>A frame is computed once it is certain to exist ({@code i < numFrames(received)}, a lower
 * bound of the final count) and every sample it reads has arrived; frames that reach past the end
 * wait for {@link #inputFinished()}, when the total length is known. Since every frame is computed
 * from the same samples with the same code whatever the chunking, streaming output is bit-identical
 * to offline output.
 *
 * <p>Memory: the first {@code 2*max(nFft, win) + hop} samples are kept for left-edge reflection; a
 * sample buffer of a few frames holds the rest. Output rows live in a ring that only grows when the
 * caller does not {@link #pop} (doubling). Steady state allocates nothing. Not thread-safe: one
 * thread at a time.
 */
public final class OnlineFrames {
  private final FrameGeometry g;
  private final FrameComputer computer;
  private final int width;
  private final float[] head;
  private final int margin;
  private float[] buf;
  private long bufStart;
  private int bufLen;
  private long received;
  private boolean finished;
  private long nextFrame;
  private final float[] span;
  // output ring
  private float[] ring;
  private int ringFrames;
  private long firstFrame;

  public OnlineFrames(FrameGeometry g, FrameComputer computer, int initialFrames) {
    this.g = g;
    this.computer = computer;
    this.width = computer.width();
    int big = Math.max(g.nFft, g.win);
    this.head = new float[2 * big + g.hop];
    this.margin = big;
    this.buf = new float[2 * (big + g.win + g.hop) + 4096];
    this.span = new float[g.win];
    this.ringFrames = Math.max(1, Math.min(Math.max(16, initialFrames), maxFrames(width)));
    this.ring = new float[ringFrames * width];
  }

  public int width() {
    return width;
  }

  public long numSamplesAccepted() {
    return received;
  }

  public boolean isInputFinished() {
    return finished;
  }

  public long numFramesReady() {
    return nextFrame;
  }

  public long firstFrameAvailable() {
    return firstFrame;
  }

  public void accept(float[] x, int off, int len, String owner) {
    if (finished) {
      throw new IllegalStateException(owner + ": acceptWaveform after inputFinished");
    }
    if (x == null) {
      throw new IllegalArgumentException("samples=null");
    }
    if (off < 0 || len < 0 || off > x.length - len) {
      throw new IllegalArgumentException(
          "off="
              + off
              + " len="
              + len
              + " length="
              + x.length
              + ", expected a range inside the array");
    }
    while (len > 0) {
      compact();
      long keep = keepFrom();
      int take;
      if (keep > received) {
        // samples nobody will read (hop longer than the window): keep only the head copy
        take = (int) Math.min(len, keep - received);
        copyHead(x, off, take);
        received += take;
        bufStart = received;
        bufLen = 0;
      } else {
        int room = buf.length - bufLen;
        if (room == 0) {
          buf = Arrays.copyOf(buf, buf.length * 2);
          room = buf.length - bufLen;
        }
        take = Math.min(len, room);
        copyHead(x, off, take);
        System.arraycopy(x, off, buf, bufLen, take);
        bufLen += take;
        received += take;
      }
      off += take;
      len -= take;
      emitReady();
    }
  }

  public void inputFinished() {
    if (!finished) {
      finished = true;
      emitReady();
    }
  }

  public void getFrame(long frame, float[] dst, int dstOff, String owner) {
    if (frame < firstFrame || frame >= nextFrame) {
      throw new IllegalArgumentException(
          owner
              + ": frameIndex="
              + frame
              + ", expected one of the available frames ["
              + firstFrame
              + ", "
              + nextFrame
              + ")");
    }
    if (dst == null || dstOff < 0 || dstOff > dst.length - width) {
      throw new IllegalArgumentException(
          owner
              + ": dst length="
              + (dst == null ? "null" : dst.length)
              + " dstOff="
              + dstOff
              + ", expected room for "
              + width
              + " values");
    }
    System.arraycopy(ring, (int) (frame % ringFrames) * width, dst, dstOff, width);
  }

  /** Direct read access to the ring (index of frame {@code frame}'s first value in ring()). */
  public float[] ring() {
    return ring;
  }

  public int ringOffset(long frame) {
    return (int) (frame % ringFrames) * width;
  }

  public void pop(long n, String owner) {
    if (n < 0 || n > nextFrame - firstFrame) {
      throw new IllegalArgumentException(
          owner
              + ": pop n="
              + n
              + ", expected 0.."
              + (nextFrame - firstFrame)
              + " (frames available)");
    }
    firstFrame += n;
  }

  private void copyHead(float[] x, int off, int take) {
    if (received < head.length) {
      int h = (int) Math.min(take, head.length - received);
      System.arraycopy(x, off, head, (int) received, h);
    }
  }

  private long keepFrom() {
    return Math.max(0, g.spanStart(nextFrame) - margin);
  }

  private void compact() {
    long keep = Math.min(keepFrom(), received);
    if (keep > bufStart) {
      int drop = (int) Math.min(keep - bufStart, bufLen);
      System.arraycopy(buf, drop, buf, 0, bufLen - drop);
      bufLen -= drop;
      bufStart += drop;
    }
  }

  private void emitReady() {
    long avail = g.numFrames(received);
    while (nextFrame < avail && (finished || g.maxNeeded(nextFrame) < received)) {
      extract(nextFrame);
      if (nextFrame - firstFrame >= ringFrames) {
        growRing();
      }
      computer.compute(nextFrame, span, ring, (int) (nextFrame % ringFrames) * width);
      nextFrame++;
    }
  }

  private static int maxFrames(int width) {
    return (Integer.MAX_VALUE - 16) / width;
  }

  private void growRing() {
    if (ringFrames >= maxFrames(width)) {
      throw new IllegalStateException(
          "frames held="
              + ringFrames
              + " of "
              + width
              + " values, the most one array can hold; pop() frames as you read them");
    }
    int newFrames = (int) Math.min(2L * ringFrames, maxFrames(width));
    float[] r = new float[newFrames * width];
    for (long f = firstFrame; f < nextFrame; f++) {
      System.arraycopy(
          ring, (int) (f % ringFrames) * width, r, (int) (f % newFrames) * width, width);
    }
    ring = r;
    ringFrames = newFrames;
  }

  private void extract(long frame) {
    long a = g.spanStart(frame);
    int win = g.win;
    long end = bufStart + bufLen;
    if (a >= bufStart && a + win <= end) {
      System.arraycopy(buf, (int) (a - bufStart), span, 0, win);
      return;
    }
    long n = finished ? received : -1;
    for (int j = 0; j < win; j++) {
      long m = g.map(a + j, n);
      span[j] = m < 0 ? 0f : sampleAt(m);
    }
  }

  private float sampleAt(long m) {
    if (m < head.length && m < received) {
      return head[(int) m];
    }
    long i = m - bufStart;
    if (i < 0 || i >= bufLen) {
      throw new IllegalStateException(
          "internal: sample "
              + m
              + " not buffered ["
              + bufStart
              + ", "
              + (bufStart + bufLen)
              + ")");
    }
    return buf[(int) i];
  }
}
