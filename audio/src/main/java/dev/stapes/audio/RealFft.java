package dev.stapes.audio;

import dev.stapes.audio.internal.MixedRadixFft;
import org.jtransforms.fft.FloatFFT_1D;
import pl.edu.icm.jlargearrays.ConcurrencyUtils;

/**
 * A planned real FFT of one even size, on JTransforms, with a plain interleaved spectrum layout.
 *
 * <p>The spectrum of {@code n} real samples is written as {@code n/2 + 1} complex bins,
 * interleaved: {@code [re0, im0, re1, im1, ..., re(n/2), im(n/2)]}, {@code X[k] = sum_j x[j] exp(-2
 * pi i j k / n)} (numpy's {@code rfft}). {@link #inverse} is the exact inverse ({@code irfft},
 * scaled by {@code 1/n}); the imaginary parts of bins 0 and {@code n/2} are ignored.
 *
 * <p>Cost model: the plan and all scratch memory are made in the constructor; {@link #forward} and
 * {@link #inverse} allocate nothing. Power-of-two sizes use JTransforms' split-radix transform.
 * Other even sizes (Whisper's 400) use a complex transform of size {@code n/2}: mixed-radix ({@link
 * MixedRadixFft}) when {@code n/2} has no prime factor above 13, else Bluestein over JTransforms'
 * power-of-two complex FFT; JTransforms' own mixed-radix path allocates a scratch array on every
 * call.
 *
 * <p>Threads: JTransforms is switched to a single thread when this class loads (its worker threads
 * are not daemons and buy nothing at these sizes). An instance holds scratch memory: use one
 * instance per thread.
 */
public final class RealFft {
  static {
    ConcurrencyUtils.setNumberOfThreads(1);
  }

  private final int n;
  private final boolean pow2;
  private final FloatFFT_1D fft; // size n (pow2) or m2 complex (Bluestein)
  private final float[] scratch;
  private final float[] spectrum; // forward() output for power(), other than power-of-two sizes
  // Bluestein state for half size m = n/2: chirp w[j] = exp(-i pi j^2 / m)
  private final int m;
  private final int m2;
  private final float[] chirpRe;
  private final float[] chirpIm;
  private final float[] kernel; // FFT of conj chirp, interleaved, length 2*m2
  private final float[] conv; // interleaved, length 2*m2
  private final float[] twRe; // exp(-2 pi i k / n), k < m
  private final float[] twIm;
  private final MixedRadixFft mixed; // half-size complex FFT when n/2 has only small factors

  /**
   * Plans a transform of {@code n} real samples.
   *
   * @throws IllegalArgumentException if {@code n} is not even and at least 2
   */
  public RealFft(int n) {
    if (n < 2 || (n & 1) != 0) {
      throw new IllegalArgumentException("nFft=" + n + " samples, expected an even number >= 2");
    }
    this.n = n;
    this.pow2 = Integer.bitCount(n) == 1;
    this.scratch = new float[n];
    this.spectrum = pow2 ? null : new float[n + 2];
    if (pow2) {
      fft = new FloatFFT_1D(n);
      m = 0;
      m2 = 0;
      chirpRe = chirpIm = kernel = conv = twRe = twIm = null;
      mixed = null;
    } else if (MixedRadixFft.supports(n / 2)) {
      m = n / 2;
      m2 = 0;
      fft = null;
      mixed = new MixedRadixFft(m);
      chirpRe = chirpIm = kernel = null;
      conv = scratch;
      twRe = new float[m];
      twIm = new float[m];
      for (int k = 0; k < m; k++) {
        double a = -2 * Math.PI * k / n;
        twRe[k] = (float) Math.cos(a);
        twIm[k] = (float) Math.sin(a);
      }
    } else {
      mixed = null;
      m = n / 2;
      int size = 1;
      while (size < 2 * m - 1) {
        size <<= 1;
      }
      m2 = size;
      fft = new FloatFFT_1D(m2);
      chirpRe = new float[m];
      chirpIm = new float[m];
      for (int j = 0; j < m; j++) {
        long jj = ((long) j * j) % (2L * m);
        double a = -Math.PI * jj / m;
        chirpRe[j] = (float) Math.cos(a);
        chirpIm[j] = (float) Math.sin(a);
      }
      kernel = new float[2 * m2];
      for (int j = 0; j < m; j++) {
        kernel[2 * j] = chirpRe[j];
        kernel[2 * j + 1] = -chirpIm[j];
        if (j > 0) {
          kernel[2 * (m2 - j)] = chirpRe[j];
          kernel[2 * (m2 - j) + 1] = -chirpIm[j];
        }
      }
      fft.complexForward(kernel);
      conv = new float[2 * m2];
      twRe = new float[m];
      twIm = new float[m];
      for (int k = 0; k < m; k++) {
        double a = -2 * Math.PI * k / n;
        twRe[k] = (float) Math.cos(a);
        twIm[k] = (float) Math.sin(a);
      }
    }
  }

