package dev.stapes.audio;

import dev.stapes.audio.internal.FrameComputer;

/**
 * Per-frame feature computation for one stream: all buffers made in the constructor, nothing
 * allocated in {@link #compute}. Package-private: reached through {@link OnlineFeature}.
 */
final class FeaturePipeline implements FrameComputer {
  private final FeatureConfig c;
  private final boolean deferFloor;
  private final int win;
  private final int fftOffset;
  private final float[] window;
  private final float[] frame;
  private final float[] spec;
  private final float[] power;
  private final float[] mel;
  private final RealFft fft;
  private final MelFilterbank fb;
  private final float[] dct; // [nMfcc][nMels] row-major
  private final int bins;
  private final int nMels;
  private final int nMfcc;
  private final int width;
  private final float floorDelta;
  private float runningMax = Float.NEGATIVE_INFINITY;
  // float64 path (null in float32)
  private final RealFft64 fft64;
  private final double[] window64;
  private final double[] span64;
  private final double[] frame64;
  private final double[] spec64;
  private final double[] power64;
  private final double[] mel64;

  /**
   * @param deferFloor if the config has a global floor: emit the unfloored log-mel rows ({@code
   *     nMels} wide, before any DCT) for {@link FeatureExtractor#finish}; otherwise floor against
   *     the running maximum
   */
  FeaturePipeline(FeatureConfig c, boolean deferFloor) {
    this.c = c;
    this.deferFloor = deferFloor && c.hasGlobalFloor();
    this.win = c.win();
    this.fftOffset = c.framing() == Framing.KALDI ? 0 : (c.nFft() - c.win()) / 2;
    this.window = c.window().coefficients(win);
    this.frame = new float[c.nFft()];
    this.fft = new RealFft(c.nFft());
    this.bins = fft.bins();
    this.spec = new float[2 * bins];
    this.power = new float[bins];
    this.nMels = c.nMels();
    this.mel = new float[nMels];
    this.fb = c.melFilterbank();
    this.nMfcc = c.nMfcc();
    this.dct = nMfcc > 0 ? dctMatrix(nMfcc, nMels) : null;
    this.width = this.deferFloor ? nMels : c.numBins();
    this.floorDelta = c.topDb() * c.outScale();
    if (c.precision() == Precision.FLOAT64) {
      fft64 = new RealFft64(c.nFft());
      window64 = c.window().coefficients64(win);
      span64 = new double[win];
      frame64 = new double[c.nFft()];
      spec64 = new double[2 * bins];
      power64 = new double[bins];
      mel64 = new double[nMels];
    } else {
      fft64 = null;
      window64 = span64 = frame64 = spec64 = power64 = mel64 = null;
    }
  }

  /** DCT-II, orthonormal, as torchaudio.functional.create_dct(norm="ortho"): [nMfcc][nMels]. */
  static float[] dctMatrix(int nMfcc, int nMels) {
    float[] d = new float[nMfcc * nMels];
    for (int k = 0; k < nMfcc; k++) {
      double s = k == 0 ? Math.sqrt(1.0 / nMels) : Math.sqrt(2.0 / nMels);
      for (int n = 0; n < nMels; n++) {
        d[k * nMels + n] = (float) (s * Math.cos(Math.PI / nMels * (n + 0.5) * k));
      }
    }
    return d;
  }

  @Override
  public int width() {
    return width;
  }

  @Override
  public void compute(long index, float[] span, float[] dst, int dstOff) {
    float[] out = nMfcc > 0 && !deferFloor ? mel : dst;
    int outOff = out == dst ? dstOff : 0;
    if (fft64 != null) {
      melSpectrum64(span, out, outOff);
    } else {
      melSpectrum32(span, out, outOff);
    }
    compress(out, outOff);
    if (nMfcc > 0 && !deferFloor) {
      dct(mel, 0, dst, dstOff);
    }
  }

