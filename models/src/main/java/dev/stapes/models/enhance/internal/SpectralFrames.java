package dev.stapes.models.enhance.internal;

import org.jtransforms.fft.FloatFFT_1D;

/**
 * One frame of the authors' STFT and inverse STFT: square-root periodic Hann window, one-sided
 * spectrum as interleaved (real, imaginary) pairs, inverse with the same window. Plans once and
 * works in caller-owned arrays; allocates nothing per frame. Not thread-safe.
 */
public final class SpectralFrames {

  private final int nFft;
  private final float[] window;
  private final float[] envInv;
  private final FloatFFT_1D fft;

  /** A transform of {@code nFft} points (a power of two) with frames {@code hop} apart. */
  public SpectralFrames(int nFft, int hop) {
    if (nFft < 2 || Integer.bitCount(nFft) != 1) {
      throw new IllegalArgumentException("nFft=" + nFft + ", expected a power of two >= 2");
    }
    if (hop < 1 || hop > nFft) {
      throw new IllegalArgumentException("hop=" + hop + ", expected 1.." + nFft);
    }
    this.nFft = nFft;
    this.window = new float[nFft];
    for (int i = 0; i < nFft; i++) {
      // periodic Hann as torch.hann_window computes it in float, then its square root
      float hann = (float) (0.5 - 0.5 * Math.cos(2.0 * Math.PI * i / nFft));
      window[i] = (float) Math.sqrt(hann);
    }
    // summed squared window seen by a sample in steady state (1 for this window and hop = n/2)
    this.envInv = new float[hop];
    for (int j = 0; j < hop; j++) {
      float s = 0f;
      for (int k = j; k < nFft; k += hop) {
        s += window[k] * window[k];
      }
      envInv[j] = 1f / s;
    }
    this.fft = new FloatFFT_1D(nFft);
  }

  /** The analysis and synthesis window. */
  public float[] window() {
    return window.clone();
  }

  /**
   * Windows {@code frame} (time samples, overwritten) and writes its one-sided spectrum to {@code
   * spec}: {@code spec[2k]} real and {@code spec[2k + 1]} imaginary part of bin k, {@code nFft / 2
   * + 1} bins, with the sign convention X[k] = sum x[n] exp(-2 pi i k n / N).
   */
  public void analyse(float[] frame, float[] spec) {
    for (int i = 0; i < nFft; i++) {
      frame[i] *= window[i];
    }
    fft.realForward(frame);
    int half = nFft / 2;
    spec[0] = frame[0];
    spec[1] = 0f;
    for (int k = 1; k < half; k++) {
      spec[2 * k] = frame[2 * k];
      spec[2 * k + 1] = frame[2 * k + 1];
    }
    spec[2 * half] = frame[1];
    spec[2 * half + 1] = 0f;
  }

  /**
   * Inverse of {@link #analyse} before overlap-add: the real inverse FFT of {@code spec} (the
   * imaginary parts of DC and Nyquist are ignored), times the window, into {@code frame}.
   */
  public void synthesise(float[] spec, float[] frame) {
    int half = nFft / 2;
    frame[0] = spec[0];
    frame[1] = spec[2 * half];
    for (int k = 1; k < half; k++) {
      frame[2 * k] = spec[2 * k];
      frame[2 * k + 1] = spec[2 * k + 1];
    }
    fft.realInverse(frame, true);
    for (int i = 0; i < nFft; i++) {
      frame[i] *= window[i];
    }
  }

  /** One over the summed squared window, per position within a hop. Do not modify. */
  public float[] envelopeInverse() {
    return envInv;
  }
}
