package dev.stapes.audio.internal;

import dev.stapes.audio.PadMode;

/**
 * Where frame {@code i} lies in the signal, how many frames {@code n} samples make, and how samples
 * outside {@code [0, n)} are made up. The "span" of a frame is the {@code win} samples the window
 * covers; the rest of the FFT frame is zero.
 *
 * <ul>
 *   <li>Kaldi framing, snip-edges: span starts at {@code i*hop}; {@code 1 + (n - win)/hop} frames
 *       (0 if {@code n < win}); span goes to FFT offset 0 (zeros on the right).
 *   <li>Kaldi framing, no snip-edges: span starts at {@code i*hop + hop/2 - win/2}; {@code (n +
 *       hop/2)/hop} frames; outside samples mirrored with the edge repeated.
 *   <li>torch framing, centre: frame of {@code nFft} starts at {@code i*hop - nFft/2}, span at
 *       {@code (nFft - win)/2} inside it; {@code 1 + n/hop} frames.
 *   <li>torch framing, no centre: frame starts at {@code i*hop}; {@code 1 + (n - nFft)/hop} frames
 *       (0 if {@code n < nFft}).
 * </ul>
 *
 * Optionally the last frame is dropped (Whisper). No input ({@code n = 0}) gives no frames.
 */
public final class FrameGeometry {
  public final int nFft;
  public final int win;
  public final int hop;
  public final boolean kaldi;
  public final boolean snipEdges;
  public final boolean center;
  public final boolean dropLast;
  public final PadMode pad;
  public final int fftOffset;

  public FrameGeometry(
      int nFft,
      int win,
      int hop,
      boolean kaldi,
      boolean snipEdges,
      boolean center,
      PadMode pad,
      boolean dropLast) {
    this.nFft = nFft;
    this.win = win;
    this.hop = hop;
    this.kaldi = kaldi;
    this.snipEdges = snipEdges;
    this.center = center;
    this.dropLast = dropLast;
    if (kaldi) {
      this.pad = snipEdges ? PadMode.ZEROS : PadMode.SYMMETRIC;
      this.fftOffset = 0;
    } else {
      this.pad = center ? pad : PadMode.ZEROS;
      this.fftOffset = (nFft - win) / 2;
    }
  }

  /** First sample (may be negative) of the window span of frame {@code i}. */
  public long spanStart(long i) {
    if (kaldi) {
      return snipEdges ? i * hop : i * hop + hop / 2 - win / 2;
    }
    return i * hop - (center ? nFft / 2 : 0) + fftOffset;
  }

  /** Number of frames that {@code n} samples make. Non-decreasing in {@code n}. */
  public long numFrames(long n) {
    if (n <= 0) {
      return 0;
    }
    long f;
    if (kaldi) {
      f = snipEdges ? (n < win ? 0 : 1 + (n - win) / hop) : (n + hop / 2) / hop;
    } else if (center) {
      f = 1 + n / hop;
    } else {
      f = n < nFft ? 0 : 1 + (n - nFft) / hop;
    }
    if (dropLast) {
      f = Math.max(0, f - 1);
    }
    return f;
  }

  /**
   * The highest sample index frame {@code i} reads while the total length is still unknown (only
   * the left edge can be padded then).
   */
  public long maxNeeded(long i) {
    long a = spanStart(i);
    long end = a + win - 1;
    if (a < 0) {
      if (pad == PadMode.REFLECT) {
        end = Math.max(end, -a);
      } else if (pad == PadMode.SYMMETRIC) {
        end = Math.max(end, -a - 1);
      }
    }
    return end;
  }

  /**
   * Maps sample index {@code s} into {@code [0, n)} by the pad mode; -1 means zero. {@code n < 0}
   * means the length is not known yet (then {@code s} must not be past the end).
   */
  public long map(long s, long n) {
    if (s >= 0 && (n < 0 || s < n)) {
      return s;
    }
    switch (pad) {
      case ZEROS:
        return -1;
      case REFLECT:
        if (n < 0) {
          return -s;
        }
        if (n == 1) {
          return 0;
        }
        {
          long period = 2 * (n - 1);
          long r = Math.floorMod(s, period);
          return r < n ? r : period - r;
        }
      case SYMMETRIC:
        if (n < 0) {
          return -s - 1;
        }
        {
          long period = 2 * n;
          long r = Math.floorMod(s, period);
          return r < n ? r : period - 1 - r;
        }
      default:
        throw new AssertionError(pad);
    }
  }
}
