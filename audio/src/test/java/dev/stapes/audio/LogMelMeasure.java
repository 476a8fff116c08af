package dev.stapes.audio;

/**
 * The feature measure of the round-trip comparison with sox, the same as {@code log_mel} in
 * make_audio_io_fixtures.py: frames of 400 samples every 160 without padding, periodic Hann, power
 * spectrum by a direct DFT, 80 HTK mel filters without norm from 0 to 8 kHz, ln(mel + 1e-6). Kept
 * in the tests on purpose: the real frontend lives elsewhere and this measure must not move with
 * it.
 */
final class LogMelMeasure {
  static final int N_FFT = 400;
  static final int HOP = 160;
  static final int N_MELS = 80;
  static final int SR = 16000;

  private final double[] cos = new double[N_FFT * (N_FFT / 2 + 1)];
  private final double[] sin = new double[cos.length];
  private final double[] window = new double[N_FFT];
  private final double[][] fb = new double[N_MELS][N_FFT / 2 + 1];

  LogMelMeasure() {
    int bins = N_FFT / 2 + 1;
    for (int k = 0; k < bins; k++) {
      for (int n = 0; n < N_FFT; n++) {
        double a = 2 * Math.PI * ((long) k * n % N_FFT) / N_FFT;
        cos[k * N_FFT + n] = Math.cos(a);
        sin[k * N_FFT + n] = Math.sin(a);
      }
    }
    for (int n = 0; n < N_FFT; n++) {
      window[n] = 0.5 - 0.5 * Math.cos(2 * Math.PI * n / N_FFT);
    }
    double top = mel(SR / 2.0);
    double[] pts = new double[N_MELS + 2];
    for (int i = 0; i < pts.length; i++) {
      pts[i] = imel(top * i / (N_MELS + 1));
    }
    for (int m = 0; m < N_MELS; m++) {
      for (int k = 0; k < bins; k++) {
        double f = k * (double) SR / N_FFT;
        double up = (f - pts[m]) / (pts[m + 1] - pts[m]);
        double down = (pts[m + 2] - f) / (pts[m + 2] - pts[m + 1]);
        fb[m][k] = Math.max(0, Math.min(up, down));
      }
    }
  }

  static double mel(double f) {
    return 2595 * Math.log10(1 + f / 700);
  }

  static double imel(double m) {
    return 700 * (Math.pow(10, m / 2595) - 1);
  }

  double[][] compute(float[] x, int len) {
    int frames = 1 + (len - N_FFT) / HOP;
    int bins = N_FFT / 2 + 1;
    double[][] out = new double[frames][N_MELS];
    double[] frame = new double[N_FFT];
    double[] power = new double[bins];
    for (int t = 0; t < frames; t++) {
      for (int n = 0; n < N_FFT; n++) {
        frame[n] = x[t * HOP + n] * window[n];
      }
      for (int k = 0; k < bins; k++) {
        double re = 0;
        double im = 0;
        int base = k * N_FFT;
        for (int n = 0; n < N_FFT; n++) {
          re += frame[n] * cos[base + n];
          im -= frame[n] * sin[base + n];
        }
        power[k] = re * re + im * im;
      }
      for (int m = 0; m < N_MELS; m++) {
        double e = 0;
        for (int k = 0; k < bins; k++) {
          e += fb[m][k] * power[k];
        }
        out[t][m] = Math.log(e + 1e-6);
      }
    }
    return out;
  }

  /** Returns {RMS, max abs} of the difference of the log-mels of two signals (common length). */
  double[] error(float[] a, float[] b) {
    int n = Math.min(a.length, b.length);
    double[][] fa = compute(a, n);
    double[][] fbm = compute(b, n);
    double sum = 0;
    double max = 0;
    long count = 0;
    for (int t = 0; t < fa.length; t++) {
      for (int m = 0; m < N_MELS; m++) {
        double d = fa[t][m] - fbm[t][m];
        sum += d * d;
        max = Math.max(max, Math.abs(d));
        count++;
      }
    }
    return new double[] {Math.sqrt(sum / count), max};
  }
}
