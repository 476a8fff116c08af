package dev.stapes.audio.internal;

/**
 * An allocation-free complex FFT of any size whose prime factors are small (at most {@link
 * #MAX_PRIME}): in-place decimation in time over a precomputed mixed-radix digit-reversal, radix-4
 * and radix-2 butterflies, a plain DFT butterfly for 3, 5, 7, 11 and 13. Forward sign {@code exp(-2
 * pi i jk/n)}, unscaled. Data are interleaved {@code [re0, im0, re1, im1, ...]}.
 *
 * <p>Exists because JTransforms' mixed-radix transform allocates a scratch array on every call. One
 * instance per thread.
 */
public final class MixedRadixFft {
  /** The largest prime factor supported. */
  public static final int MAX_PRIME = 13;

  private final int n;
  private final int[] perm;
  private final int[] radix;
  private final int[] span;
  private final float[][] tw; // per stage, interleaved, [k*p + q]
  private final float[][] dft; // per stage, interleaved, [r*p + q] = W_p^(rq)
  private final float[] work;
  private final float[] tmp;
  private final float[] out;

  /** Whether {@code n >= 1} factors into primes no larger than {@link #MAX_PRIME}. */
  public static boolean supports(int n) {
    if (n < 1) {
      return false;
    }
    for (int p = 2; p <= MAX_PRIME; p++) {
      while (n % p == 0) {
        n /= p;
      }
    }
    return n == 1;
  }

  public MixedRadixFft(int n) {
    if (!supports(n)) {
      throw new IllegalArgumentException(
          "n=" + n + ", expected a size whose prime factors are <= " + MAX_PRIME);
    }
    this.n = n;
    // radices, top-first: 4s, then 2, then odd primes
    int[] top = new int[32];
    int count = 0;
    int rem = n;
    while (rem % 4 == 0) {
      top[count++] = 4;
      rem /= 4;
    }
    for (int p = 2; p <= MAX_PRIME; p++) {
      while (rem % p == 0) {
        top[count++] = p;
        rem /= p;
      }
    }
    perm = new int[n];
    for (int pos = 0; pos < n; pos++) {
      int idx = 0;
      int stride = 1;
      int r = pos;
      int size = n;
      for (int s = 0; s < count; s++) {
        size /= top[s];
        int q = r / size;
        r %= size;
        idx += q * stride;
        stride *= top[s];
      }
      perm[pos] = idx;
    }
    radix = new int[count];
    span = new int[count];
    tw = new float[count][];
    dft = new float[count][];
    int sp = 1;
    int maxP = 1;
    for (int s = 0; s < count; s++) {
      int p = top[count - 1 - s];
      radix[s] = p;
      span[s] = sp;
      maxP = Math.max(maxP, p);
      int len = sp * p;
      float[] t = new float[2 * sp * p];
      for (int k = 0; k < sp; k++) {
        for (int q = 0; q < p; q++) {
          double a = -2 * Math.PI * ((long) q * k % len) / len;
          t[2 * (k * p + q)] = (float) Math.cos(a);
          t[2 * (k * p + q) + 1] = (float) Math.sin(a);
        }
      }
      tw[s] = t;
      float[] d = new float[2 * p * p];
      for (int r2 = 0; r2 < p; r2++) {
        for (int q = 0; q < p; q++) {
          double a = -2 * Math.PI * ((r2 * q) % p) / p;
          d[2 * (r2 * p + q)] = (float) Math.cos(a);
          d[2 * (r2 * p + q) + 1] = (float) Math.sin(a);
        }
      }
      dft[s] = d;
      sp = len;
    }
    work = new float[2 * n];
    tmp = new float[2 * maxP];
    out = new float[2 * maxP];
  }

  public int size() {
    return n;
  }

