package dev.stapes.bench.rt;

/**
 * A deterministic test signal for runs without an input file: alternating seconds of a speech-like
 * harmonic tone with a moving pitch and of low noise, at a quarter of full scale.
 */
public final class TestSignal {
  private TestSignal() {}

  /**
   * @param seconds duration, positive
   * @param sampleRate rate in Hz, positive
   * @return mono samples in [-1, 1]
   */
  public static float[] generate(double seconds, int sampleRate) {
    if (!(seconds > 0) || sampleRate <= 0) {
      throw new IllegalArgumentException(
          "seconds=" + seconds + ", sampleRate=" + sampleRate + " Hz: expected both positive");
    }
    int n = (int) Math.round(seconds * sampleRate);
    float[] out = new float[n];
    long seed = 0x5EED;
    double phase = 0;
    for (int i = 0; i < n; i++) {
      seed = seed * 6364136223846793005L + 1442695040888963407L;
      double noise = ((seed >>> 40) / (double) (1L << 24) - 0.5) * 0.02;
      double t = (double) i / sampleRate;
      boolean voiced = ((long) t) % 2 == 0;
      double f0 = 140 + 40 * Math.sin(2 * Math.PI * 0.7 * t);
      phase += 2 * Math.PI * f0 / sampleRate;
      double v = 0;
      if (voiced) {
        for (int h = 1; h <= 8; h++) {
          v += Math.sin(h * phase) / h;
        }
        v *= 0.25 * (0.6 + 0.4 * Math.sin(2 * Math.PI * 3 * t));
      }
      out[i] = (float) (v * 0.5 + noise);
    }
    return out;
  }
}
