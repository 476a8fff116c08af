package dev.stapes.audio.internal;

/** Turns the window span of one frame into one output row. Must not allocate. */
public interface FrameComputer {
  /** Width of an output row. */
  int width();

  /**
   * Computes frame {@code index} from {@code span} (the {@code win} raw samples under the window;
   * the computer may overwrite it) into {@code dst[dstOff .. dstOff + width())}.
   */
  void compute(long index, float[] span, float[] dst, int dstOff);
}
