package dev.stapes.audio.internal;

/**
 * A Kaiser-windowed sinc low-pass prototype in continuous time, in units of input samples: {@code
 * h(t) = 2 fc sinc(2 fc t) w(t / halfLength)}, where {@code w} is the Kaiser window. Its DC gain
 * sampled at integer spacing is 1, so it serves both interpolation and decimation.
 */
public final class KaiserSinc {
  private final double cutoff;
  private final double halfLength;
  private final double beta;
  private final double i0Beta;

  /**
   * Designs the prototype with Kaiser's formulas.
   *
   * @param passband passband edge in cycles per input sample
   * @param stopband stopband edge in cycles per input sample, above {@code passband}
   * @param attenuationDb stopband attenuation in dB (also sets the passband ripple)
   */
  public KaiserSinc(double passband, double stopband, double attenuationDb) {
    if (!(stopband > passband && passband > 0 && stopband <= 0.5)) {
      throw new IllegalArgumentException(
          "passband=" + passband + ", stopband=" + stopband + ", expected 0 < pass < stop <= 0.5");
    }
    double a = attenuationDb;
    this.cutoff = 0.5 * (passband + stopband);
    this.beta =
        a > 50
            ? 0.1102 * (a - 8.7)
            : a > 21 ? 0.5842 * Math.pow(a - 21, 0.4) + 0.07886 * (a - 21) : 0;
    double order = Math.max(2, (a - 7.95) / (14.36 * (stopband - passband)));
    this.halfLength = order / 2;
    this.i0Beta = besselI0(beta);
  }

  /** Returns the half-length of the support, in input samples: {@code h(t) = 0} for |t| >= it. */
  public double halfLength() {
    return halfLength;
  }

  /** Returns the -6 dB cutoff, in cycles per input sample. */
  public double cutoff() {
    return cutoff;
  }

  /** Returns the Kaiser window's beta. */
  public double beta() {
    return beta;
  }

  /**
   * Evaluates the prototype.
   *
   * @param t the time in input samples from the filter's centre
   * @return the impulse response at {@code t}
   */
  public double at(double t) {
    double r = t / halfLength;
    if (r <= -1 || r >= 1) {
      return 0;
    }
    double x = 2 * cutoff * t;
    double sinc = x == 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    return 2 * cutoff * sinc * besselI0(beta * Math.sqrt(1 - r * r)) / i0Beta;
  }

  /** The modified Bessel function of the first kind, order 0, by its power series. */
  static double besselI0(double x) {
    double sum = 1;
    double term = 1;
    double q = x * x / 4;
    for (int k = 1; k < 500; k++) {
      term *= q / ((double) k * k);
      sum += term;
      if (term < 1e-17 * sum) {
        break;
      }
    }
    return sum;
  }
}
