package dev.stapes.audio.internal;

/**
 * A real FFT of a power-of-two size {@code n >= 4}, in float32, written for the frame sizes speech
 * uses (256, 512, 1024). The {@code n} real samples are packed into {@code m = n/2} complex values
 * {@code z[j] = x[2j] + i x[2j+1]}, loaded in bit-reversed order, transformed in place by radix-4
 * decimation-in-time passes (one radix-2 pass last when {@code log2 m} is odd) over separate real
 * and imaginary arrays, and split into the {@code m + 1} bins of the real spectrum by one post-pass
 * with the twiddles {@code exp(-2 pi i k / n)}.
 *
 * <p>Layout: {@link #forward} writes {@code n/2 + 1} bins interleaved, {@code [re0, im0, ...,
 * re(n/2), im(n/2)]}, {@code X[k] = sum_j x[j] exp(-2 pi i j k / n)}; {@link #power} writes {@code
 * |X[k]|^2} instead; {@link #inverse} is the exact inverse, scaled by {@code 1/n}.
 *
 * <p>Cost model: the bit-reversal table, the per-pass twiddles and the work arrays are made in the
 * constructor; a transform allocates nothing. One thread at a time.
 *
 * <p>Status: {@link dev.stapes.audio.RealFft} does not use this class. On JDK 17, C2 does not
 * vectorise its butterfly loops (a radix-4 pass reads four legs at offsets {@code h, 2h, 3h} that
 * are loop invariants, not constants, and the superword pass gives up on them), and the scalar code
 * is no faster than JTransforms' split-radix transform at 256, 512 and 1024 points (11-19% slower
 * in one run of {@code FftBenchmark}, 9-11% faster at 256 and 512 in another). It is kept, tested
 * against JTransforms, as the measured alternative.
 */
public final class Pow2RealFft {
  /** The smallest size: the half-size complex transform needs at least two points. */
  public static final int MIN_SIZE = 4;

  private final int n;
  private final int m;
  private final int[] rev; // rev[i] = bit reversal of i over log2(m) bits
  private final int[] passHalf; // per radix-4 pass: h (the pass combines blocks of 4h)
  private final float[][] w1r; // per pass, length m: w^j, w^2j, w^3j at each leg-0 position
  private final float[][] w1i;
  private final float[][] w2r;
  private final float[][] w2i;
  private final float[][] w3r;
  private final float[][] w3i;
  private final boolean lastRadix2;
  private final float[] lr; // radix-2 last pass twiddles exp(-2 pi i j / m), j < m/2
  private final float[] li;
  private final float[] tr; // post-pass twiddles exp(-2 pi i k / n), k < m
  private final float[] ti;
  private final float[] re;
  private final float[] im;
  private final float[] spectrum; // forward() output for power()

  /** Whether {@code n} is a power of two this class plans. */
  public static boolean supports(int n) {
    return n >= MIN_SIZE && Integer.bitCount(n) == 1;
  }

  /**
   * Plans a transform of {@code n} real samples.
   *
   * @throws IllegalArgumentException if {@code n} is not a power of two {@code >= 4}
   */
  public Pow2RealFft(int n) {
    if (!supports(n)) {
      throw new IllegalArgumentException(
          "nFft=" + n + " samples, expected a power of two >= " + MIN_SIZE);
    }
    this.n = n;
    this.m = n / 2;
    int bits = Integer.numberOfTrailingZeros(m);
    rev = new int[m];
    for (int i = 0; i < m; i++) {
      rev[i] = bits == 0 ? 0 : Integer.reverse(i) >>> (32 - bits);
    }
    int passes = bits / 2;
    passHalf = new int[passes];
    w1r = new float[passes][];
    w1i = new float[passes][];
    w2r = new float[passes][];
    w2i = new float[passes][];
    w3r = new float[passes][];
    w3i = new float[passes][];
    int h = 1;
    for (int p = 0; p < passes; p++) {
      passHalf[p] = h;
      w1r[p] = new float[m];
      w1i[p] = new float[m];
      w2r[p] = new float[m];
      w2i[p] = new float[m];
      w3r[p] = new float[m];
      w3i[p] = new float[m];
      for (int b = 0; b < m; b += 4 * h) {
        for (int j = 0; j < h; j++) {
          double a = -2 * Math.PI * j / (4.0 * h);
          w1r[p][b + j] = (float) Math.cos(a);
          w1i[p][b + j] = (float) Math.sin(a);
          w2r[p][b + j] = (float) Math.cos(2 * a);
          w2i[p][b + j] = (float) Math.sin(2 * a);
          w3r[p][b + j] = (float) Math.cos(3 * a);
          w3i[p][b + j] = (float) Math.sin(3 * a);
        }
      }
      h *= 4;
    }
    lastRadix2 = (bits & 1) != 0;
    if (lastRadix2) {
      lr = new float[m / 2];
      li = new float[m / 2];
      for (int j = 0; j < m / 2; j++) {
        double a = -2 * Math.PI * j / m;
        lr[j] = (float) Math.cos(a);
        li[j] = (float) Math.sin(a);
      }
    } else {
      lr = li = null;
    }
    tr = new float[m];
    ti = new float[m];
    for (int k = 0; k < m; k++) {
      double a = -2 * Math.PI * k / n;
      tr[k] = (float) Math.cos(a);
      ti[k] = (float) Math.sin(a);
    }
    tr[m / 2] = 0f; // exactly -i, so that bin n/4 is the same from both halves of the post-pass
    ti[m / 2] = -1f;
    re = new float[m];
    im = new float[m];
    spectrum = new float[n + 2];
  }

