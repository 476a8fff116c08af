package dev.stapes.models.enhance.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SpectralFramesTest {

  @Test
  void analysisMatchesADirectDftOfTheWindowedFrame() {
    int n = 512;
    SpectralFrames f = new SpectralFrames(n, 256);
    float[] w = f.window();
    Random r = new Random(7);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) r.nextGaussian();
    }
    float[] frame = x.clone();
    float[] spec = new float[n + 2];
    f.analyse(frame, spec);
    for (int k = 0; k <= n / 2; k++) {
      double re = 0;
      double im = 0;
      for (int i = 0; i < n; i++) {
        double a = -2 * Math.PI * k * i / n;
        re += x[i] * w[i] * Math.cos(a);
        im += x[i] * w[i] * Math.sin(a);
      }
      assertEquals(re, spec[2 * k], 1e-3, "re bin " + k);
      assertEquals(im, spec[2 * k + 1], 1e-3, "im bin " + k);
    }
  }

  @Test
  void synthesisInvertsAnalysisUpToTheSquaredWindow() {
    int n = 512;
    SpectralFrames f = new SpectralFrames(n, 256);
    float[] w = f.window();
    Random r = new Random(11);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) r.nextGaussian();
    }
    float[] frame = x.clone();
    float[] spec = new float[n + 2];
    f.analyse(frame, spec);
    f.synthesise(spec, frame);
    for (int i = 0; i < n; i++) {
      assertEquals(x[i] * w[i] * w[i], frame[i], 1e-5, "sample " + i);
    }
    for (float e : f.envelopeInverse()) {
      assertEquals(1.0, e, 1e-6);
    }
  }
}