  /** The transform size {@code n} in samples. */
  public int size() {
    return n;
  }

  /** The number of complex bins, {@code n/2 + 1}. */
  public int bins() {
    return n / 2 + 1;
  }

  /**
   * Transforms {@code in[inOff .. inOff+n)} into {@code dst[dstOff .. dstOff + 2*(n/2+1))},
   * interleaved. {@code in} is not modified; {@code in} and {@code dst} may not overlap.
   */
  public void forward(float[] in, int inOff, float[] dst, int dstOff) {
    if (pow2) {
      System.arraycopy(in, inOff, scratch, 0, n);
      fft.realForward(scratch);
      // JTransforms: a[0] = Re[0], a[1] = Re[n/2], a[2k], a[2k+1] = Re, Im of bin k (0 < k < n/2)
      dst[dstOff] = scratch[0];
      dst[dstOff + 1] = 0f;
      System.arraycopy(scratch, 2, dst, dstOff + 2, n - 2);
      dst[dstOff + n] = scratch[1];
      dst[dstOff + n + 1] = 0f;
      return;
    }
    // z[j] = x[2j] + i x[2j+1]; Z = DFT_m(z) via Bluestein, left in scratch (interleaved, 2m = n)
    bluestein(in, inOff);
    float[] z = scratch;
    for (int k = 0; k <= m; k++) {
      int a = k == m ? 0 : k;
      int b = k == 0 ? 0 : m - k;
      float zr = z[2 * a];
      float zi = z[2 * a + 1];
      float cr = z[2 * b];
      float ci = -z[2 * b + 1];
      float er = 0.5f * (zr + cr);
      float ei = 0.5f * (zi + ci);
      // o = (Z[k] - conj(Z[m-k])) / (2i)
      float or = 0.5f * (zi - ci);
      float oi = -0.5f * (zr - cr);
      float tr;
      float ti;
      if (k == m) {
        tr = -1f;
        ti = 0f;
      } else {
        tr = twRe[k];
        ti = twIm[k];
      }
      dst[dstOff + 2 * k] = er + tr * or - ti * oi;
      dst[dstOff + 2 * k + 1] = ei + tr * oi + ti * or;
    }
    dst[dstOff + 1] = 0f;
    dst[dstOff + n + 1] = 0f;
  }

  /**
   * The power spectrum {@code |X[k]|^2} of {@code in[inOff .. inOff+n)} into {@code dst[dstOff ..
   * dstOff + n/2 + 1)}: {@link #forward} and the squared magnitudes in one pass, without the
   * interleaved copy. {@code in} is not modified; allocates nothing.
   */
  public void power(float[] in, int inOff, float[] dst, int dstOff) {
    if (pow2) {
      System.arraycopy(in, inOff, scratch, 0, n);
      fft.realForward(scratch);
      float[] a = scratch;
      dst[dstOff] = a[0] * a[0];
      dst[dstOff + n / 2] = a[1] * a[1];
      for (int k = 1; k < n / 2; k++) {
        float re = a[2 * k];
        float im = a[2 * k + 1];
        dst[dstOff + k] = re * re + im * im;
      }
      return;
    }
    forward(in, inOff, spectrum, 0);
    for (int k = 0; k <= n / 2; k++) {
      float re = spectrum[2 * k];
      float im = spectrum[2 * k + 1];
      dst[dstOff + k] = re * re + im * im;
    }
  }

  /** {@link #forward(float[], int, float[], int)} with offsets 0. */
  public void forward(float[] in, float[] dst) {
    forward(in, 0, dst, 0);
  }