  /** In-place forward DFT of the {@code n} complex values at {@code a[off .. off + 2n)}. */
  public void forward(float[] a, int off) {
    float[] w = work;
    for (int pos = 0; pos < n; pos++) {
      int src = off + 2 * perm[pos];
      w[2 * pos] = a[src];
      w[2 * pos + 1] = a[src + 1];
    }
    for (int s = 0; s < radix.length; s++) {
      int p = radix[s];
      int sp = span[s];
      int len = sp * p;
      float[] t = tw[s];
      if (p == 4) {
        for (int start = 0; start < n; start += len) {
          for (int k = 0; k < sp; k++) {
            int i0 = 2 * (start + k);
            int i1 = i0 + 2 * sp;
            int i2 = i1 + 2 * sp;
            int i3 = i2 + 2 * sp;
            int tk = 2 * k * 4;
            float x0r = w[i0];
            float x0i = w[i0 + 1];
            float x1r = w[i1] * t[tk + 2] - w[i1 + 1] * t[tk + 3];
            float x1i = w[i1] * t[tk + 3] + w[i1 + 1] * t[tk + 2];
            float x2r = w[i2] * t[tk + 4] - w[i2 + 1] * t[tk + 5];
            float x2i = w[i2] * t[tk + 5] + w[i2 + 1] * t[tk + 4];
            float x3r = w[i3] * t[tk + 6] - w[i3 + 1] * t[tk + 7];
            float x3i = w[i3] * t[tk + 7] + w[i3 + 1] * t[tk + 6];
            float ar = x0r + x2r;
            float ai = x0i + x2i;
            float br = x0r - x2r;
            float bi = x0i - x2i;
            float cr = x1r + x3r;
            float ci = x1i + x3i;
            float dr = x1r - x3r;
            float di = x1i - x3i;
            w[i0] = ar + cr;
            w[i0 + 1] = ai + ci;
            w[i2] = ar - cr;
            w[i2 + 1] = ai - ci;
            w[i1] = br + di;
            w[i1 + 1] = bi - dr;
            w[i3] = br - di;
            w[i3 + 1] = bi + dr;
          }
        }
      } else if (p == 2) {
        for (int start = 0; start < n; start += len) {
          for (int k = 0; k < sp; k++) {
            int i0 = 2 * (start + k);
            int i1 = i0 + 2 * sp;
            int tk = 2 * k * 2;
            float x1r = w[i1] * t[tk + 2] - w[i1 + 1] * t[tk + 3];
            float x1i = w[i1] * t[tk + 3] + w[i1 + 1] * t[tk + 2];
            float x0r = w[i0];
            float x0i = w[i0 + 1];
            w[i0] = x0r + x1r;
            w[i0 + 1] = x0i + x1i;
            w[i1] = x0r - x1r;
            w[i1 + 1] = x0i - x1i;
          }
        }
      } else if (p == 5) {
        radix5(w, t, sp, len);
      } else {
        float[] d = dft[s];
        for (int start = 0; start < n; start += len) {
          for (int k = 0; k < sp; k++) {
            int base = 2 * (start + k);
            for (int q = 0; q < p; q++) {
              int i = base + 2 * q * sp;
              int tq = 2 * (k * p + q);
              tmp[2 * q] = w[i] * t[tq] - w[i + 1] * t[tq + 1];
              tmp[2 * q + 1] = w[i] * t[tq + 1] + w[i + 1] * t[tq];
            }
            for (int r = 0; r < p; r++) {
              float sr = 0f;
              float si = 0f;
              int dr = 2 * r * p;
              for (int q = 0; q < p; q++) {
                float xr = tmp[2 * q];
                float xi = tmp[2 * q + 1];
                float cr = d[dr + 2 * q];
                float ci = d[dr + 2 * q + 1];
                sr += xr * cr - xi * ci;
                si += xr * ci + xi * cr;
              }
              out[2 * r] = sr;
              out[2 * r + 1] = si;
            }
            for (int r = 0; r < p; r++) {
              int i = base + 2 * r * sp;
              w[i] = out[2 * r];
              w[i + 1] = out[2 * r + 1];
            }
          }
        }
      }
    }
    System.arraycopy(w, 0, a, off, 2 * n);
  }

  private static final float C1 = (float) Math.cos(2 * Math.PI / 5);
  private static final float C2 = (float) Math.cos(4 * Math.PI / 5);
  private static final float S1 = (float) Math.sin(2 * Math.PI / 5);
  private static final float S2 = (float) Math.sin(4 * Math.PI / 5);

  private void radix5(float[] w, float[] t, int sp, int len) {
    for (int start = 0; start < n; start += len) {
      for (int k = 0; k < sp; k++) {
        int i0 = 2 * (start + k);
        int i1 = i0 + 2 * sp;
        int i2 = i1 + 2 * sp;
        int i3 = i2 + 2 * sp;
        int i4 = i3 + 2 * sp;
        int tk = 2 * k * 5;
        float x0r = w[i0];
        float x0i = w[i0 + 1];
        float x1r = w[i1] * t[tk + 2] - w[i1 + 1] * t[tk + 3];
        float x1i = w[i1] * t[tk + 3] + w[i1 + 1] * t[tk + 2];
        float x2r = w[i2] * t[tk + 4] - w[i2 + 1] * t[tk + 5];
        float x2i = w[i2] * t[tk + 5] + w[i2 + 1] * t[tk + 4];
        float x3r = w[i3] * t[tk + 6] - w[i3 + 1] * t[tk + 7];
        float x3i = w[i3] * t[tk + 7] + w[i3 + 1] * t[tk + 6];
        float x4r = w[i4] * t[tk + 8] - w[i4 + 1] * t[tk + 9];
        float x4i = w[i4] * t[tk + 9] + w[i4 + 1] * t[tk + 8];
        float t1r = x1r + x4r;
        float t1i = x1i + x4i;
        float t2r = x2r + x3r;
        float t2i = x2i + x3i;
        float t3r = x1r - x4r;
        float t3i = x1i - x4i;
        float t4r = x2r - x3r;
        float t4i = x2i - x3i;
        float a1r = x0r + C1 * t1r + C2 * t2r;
        float a1i = x0i + C1 * t1i + C2 * t2i;
        float a2r = x0r + C2 * t1r + C1 * t2r;
        float a2i = x0i + C2 * t1i + C1 * t2i;
        float b1r = S1 * t3r + S2 * t4r;
        float b1i = S1 * t3i + S2 * t4i;
        float b2r = S2 * t3r - S1 * t4r;
        float b2i = S2 * t3i - S1 * t4i;
        w[i0] = x0r + t1r + t2r;
        w[i0 + 1] = x0i + t1i + t2i;
        w[i1] = a1r + b1i;
        w[i1 + 1] = a1i - b1r;
        w[i4] = a1r - b1i;
        w[i4 + 1] = a1i + b1r;
        w[i2] = a2r + b2i;
        w[i2 + 1] = a2i - b2r;
        w[i3] = a2r - b2i;
        w[i3 + 1] = a2i + b2r;
      }
    }
  }
}
