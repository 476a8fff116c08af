package dev.stapes.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RealFftTest {

  @ParameterizedTest
  @ValueSource(
      ints = {
        2, 4, 6, 10, 14, 22, 26, 30, 34, 64, 78, 90, 200, 210, 256, 320, 400, 480, 512, 514, 1024
      })
  void forwardMatchesANaiveDftForEvenSizes(int n) {
    Random r = new Random(n);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) r.nextGaussian();
    }
    float[] spec = new float[2 * (n / 2 + 1)];
    new RealFft(n).forward(x, spec);
    double maxErr = 0;
    for (int k = 0; k <= n / 2; k++) {
      double re = 0;
      double im = 0;
      for (int j = 0; j < n; j++) {
        double a = -2 * Math.PI * ((long) j * k % n) / n;
        re += x[j] * Math.cos(a);
        im += x[j] * Math.sin(a);
      }
      maxErr = Math.max(maxErr, Math.abs(re - spec[2 * k]));
      maxErr = Math.max(maxErr, Math.abs(im - spec[2 * k + 1]));
    }
    assertTrue(maxErr < 2e-5 * Math.sqrt(n), "n=" + n + " max error " + maxErr);
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 6, 30, 34, 78, 256, 400, 512, 514})
  void inverseUndoesForward(int n) {
    Random r = new Random(n + 7);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) r.nextGaussian();
    }
    RealFft fft = new RealFft(n);
    float[] spec = new float[2 * fft.bins()];
    fft.forward(x, spec);
    float[] y = new float[n];
    fft.inverse(spec, y);
    for (int i = 0; i < n; i++) {
      assertEquals(x[i], y[i], 1e-5, "n=" + n + " i=" + i);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {-2, 0, 1, 3, 401})
  void oddOrTinySizesAreRejected(int n) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RealFft(n));
    assertTrue(e.getMessage().contains("nFft=" + n), e.getMessage());
  }
}
