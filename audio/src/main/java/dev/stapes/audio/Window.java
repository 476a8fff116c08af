package dev.stapes.audio;

/**
 * Analysis windows. Coefficients are computed in double precision and rounded to float once, when a
 * frontend is built. "Periodic" windows are the first {@code N} points of an {@code N+1}-point
 * symmetric window (torch's {@code periodic=True}); "symmetric" windows use {@code N-1} in the
 * denominator (Kaldi, scipy's {@code sym=True}).
 */
public enum Window {
  /** {@code 0.5 - 0.5 cos(2 pi i / N)}: torch.hann_window default, Whisper, librosa. */
  HANN_PERIODIC,
  /** {@code 0.5 - 0.5 cos(2 pi i / (N-1))}: Kaldi's "hanning". */
  HANN_SYMMETRIC,
  /** {@code 0.54 - 0.46 cos(2 pi i / (N-1))}: Kaldi's "hamming". */
  HAMMING,
  /** {@code 0.54 - 0.46 cos(2 pi i / N)}: torch.hamming_window default. */
  HAMMING_PERIODIC,
  /** Symmetric Hann raised to the power 0.85: Kaldi's default "povey". */
  POVEY,
  /** All ones. */
  RECTANGULAR,
  /**
   * Square root of the periodic Hann window: the analysis and synthesis window of GTCRN and other
   * enhancement models whose squared window sums to a constant at 50% overlap.
   */
  SQRT_HANN_PERIODIC;

  /**
   * The {@code length} coefficients of this window.
   *
   * @throws IllegalArgumentException if {@code length < 1}
   */
  public float[] coefficients(int length) {
    double[] d = coefficients64(length);
    float[] w = new float[length];
    for (int i = 0; i < length; i++) {
      w[i] = (float) d[i];
    }
    return w;
  }

  /**
   * The {@code length} coefficients of this window in double precision.
   *
   * @throws IllegalArgumentException if {@code length < 1}
   */
  public double[] coefficients64(int length) {
    if (length < 1) {
      throw new IllegalArgumentException("window length=" + length + " samples, expected >= 1");
    }
    double[] w = new double[length];
    double symDen = length == 1 ? 1 : length - 1;
    for (int i = 0; i < length; i++) {
      double v;
      switch (this) {
        case HANN_PERIODIC:
          v = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / length);
          break;
        case HANN_SYMMETRIC:
          v = length == 1 ? 1 : 0.5 - 0.5 * Math.cos(2 * Math.PI * i / symDen);
          break;
        case HAMMING:
          v = length == 1 ? 1 : 0.54 - 0.46 * Math.cos(2 * Math.PI * i / symDen);
          break;
        case HAMMING_PERIODIC:
          v = 0.54 - 0.46 * Math.cos(2 * Math.PI * i / length);
          break;
        case POVEY:
          v =
              length == 1
                  ? 1
                  : Math.pow(Math.max(0.0, 0.5 - 0.5 * Math.cos(2 * Math.PI * i / symDen)), 0.85);
          break;
        case RECTANGULAR:
          v = 1;
          break;
        case SQRT_HANN_PERIODIC:
          v = Math.sqrt(Math.max(0.0, 0.5 - 0.5 * Math.cos(2 * Math.PI * i / length)));
          break;
        default:
          throw new AssertionError(this);
      }
      w[i] = v;
    }
    return w;
  }

  /**
   * Parses a name such as {@code hann}, {@code hann-symmetric}, {@code povey}, {@code sqrt-hann}.
   */
  public static Window parse(String name) {
    String n = name.trim().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    switch (n) {
      case "hann":
      case "hann-periodic":
      case "hanning":
        return HANN_PERIODIC;
      case "hann-symmetric":
        return HANN_SYMMETRIC;
      case "hamming":
      case "hamming-symmetric":
        return HAMMING;
      case "hamming-periodic":
        return HAMMING_PERIODIC;
      case "povey":
        return POVEY;
      case "rectangular":
      case "rect":
      case "boxcar":
        return RECTANGULAR;
      case "sqrt-hann":
      case "sqrt-hann-periodic":
        return SQRT_HANN_PERIODIC;
      default:
        throw new IllegalArgumentException(
            "window='"
                + name
                + "', expected one of [hann, hann-symmetric, hamming, hamming-periodic, povey,"
                + " rectangular, sqrt-hann]");
    }
  }
}
