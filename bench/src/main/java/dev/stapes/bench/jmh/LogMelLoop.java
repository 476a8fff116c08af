package dev.stapes.bench.jmh;

import org.jtransforms.fft.FloatFFT_1D;

/**
 * A plain loop over JTransforms doing exactly what the C baseline {@code
 * bench/src/main/c/logmel_fftw.c} does: a 400-sample Hann window in a 512-point frame, real FFT,
 * power spectrum, 80 triangular HTK-mel filters from 0 to 8000 Hz at 16 kHz, natural log with a
 * floor of 1e-10. It is the "what a Java programmer would write" reference of the frontend table.
 */
public final class LogMelLoop {
  /** Sample rate in Hz. */
  public static final int RATE = 16000;

  /** Window length in samples. */
  public static final int WIN = 400;

  /** FFT size. */
  public static final int NFFT = 512;

  /** Number of mel filters. */
  public static final int MELS = 80;

  private static final int BINS = NFFT / 2 + 1;

  private final FloatFFT_1D fft = new FloatFFT_1D(NFFT);
  private final float[] window = new float[WIN];
  private final float[] buf = new float[NFFT];
  private final float[] power = new float[BINS];
  private final int[] firstBin = new int[MELS];
  private final float[][] weights = new float[MELS][];

  /** Plans the FFT and the filters. */
  public LogMelLoop() {
    for (int i = 0; i < WIN; i++) {
      window[i] = (float) (0.5 - 0.5 * Math.cos(2 * Math.PI * i / WIN));
    }
    double lo = hzToMel(0);
    double hi = hzToMel(RATE / 2.0);
    double[] pts = new double[MELS + 2];
    for (int m = 0; m < MELS + 2; m++) {
      pts[m] = melToHz(lo + (hi - lo) * m / (MELS + 1));
    }
    float[] w = new float[BINS];
    for (int m = 0; m < MELS; m++) {
      int first = -1;
      int n = 0;
      for (int k = 0; k < BINS; k++) {
        double f = (double) k * RATE / NFFT;
        double v =
            Math.min(
                (f - pts[m]) / (pts[m + 1] - pts[m]), (pts[m + 2] - f) / (pts[m + 2] - pts[m + 1]));
        if (v > 0) {
          if (first < 0) {
            first = k;
          }
          w[k - first] = (float) v;
          n = k - first + 1;
        }
      }
      firstBin[m] = Math.max(first, 0);
      weights[m] = java.util.Arrays.copyOf(w, n);
    }
  }

  private static double hzToMel(double hz) {
    return 2595 * Math.log10(1 + hz / 700);
  }

  private static double melToHz(double mel) {
    return 700 * (Math.pow(10, mel / 2595) - 1);
  }

  /**
   * Power spectrum of the frame at {@code x[off..off+400)} into {@code dst[0..257)}: the STFT step.
   */
  public void power(float[] x, int off, float[] dst) {
    for (int i = 0; i < WIN; i++) {
      buf[i] = x[off + i] * window[i];
    }
    java.util.Arrays.fill(buf, WIN, NFFT, 0f);
    fft.realForward(buf);
    dst[0] = buf[0] * buf[0];
    dst[NFFT / 2] = buf[1] * buf[1];
    for (int k = 1; k < NFFT / 2; k++) {
      float re = buf[2 * k];
      float im = buf[2 * k + 1];
      dst[k] = re * re + im * im;
    }
  }

  /** Log-mel of the frame at {@code x[off..off+400)} into {@code dst[0..80)}. */
  public void logMel(float[] x, int off, float[] dst) {
    power(x, off, power);
    for (int m = 0; m < MELS; m++) {
      float[] w = weights[m];
      int b = firstBin[m];
      float acc = 0;
      for (int k = 0; k < w.length; k++) {
        acc += w[k] * power[b + k];
      }
      dst[m] = (float) Math.log(Math.max(acc, 1e-10f));
    }
  }
}
