package dev.stapes.audio;

/**
 * A bank of triangular mel filters over the {@code nFft/2 + 1} bins of a real spectrum, stored
 * sparsely (each filter's non-zero run of bins). Immutable; {@link #apply} allocates nothing.
 *
 * <p>{@link MelScale#HTK} and {@link MelScale#SLANEY} follow torchaudio's {@code melscale_fbanks}:
 * bin {@code k} is at {@code k * (rate/2) / (nFft/2)} Hz, {@code nMels + 2} corners equally spaced
 * in mel from {@code fmin} to {@code fmax}, triangles linear in Hz, optional Slaney area norm.
 * {@link MelScale#KALDI} follows Kaldi's {@code MelBanks}: triangles linear in mel {@code 1127 ln(1
 * + f/700)}, evaluated at {@code k * rate / nFft} for {@code k < nFft/2}, the Nyquist bin weighted
 * 0.
 */
public final class MelFilterbank {
  private final int nMels;
  private final int bins;
  private final int[] start;
  private final int[] end;
  private final int[] weightOff;
  private final float[] weights;

  private MelFilterbank(float[][] dense) {
    nMels = dense.length;
    bins = dense[0].length;
    start = new int[nMels];
    end = new int[nMels];
    weightOff = new int[nMels];
    int total = 0;
    for (int m = 0; m < nMels; m++) {
      int s = 0;
      while (s < bins && dense[m][s] == 0f) {
        s++;
      }
      int e = bins;
      while (e > s && dense[m][e - 1] == 0f) {
        e--;
      }
      start[m] = s;
      end[m] = e;
      weightOff[m] = total;
      total += e - s;
    }
    weights = new float[total];
    for (int m = 0; m < nMels; m++) {
      System.arraycopy(dense[m], start[m], weights, weightOff[m], end[m] - start[m]);
    }
  }

  /**
   * Builds a filterbank.
   *
   * @param fmin lowest corner in Hz, {@code >= 0}
   * @param fmax highest corner in Hz, {@code <= rate/2}
   * @throws IllegalArgumentException on an out-of-range parameter
   */
  public static MelFilterbank create(
      MelScale scale, MelNorm norm, int nMels, int nFft, int sampleRate, double fmin, double fmax) {
    if (nMels < 1) {
      throw new IllegalArgumentException("nMels=" + nMels + ", expected >= 1");
    }
    if (sampleRate <= 0) {
      throw new IllegalArgumentException("sampleRate=" + sampleRate + " Hz, expected > 0");
    }
    double nyquist = sampleRate / 2.0;
    if (!(fmin >= 0) || !(fmax <= nyquist) || !(fmin < fmax)) {
      throw new IllegalArgumentException(
          "fmin="
              + fmin
              + " Hz, fmax="
              + fmax
              + " Hz, expected 0 <= fmin < fmax <= "
              + nyquist
              + " Hz (Nyquist of "
              + sampleRate
              + " Hz)");
    }
    int bins = nFft / 2 + 1;
    float[][] fb = new float[nMels][bins];
    if (scale == MelScale.KALDI) {
      double binWidth = (double) sampleRate / nFft;
      double melLow = kaldiMel(fmin);
      double melHigh = kaldiMel(fmax);
      double delta = (melHigh - melLow) / (nMels + 1);
      for (int m = 0; m < nMels; m++) {
        double left = melLow + m * delta;
        double center = melLow + (m + 1) * delta;
        double right = melLow + (m + 2) * delta;
        for (int k = 0; k < nFft / 2; k++) {
          double mel = kaldiMel(binWidth * k);
          double up = (mel - left) / (center - left);
          double down = (right - mel) / (right - center);
          double w = Math.max(0, Math.min(up, down));
          fb[m][k] = (float) w;
        }
      }
    } else {
      boolean htk = scale == MelScale.HTK;
      double mMin = htk ? htkMel(fmin) : slaneyMel(fmin);
      double mMax = htk ? htkMel(fmax) : slaneyMel(fmax);
      double[] f = new double[nMels + 2];
      for (int i = 0; i < nMels + 2; i++) {
        double mel = mMin + (mMax - mMin) * i / (nMels + 1);
        f[i] = htk ? htkHz(mel) : slaneyHz(mel);
      }
      double top = sampleRate / 2; // torchaudio: linspace(0, sample_rate // 2, n_freqs)
      for (int k = 0; k < bins; k++) {
        double freq = bins == 1 ? 0 : top * k / (bins - 1);
        for (int m = 0; m < nMels; m++) {
          double down = (freq - f[m]) / (f[m + 1] - f[m]);
          double up = (f[m + 2] - freq) / (f[m + 2] - f[m + 1]);
          double w = Math.max(0, Math.min(down, up));
          if (norm == MelNorm.SLANEY) {
            w *= 2.0 / (f[m + 2] - f[m]);
          }
          fb[m][k] = (float) w;
        }
      }
    }
    return new MelFilterbank(fb);
  }

  static double kaldiMel(double hz) {
    return 1127.0 * Math.log(1.0 + hz / 700.0);
  }

  static double htkMel(double hz) {
    return 2595.0 * Math.log10(1.0 + hz / 700.0);
  }

  static double htkHz(double mel) {
    return 700.0 * (Math.pow(10.0, mel / 2595.0) - 1.0);
  }

  private static final double F_SP = 200.0 / 3;
  private static final double MIN_LOG_HZ = 1000.0;
  private static final double MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
  private static final double LOGSTEP = Math.log(6.4) / 27.0;

  static double slaneyMel(double hz) {
    return hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOGSTEP : hz / F_SP;
  }

  static double slaneyHz(double mel) {
    return mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOGSTEP * (mel - MIN_LOG_MEL)) : F_SP * mel;
  }

  public int numMels() {
    return nMels;
  }

  /** Spectrum bins the filters read: {@code nFft/2 + 1}. */
  public int numBins() {
    return bins;
  }

  /** The weights as a dense {@code [nMels][bins]} matrix (a copy). */
  public float[][] toDense() {
    float[][] d = new float[nMels][bins];
    for (int m = 0; m < nMels; m++) {
      System.arraycopy(weights, weightOff[m], d[m], start[m], end[m] - start[m]);
    }
    return d;
  }

  /** Double-precision {@link #apply(float[], int, float[], int)}. */
  public void apply(double[] spectrum, int specOff, double[] dst, int dstOff) {
    for (int m = 0; m < nMels; m++) {
      int s = start[m];
      int n = end[m] - s;
      int wo = weightOff[m];
      int so = specOff + s;
      double acc = 0;
      for (int j = 0; j < n; j++) {
        acc += weights[wo + j] * spectrum[so + j];
      }
      dst[dstOff + m] = acc;
    }
  }

  /** {@code dst[dstOff + m] = sum_k w[m][k] * spectrum[specOff + k]}. */
  public void apply(float[] spectrum, int specOff, float[] dst, int dstOff) {
    for (int m = 0; m < nMels; m++) {
      int s = start[m];
      int n = end[m] - s;
      int wo = weightOff[m];
      int so = specOff + s;
      float acc = 0f;
      for (int j = 0; j < n; j++) {
        acc += weights[wo + j] * spectrum[so + j];
      }
      dst[dstOff + m] = acc;
    }
  }
}