  /**
   * Inverse of {@link #forward}: {@code n/2+1} interleaved bins from {@code spec[specOff ..]} to
   * {@code n} real samples in {@code dst[dstOff ..]}, scaled by {@code 1/n}. {@code spec} is not
   * modified.
   */
  public void inverse(float[] spec, int specOff, float[] dst, int dstOff) {
    if (pow2) {
      scratch[0] = spec[specOff];
      scratch[1] = spec[specOff + n];
      System.arraycopy(spec, specOff + 2, scratch, 2, n - 2);
      fft.realInverse(scratch, true);
      System.arraycopy(scratch, 0, dst, dstOff, n);
      return;
    }
    // Fe[k] = (X[k] + conj(X[m-k]))/2, Fo[k] = (X[k] - conj(X[m-k]))/2 * exp(+2 pi i k/n)
    // Z = Fe + i Fo; z = IDFT_m(Z) = conj(DFT_m(conj(Z)))/m; x[2j] = Re z[j], x[2j+1] = Im z[j]
    for (int k = 0; k < m; k++) {
      float xr = spec[specOff + 2 * k];
      float xi = k == 0 ? 0f : spec[specOff + 2 * k + 1];
      int b = m - k;
      float yr = spec[specOff + 2 * b];
      float yi = b == m ? 0f : -spec[specOff + 2 * b + 1];
      float er = 0.5f * (xr + yr);
      float ei = 0.5f * (xi + yi);
      float dr = 0.5f * (xr - yr);
      float di = 0.5f * (xi - yi);
      // multiply by conj(tw) = exp(+2 pi i k / n)
      float tr = twRe[k];
      float ti = -twIm[k];
      float or = dr * tr - di * ti;
      float oi = dr * ti + di * tr;
      // Z = Fe + i Fo, then conjugate for the forward-transform trick
      conv[2 * k] = er - oi;
      conv[2 * k + 1] = -(ei + or);
    }
    bluesteinFromConv();
    float inv = 1f / m;
    for (int j = 0; j < m; j++) {
      dst[dstOff + 2 * j] = scratch[2 * j] * inv;
      dst[dstOff + 2 * j + 1] = -scratch[2 * j + 1] * inv;
    }
  }

  /** {@link #inverse(float[], int, float[], int)} with offsets 0. */
  public void inverse(float[] spec, float[] dst) {
    inverse(spec, 0, dst, 0);
  }

  /** Loads z[j] = x[2j] + i x[2j+1] into conv and runs Bluestein into scratch. */
  private void bluestein(float[] in, int inOff) {
    for (int j = 0; j < m; j++) {
      conv[2 * j] = in[inOff + 2 * j];
      conv[2 * j + 1] = in[inOff + 2 * j + 1];
    }
    bluesteinFromConv();
  }

  /** DFT_m of conv[0 .. 2m) (interleaved complex), result interleaved in scratch[0 .. 2m). */
  private void bluesteinFromConv() {
    if (mixed != null) {
      mixed.forward(scratch, 0); // conv is scratch
      return;
    }
    for (int j = 0; j < m; j++) {
      float ar = conv[2 * j];
      float ai = conv[2 * j + 1];
      float cr = chirpRe[j];
      float ci = chirpIm[j];
      conv[2 * j] = ar * cr - ai * ci;
      conv[2 * j + 1] = ar * ci + ai * cr;
    }
    java.util.Arrays.fill(conv, 2 * m, 2 * m2, 0f);
    fft.complexForward(conv);
    for (int j = 0; j < m2; j++) {
      float ar = conv[2 * j];
      float ai = conv[2 * j + 1];
      float br = kernel[2 * j];
      float bi = kernel[2 * j + 1];
      conv[2 * j] = ar * br - ai * bi;
      conv[2 * j + 1] = ar * bi + ai * br;
    }
    fft.complexInverse(conv, true);
    for (int k = 0; k < m; k++) {
      float ar = conv[2 * k];
      float ai = conv[2 * k + 1];
      float cr = chirpRe[k];
      float ci = chirpIm[k];
      scratch[2 * k] = ar * cr - ai * ci;
      scratch[2 * k + 1] = ar * ci + ai * cr;
    }
  }
}
