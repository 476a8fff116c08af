package dev.stapes.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.audio.internal.Pow2RealFft;
import java.io.IOException;
import java.util.Random;
import org.jtransforms.fft.DoubleFFT_1D;
import org.jtransforms.fft.FloatFFT_1D;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stapes' power-of-two real FFT against JTransforms' (the reference) on random and real signals,
 * every size from 4 to 4096. Errors are relative to the largest magnitude of the spectrum, bound
 * 1e-6 (JTransforms' own float32 transform is held to the same bound against its float64 one).
 */
class Pow2RealFftTest {
  private static final int[] SIZES = {4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};

  /** JTransforms' spectrum of {@code x}, unpacked to n/2+1 interleaved bins, in double. */
  private static double[] reference(float[] x) {
    int n = x.length;
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = x[i];
    }
    new DoubleFFT_1D(n).realForward(a);
    return unpack(a);
  }

  private static double[] unpack(double[] a) {
    int n = a.length;
    double[] s = new double[n + 2];
    s[0] = a[0];
    s[n] = a[1];
    System.arraycopy(a, 2, s, 2, n - 2);
    return s;
  }

  private static float[] random(int n, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }

  private static double maxAbs(double[] s) {
    double max = 0;
    for (int k = 0; k < s.length; k += 2) {
      max = Math.max(max, Math.hypot(s[k], s[k + 1]));
    }
    return max;
  }

  /** Largest bin error of {@code got} relative to the largest magnitude of {@code ref}. */
  private static double relError(double[] ref, float[] got, int off) {
    double err = 0;
    for (int k = 0; k < ref.length; k += 2) {
      err = Math.max(err, Math.hypot(ref[k] - got[off + k], ref[k + 1] - got[off + k + 1]));
    }
    return err / maxAbs(ref);
  }

  private static void assertForwardMatches(float[] x, String what) {
    int n = x.length;
    double[] ref = reference(x);
    Pow2RealFft fft = new Pow2RealFft(n);
    float[] in = new float[n + 3];
    System.arraycopy(x, 0, in, 3, n);
    float[] spec = new float[n + 2 + 5];
    fft.forward(in, 3, spec, 5);
    double err = relError(ref, spec, 5);
    assertTrue(err < 1e-6, what + " n=" + n + ": relative error " + err + ", bound 1e-6");
    // the float32 JTransforms transform itself is no closer than this bound
    float[] jt = x.clone();
    new FloatFFT_1D(n).realForward(jt);
    float[] jtSpec = new float[n + 2];
    jtSpec[0] = jt[0];
    jtSpec[n] = jt[1];
    System.arraycopy(jt, 2, jtSpec, 2, n - 2);
    assertTrue(relError(ref, jtSpec, 0) < 1e-6, "JTransforms float32 n=" + n);
  }

  @Test
  void forwardMatchesJTransformsOnRandomSignalsOfEverySize() {
    for (int n : SIZES) {
      for (int seed = 0; seed < 5; seed++) {
        assertForwardMatches(random(n, 31L * n + seed), "gaussian noise seed " + seed);
      }
    }
  }

  @Test
  void forwardMatchesJTransformsOnRealSpeechFrames() throws IOException {
    float[] speech = AudioFiles.readMono(TestData.corpus("jfk_16k.wav"), 16000);
    for (int n : SIZES) {
      for (int start = 0; start + n <= speech.length; start += Math.max(n, speech.length / 40)) {
        float[] x = new float[n];
        System.arraycopy(speech, start, x, 0, n);
        if (maxAbs(reference(x)) > 0) {
          assertForwardMatches(x, "jfk_16k.wav at sample " + start);
        }
      }
    }
  }

  @Test
  void powerIsTheSquaredMagnitudeOfForward() {
    for (int n : SIZES) {
      float[] x = random(n, n);
      Pow2RealFft fft = new Pow2RealFft(n);
      float[] spec = new float[n + 2];
      fft.forward(x, 0, spec, 0);
      float[] power = new float[n / 2 + 2];
      fft.power(x, 0, power, 1);
      double max = 0;
      for (int k = 0; k <= n / 2; k++) {
        max = Math.max(max, spec[2 * k] * spec[2 * k] + spec[2 * k + 1] * spec[2 * k + 1]);
      }
      for (int k = 0; k <= n / 2; k++) {
        float re = spec[2 * k];
        float im = spec[2 * k + 1];
        assertEquals(re * re + im * im, power[1 + k], 1e-6 * max, "n=" + n + " k=" + k);
      }
    }
  }

  @Test
  void inverseUndoesForward() {
    for (int n : SIZES) {
      float[] x = random(n, 7 * n);
      Pow2RealFft fft = new Pow2RealFft(n);
      float[] spec = new float[n + 2];
      fft.forward(x, 0, spec, 0);
      float[] y = new float[n + 1];
      fft.inverse(spec, 0, y, 1);
      for (int i = 0; i < n; i++) {
        assertEquals(x[i], y[1 + i], 1e-5, "n=" + n + " i=" + i);
      }
    }
  }

  @Test
  void inverseMatchesJTransformsOnAnArbitrarySpectrum() {
    for (int n : SIZES) {
      float[] spec = random(n + 2, 11 * n);
      double[] packed = new double[n];
      packed[0] = spec[0];
      packed[1] = spec[n];
      for (int i = 2; i < n; i++) {
        packed[i] = spec[i];
      }
      new DoubleFFT_1D(n).realInverse(packed, true);
      float[] y = new float[n];
      new Pow2RealFft(n).inverse(spec, 0, y, 0);
      double max = 0;
      double err = 0;
      for (int i = 0; i < n; i++) {
        max = Math.max(max, Math.abs(packed[i]));
        err = Math.max(err, Math.abs(packed[i] - y[i]));
      }
      assertTrue(err / max < 1e-6, "n=" + n + ": relative error " + err / max);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {-4, 0, 1, 2, 3, 6, 400, 1000})
  void sizesThatAreNotAPowerOfTwoFromFourAreRejected(int n) {
    assertFalse(Pow2RealFft.supports(n));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new Pow2RealFft(n));
    assertTrue(e.getMessage().contains("nFft=" + n), e.getMessage());
    assertTrue(e.getMessage().contains("power of two >= 4"), e.getMessage());
  }
}