  private void melSpectrum64(float[] span, float[] out, int outOff) {
    // Scale, DC removal, pre-emphasis and window in two passes instead of four; every sample sees
    // the same operations in the same order as the step-by-step definition, so the result is
    // bit-identical to it.
    double scale = c.inputScale();
    double[] x = span64;
    double mean = 0;
    if (c.removeDc()) {
      double sum = 0;
      for (int j = 0; j < win; j++) {
        double v = span[j] * scale;
        x[j] = v;
        sum += v;
      }
      mean = sum / win;
    } else {
      for (int j = 0; j < win; j++) {
        x[j] = span[j] * scale;
      }
    }
    double p = c.preemphasis();
    double[] w = window64;
    double[] f = frame64;
    int o = fftOffset;
    if (p != 0) {
      double prev = x[0] - mean;
      f[o] = (prev - p * prev) * w[0];
      for (int j = 1; j < win; j++) {
        double d = x[j] - mean;
        f[o + j] = (d - p * prev) * w[j];
        prev = d;
      }
    } else {
      for (int j = 0; j < win; j++) {
        f[o + j] = (x[j] - mean) * w[j];
      }
    }
    double pw = c.power();
    if (pw == 2) {
      fft64.power(frame64, 0, power64, 0);
    } else {
      fft64.forward(frame64, 0, spec64, 0);
      for (int k = 0; k < bins; k++) {
        double re = spec64[2 * k];
        double im = spec64[2 * k + 1];
        double q = re * re + im * im;
        power64[k] = pw == 1 ? Math.sqrt(q) : Math.pow(Math.sqrt(q), pw);
      }
    }
    fb.apply(power64, 0, mel64, 0);
    for (int m = 0; m < nMels; m++) {
      out[outOff + m] = (float) mel64[m];
    }
  }

  private void melSpectrum32(float[] span, float[] out, int outOff) {
    float scale = c.inputScale();
    if (scale != 1f) {
      for (int j = 0; j < win; j++) {
        span[j] *= scale;
      }
    }
    if (c.removeDc()) {
      float sum = 0f;
      for (int j = 0; j < win; j++) {
        sum += span[j];
      }
      float mean = sum / win;
      for (int j = 0; j < win; j++) {
        span[j] -= mean;
      }
    }
    float p = c.preemphasis();
    if (p != 0f) {
      for (int j = win - 1; j > 0; j--) {
        span[j] -= p * span[j - 1];
      }
      span[0] -= p * span[0];
    }
    for (int j = 0; j < win; j++) {
      frame[fftOffset + j] = span[j] * window[j];
    }
    float pw = c.power();
    if (pw == 2f) {
      fft.power(frame, 0, power, 0);
    } else if (pw == 1f) {
      fft.forward(frame, 0, spec, 0);
      for (int k = 0; k < bins; k++) {
        float re = spec[2 * k];
        float im = spec[2 * k + 1];
        power[k] = (float) Math.sqrt(re * re + im * im);
      }
    } else {
      fft.forward(frame, 0, spec, 0);
      for (int k = 0; k < bins; k++) {
        float re = spec[2 * k];
        float im = spec[2 * k + 1];
        power[k] = (float) Math.pow(Math.sqrt(re * re + im * im), pw);
      }
    }
    fb.apply(power, 0, out, outOff);
  }

  private void compress(float[] out, int outOff) {
    LogKind log = c.logKind();
    if (log != LogKind.NONE) {
      float floor = c.logFloor();
      float off = c.logOffset();
      float os = c.outScale();
      float oo = c.outOffset();
      // one loop per kind: no switch per value
      if (log == LogKind.LN) {
        for (int m = 0; m < nMels; m++) {
          out[outOff + m] = (float) Math.log(Math.max(out[outOff + m] + off, floor));
        }
      } else if (log == LogKind.LOG10) {
        for (int m = 0; m < nMels; m++) {
          out[outOff + m] = (float) Math.log10(Math.max(out[outOff + m] + off, floor));
        }
      } else {
        for (int m = 0; m < nMels; m++) {
          out[outOff + m] = (float) (10.0 * Math.log10(Math.max(out[outOff + m] + off, floor)));
        }
      }
      float max = Float.NEGATIVE_INFINITY;
      boolean affine = os != 1f || oo != 0f;
      for (int m = 0; m < nMels; m++) {
        float r = affine ? out[outOff + m] * os + oo : out[outOff + m];
        out[outOff + m] = r;
        if (r > max) {
          max = r;
        }
      }
      if (floorDelta > 0 && !deferFloor) {
        if (max > runningMax) {
          runningMax = max;
        }
        float lo = runningMax - floorDelta;
        for (int m = 0; m < nMels; m++) {
          if (out[outOff + m] < lo) {
            out[outOff + m] = lo;
          }
        }
      }
    }
  }

  void dct(float[] in, int inOff, float[] dst, int dstOff) {
    for (int k = 0; k < nMfcc; k++) {
      float acc = 0f;
      int row = k * nMels;
      for (int n = 0; n < nMels; n++) {
        acc += dct[row + n] * in[inOff + n];
      }
      dst[dstOff + k] = acc;
    }
  }
}