  /** The transform size {@code n} in samples. */
  public int size() {
    return n;
  }

  /**
   * Transforms {@code in[inOff .. inOff+n)} into {@code dst[dstOff .. dstOff + n + 2)}, {@code n/2
   * + 1} bins interleaved. {@code in} is not modified.
   */
  public void forward(float[] in, int inOff, float[] dst, int dstOff) {
    halfSize(in, inOff);
    float[] re = this.re;
    float[] im = this.im;
    int m = this.m;
    dst[dstOff] = re[0] + im[0];
    dst[dstOff + 1] = 0f;
    dst[dstOff + n] = re[0] - im[0];
    dst[dstOff + n + 1] = 0f;
    for (int k = 1, q = m - 1; k <= q; k++, q--) {
      // E = (Z[k] + conj Z[q]) / 2, O = (Z[k] - conj Z[q]) / 2i; X[k] = E + W^k O, X[q] = conj(E -
      // W^k O)
      float er = 0.5f * (re[k] + re[q]);
      float ei = 0.5f * (im[k] - im[q]);
      float or = 0.5f * (im[k] + im[q]);
      float oi = -0.5f * (re[k] - re[q]);
      float wr = tr[k];
      float wi = ti[k];
      float pr = wr * or - wi * oi;
      float pi = wr * oi + wi * or;
      dst[dstOff + 2 * k] = er + pr;
      dst[dstOff + 2 * k + 1] = ei + pi;
      dst[dstOff + 2 * q] = er - pr;
      dst[dstOff + 2 * q + 1] = pi - ei;
    }
  }

  /**
   * The power spectrum {@code |X[k]|^2} of {@code in[inOff .. inOff+n)} into {@code dst[dstOff ..
   * dstOff + n/2 + 1)}. {@code in} is not modified.
   */
  public void power(float[] in, int inOff, float[] dst, int dstOff) {
    forward(in, inOff, spectrum, 0);
    for (int k = 0; k <= m; k++) {
      float re = spectrum[2 * k];
      float im = spectrum[2 * k + 1];
      dst[dstOff + k] = re * re + im * im;
    }
  }

  /**
   * Inverse of {@link #forward}: {@code n/2 + 1} interleaved bins from {@code spec[specOff ..]} to
   * {@code n} real samples in {@code dst[dstOff ..]}, scaled by {@code 1/n}; the imaginary parts of
   * bins 0 and {@code n/2} are ignored. {@code spec} is not modified.
   */
  public void inverse(float[] spec, int specOff, float[] dst, int dstOff) {
    // Z[k] = E[k] + i O[k], E = (X[k] + conj X[m-k]) / 2, O = (X[k] - conj X[m-k]) conj(W^k) / 2;
    // z = IDFT_m(Z) = conj(DFT_m(conj Z)) / m: conj Z is loaded bit-reversed.
    float[] re = this.re;
    float[] im = this.im;
    int m = this.m;
    int[] rev = this.rev;
    for (int k = 0; k < m; k++) {
      int q = m - k;
      float xr = spec[specOff + 2 * k];
      float xi = k == 0 ? 0f : spec[specOff + 2 * k + 1];
      float yr = spec[specOff + 2 * q];
      float yi = k == 0 ? 0f : -spec[specOff + 2 * q + 1];
      float er = 0.5f * (xr + yr);
      float ei = 0.5f * (xi + yi);
      float dr = 0.5f * (xr - yr);
      float di = 0.5f * (xi - yi);
      float wr = tr[k];
      float wi = -ti[k];
      float or = dr * wr - di * wi;
      float oi = dr * wi + di * wr;
      re[rev[k]] = er - oi;
      im[rev[k]] = -(ei + or);
    }
    passes();
    float inv = 1f / m;
    for (int j = 0; j < m; j++) {
      dst[dstOff + 2 * j] = re[j] * inv;
      dst[dstOff + 2 * j + 1] = -im[j] * inv;
    }
  }

  /** z[j] = x[2j] + i x[2j+1], bit-reversed into re/im, then the complex DFT of size m in place. */
  private void halfSize(float[] in, int inOff) {
    float[] re = this.re;
    float[] im = this.im;
    int[] rev = this.rev;
    for (int i = 0; i < m; i++) {
      int s = inOff + 2 * rev[i];
      re[i] = in[s];
      im[i] = in[s + 1];
    }
    passes();
  }

  private void passes() {
    float[] re = this.re;
    float[] im = this.im;
    int m = this.m;
    int passes = passHalf.length;
    int p = 0;
    if (passes > 0) {
      first4(re, im, m);
      p = 1;
    }
    for (; p < passes; p++) {
      radix4(re, im, m, passHalf[p], w1r[p], w1i[p], w2r[p], w2i[p], w3r[p], w3i[p]);
    }
    if (lastRadix2) {
      radix2(re, im, m / 2, lr, li);
    }
  }

  /** The first radix-4 pass (h = 1): every twiddle is 1. */
  private static void first4(float[] re, float[] im, int m) {
    for (int b = 0; b < m; b += 4) {
      float ar = re[b];
      float ai = im[b];
      float br = re[b + 1];
      float bi = im[b + 1];
      float cr = re[b + 2];
      float ci = im[b + 2];
      float dr = re[b + 3];
      float di = im[b + 3];
      float s0r = ar + br;
      float s0i = ai + bi;
      float d0r = ar - br;
      float d0i = ai - bi;
      float s1r = cr + dr;
      float s1i = ci + di;
      float d1r = cr - dr;
      float d1i = ci - di;
      re[b] = s0r + s1r;
      im[b] = s0i + s1i;
      re[b + 2] = s0r - s1r;
      im[b + 2] = s0i - s1i;
      // (A - B) -/+ i (C - D)
      re[b + 1] = d0r + d1i;
      im[b + 1] = d0i - d1r;
      re[b + 3] = d0r - d1i;
      im[b + 3] = d0i + d1r;
    }
  }

  /**
   * One radix-4 pass over blocks of {@code 4h}: with {@code w = exp(-2 pi i j / 4h)}, {@code A =
   * x0, B = w^2 x1, C = w x2, D = w^3 x3} at offsets {@code j, j+h, j+2h, j+3h}.
   */
  private static void radix4(
      float[] re,
      float[] im,
      int m,
      int h,
      float[] w1r,
      float[] w1i,
      float[] w2r,
      float[] w2i,
      float[] w3r,
      float[] w3i) {
    // Every array is indexed by j or j + (a multiple of h), twiddles by the absolute position j
    // (replicated per block): the form C2's superword pass vectorises.
    int h2 = 2 * h;
    int h3 = 3 * h;
    for (int b = 0; b < m; b += 4 * h) {
      for (int j = b; j < b + h; j++) {
        float ar = re[j];
        float ai = im[j];
        float xr = re[j + h];
        float xi = im[j + h];
        float br = xr * w2r[j] - xi * w2i[j];
        float bi = xr * w2i[j] + xi * w2r[j];
        xr = re[j + h2];
        xi = im[j + h2];
        float cr = xr * w1r[j] - xi * w1i[j];
        float ci = xr * w1i[j] + xi * w1r[j];
        xr = re[j + h3];
        xi = im[j + h3];
        float dr = xr * w3r[j] - xi * w3i[j];
        float di = xr * w3i[j] + xi * w3r[j];
        float s0r = ar + br;
        float s0i = ai + bi;
        float d0r = ar - br;
        float d0i = ai - bi;
        float s1r = cr + dr;
        float s1i = ci + di;
        float d1r = cr - dr;
        float d1i = ci - di;
        re[j] = s0r + s1r;
        im[j] = s0i + s1i;
        re[j + h2] = s0r - s1r;
        im[j + h2] = s0i - s1i;
        re[j + h] = d0r + d1i;
        im[j + h] = d0i - d1r;
        re[j + h3] = d0r - d1i;
        im[j + h3] = d0i + d1r;
      }
    }
  }

  /** The last radix-2 pass: one block of {@code 2h = m}, twiddles {@code exp(-2 pi i j / 2h)}. */
  private static void radix2(float[] re, float[] im, int h, float[] wr, float[] wi) {
    for (int j = 0; j < h; j++) {
      float xr = re[h + j];
      float xi = im[h + j];
      float cr = xr * wr[j] - xi * wi[j];
      float ci = xr * wi[j] + xi * wr[j];
      float ar = re[j];
      float ai = im[j];
      re[j] = ar + cr;
      im[j] = ai + ci;
      re[h + j] = ar - cr;
      im[h + j] = ai - ci;
    }
  }
}
