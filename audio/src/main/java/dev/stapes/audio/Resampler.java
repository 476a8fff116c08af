package dev.stapes.audio;

import dev.stapes.audio.internal.KaiserSinc;
import java.util.Locale;
import java.util.Objects;

/**
 * Band-limited streaming sample-rate converter: a Kaiser-windowed sinc evaluated as a polyphase
 * filter at the exact rational ratio {@code outRate/inRate = L/M} (reduced by their gcd).
 *
 * <p><b>Alignment and length.</b> Output sample {@code n} is the band-limited input evaluated at
 * input time {@code n * inRate / outRate}, the input being zero outside {@code [0, inLen)}: there
 * is no group delay in the output. After {@link #finish} the total output length is exactly {@code
 * ceil(inLen * outRate / inRate)}, that is every output instant that falls inside the input.
 *
 * <p><b>Streaming.</b> The output does not depend on how the input is split across {@link #process}
 * calls: every output sample is the same dot product over the same input samples, bit for bit.
 * {@link #process} emits each output as soon as its filter support has arrived; the look-ahead is
 * {@link #lookahead()} input samples, released by {@link #finish}. A call with {@code len} inputs
 * writes at most {@link #maxOutput(int) maxOutput(len)} samples; {@link #finish} writes at most
 * {@link #maxFinishOutput()}.
 *
 * <p><b>Filter.</b> With {@code nyq = min(inRate, outRate) / 2}, the passband ends at {@code
 * quality.passband() * nyq} and the stopband starts at {@code nyq} (nothing aliases), with {@code
 * quality.attenuationDb()} of stopband attenuation. Where {@code L} is small enough for a table of
 * {@code L} phases (all the usual rates) the coefficients are exact; otherwise they are linearly
 * interpolated between at most {@value #INTERPOLATED_PHASES} precomputed phases per input sample
 * (fewer when the cutoff is far below the input Nyquist and the prototype is smoother, so that the
 * table stays within a few MiB). Equal rates copy the input.
 *
 * <p>Cost model: construction designs the filter (milliseconds); {@link #process} and {@link
 * #finish} allocate nothing and cost {@link #tapsPerOutput()} multiply-adds per output sample. Not
 * thread-safe: one stream, one thread at a time.
 */
public final class Resampler {
  /** The largest ratio of the two rates accepted, either way. */
  public static final int MAX_RATIO = 256;

  /** The most phases of the table that is interpolated when the reduced {@code L} is too large. */
  public static final int INTERPOLATED_PHASES = 512;

  private static final int MAX_EXACT_TABLE = 1 << 21;
  private static final int CHUNK = 4096;

  /** Filter quality: passband edge (fraction of the lower Nyquist) and stopband attenuation. */
  public enum Quality {
    /** Passband to 90% of the lower Nyquist, 70 dB stopband. */
    FAST(0.90, 70),
    /** Passband to 95% of the lower Nyquist, 110 dB stopband (the default). */
    HIGH(0.95, 110),
    /** Passband to 97% of the lower Nyquist, 140 dB stopband. */
    VERY_HIGH(0.97, 140);

    private final double passband;
    private final double attenuationDb;

    Quality(double passband, double attenuationDb) {
      this.passband = passband;
      this.attenuationDb = attenuationDb;
    }

    /** Returns the passband edge as a fraction of the lower Nyquist frequency. */
    public double passband() {
      return passband;
    }

    /** Returns the designed stopband attenuation in dB. */
    public double attenuationDb() {
      return attenuationDb;
    }
  }

  private final int inRate;
  private final int outRate;
  private final Quality quality;
  private final int upL;
  private final int downM;
  private final long stepWhole;
  private final int stepFrac;
  private final boolean identity;
  private final boolean interpolated;
  private final int half;
  private final int taps;
  private final float[] table;
  private final int interpPhases;
  private final float[] coef;
  private final float[] buf;
  private long bufStart;
  private int fill;
  private long totalIn;
  private long nextOut;
  private long nextBase;
  private int nextPhase;
  private boolean finished;

  /**
   * Creates a converter of {@link Quality#HIGH} quality.
   *
   * @param inRate input rate in Hz, at least 1
   * @param outRate output rate in Hz, at least 1
   * @throws IllegalArgumentException if a rate is not positive or their ratio exceeds {@value
   *     #MAX_RATIO}
   */
  public Resampler(int inRate, int outRate) {
    this(inRate, outRate, Quality.HIGH);
  }

  /**
   * Creates a converter.
   *
   * @param inRate input rate in Hz, at least 1
   * @param outRate output rate in Hz, at least 1
   * @param quality the filter quality
   * @throws IllegalArgumentException if a rate is not positive or their ratio exceeds {@value
   *     #MAX_RATIO}
   */
  public Resampler(int inRate, int outRate, Quality quality) {
    if (inRate < 1) {
      throw new IllegalArgumentException("inRate=" + inRate + " Hz, expected at least 1 Hz");
    }
    if (outRate < 1) {
      throw new IllegalArgumentException("outRate=" + outRate + " Hz, expected at least 1 Hz");
    }
    Objects.requireNonNull(quality, "quality");
    if (Math.max(inRate, outRate) / (double) Math.min(inRate, outRate) > MAX_RATIO) {
      throw new IllegalArgumentException(
          "inRate="
              + inRate
              + " Hz, outRate="
              + outRate
              + " Hz: ratio beyond "
              + MAX_RATIO
              + ", expected outRate within inRate/"
              + MAX_RATIO
              + ".."
              + MAX_RATIO
              + "*inRate");
    }
    this.inRate = inRate;
    this.outRate = outRate;
    this.quality = quality;
    int g = gcd(inRate, outRate);
    this.upL = outRate / g;
    this.downM = inRate / g;
    this.stepWhole = downM / upL;
    this.stepFrac = downM % upL;
    this.identity = inRate == outRate;
    if (identity) {
      this.interpolated = false;
      this.half = 0;
      this.taps = 1;
      this.interpPhases = 0;
      this.table = new float[] {1f};
      this.coef = new float[0];
      this.buf = new float[0];
      return;
    }
    double nyq = 0.5 * Math.min(inRate, outRate) / inRate; // cycles per input sample
    KaiserSinc h = new KaiserSinc(quality.passband * nyq, nyq, quality.attenuationDb);
    this.half = (int) Math.floor(h.halfLength());
    this.taps = 2 * half + 2;
    int phases;
    if ((long) upL * taps <= MAX_EXACT_TABLE) {
      this.interpolated = false;
      phases = upL;
    } else {
      this.interpolated = true;
      // The prototype varies on the scale of 1 / cutoff input samples: 1024 phases per cycle of
      // the cutoff keep the linear interpolation error near -110 dB (512 at the full band).
      phases = Math.max(16, Math.min(INTERPOLATED_PHASES, (int) Math.ceil(1024 * h.cutoff()))) + 1;
    }
    this.interpPhases = phases - 1;
    this.table = new float[phases * taps];
    for (int p = 0; p < phases; p++) {
      double frac = p / (double) (interpolated ? phases - 1 : upL);
      for (int i = 0; i < taps; i++) {
        // tap i reads input base - half + i; the output sits at base + frac
        table[p * taps + i] = (float) h.at(frac + half - i);
      }
    }
    this.coef = new float[interpolated ? taps : 0];
    this.buf = new float[taps + (int) stepWhole + 1 + CHUNK];
    reset();
  }

  private static int gcd(int a, int b) {
    while (b != 0) {
      int t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  /** Returns the input rate in Hz. */
  public int inRate() {
    return inRate;
  }

  /** Returns the output rate in Hz. */
  public int outRate() {
    return outRate;
  }

  /** Returns the quality this converter was built with. */
  public Quality quality() {
    return quality;
  }

  /** Returns the filter taps (multiply-adds) per output sample; 1 for equal rates. */
  public int tapsPerOutput() {
    return taps;
  }

  /**
   * Returns how many input samples past an output instant must arrive before that output is emitted
   * (the algorithmic latency in input samples); 0 for equal rates.
   */
  public int lookahead() {
    return identity ? 0 : half + 1;
  }

  /**
   * Returns the most samples one {@link #process} call with {@code inLen} inputs writes: {@code
   * ceil(inLen * outRate / inRate)}.
   *
   * @param inLen the number of input samples, non-negative
   * @return the bound
   */
  public int maxOutput(int inLen) {
    if (inLen < 0) {
      throw new IllegalArgumentException("inLen=" + inLen + ", expected at least 0");
    }
    return (int) Math.min(Integer.MAX_VALUE, ceilDiv((long) inLen * upL, downM));
  }

  /** Returns the most samples {@link #finish} writes. */
  public int maxFinishOutput() {
    return identity ? 0 : (int) ceilDiv((long) (half + 1) * upL, downM) + 1;
  }

  /**
   * Returns the exact total output length for a total input length: {@code ceil(inLen * outRate /
   * inRate)}.
   *
   * @param inLen the total number of input samples
   * @return the number of output samples after {@link #finish}
   */
  public long outputLength(long inLen) {
    return ceilDiv(inLen * upL, downM);
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  /** Forgets all input and starts a new stream; allocates nothing. */
  public void reset() {
    totalIn = 0;
    nextOut = 0;
    nextBase = 0;
    nextPhase = 0;
    finished = false;
    if (!identity) {
      java.util.Arrays.fill(buf, 0f);
      bufStart = -half; // zeros before the first sample
      fill = half;
    }
  }

  /**
   * Consumes {@code len} input samples and writes every output sample that they complete.
   *
   * @param in input samples
   * @param off first input index
   * @param len number of input samples
   * @param out where output samples go; needs room for {@link #maxOutput(int) maxOutput(len)}
   * @param outOff first output index
   * @return the number of samples written
   * @throws IllegalStateException after {@link #finish} (until {@link #reset})
   * @throws IndexOutOfBoundsException if a range lies outside its array
   */
  public int process(float[] in, int off, int len, float[] out, int outOff) {
    if (finished) {
      throw new IllegalStateException("Resampler is finished; call reset() to start a new stream");
    }
    java.util.Objects.checkFromIndexSize(off, len, in.length);
    java.util.Objects.checkFromIndexSize(outOff, maxOutput(len), out.length);
    if (identity) {
      System.arraycopy(in, off, out, outOff, len);
      totalIn += len;
      return len;
    }
    int o = outOff;
    int consumed = 0;
    while (consumed < len) {
      int n = Math.min(len - consumed, buf.length - fill);
      System.arraycopy(in, off + consumed, buf, fill, n);
      fill += n;
      consumed += n;
      totalIn += n;
      o = drain(out, o, Long.MAX_VALUE);
      compact();
    }
    return o - outOff;
  }

  /**
   * Ends the stream: writes the remaining outputs, as if the input were followed by zeros, up to
   * the total of {@link #outputLength(long) outputLength(inputs consumed)}.
   *
   * @param out where output samples go; needs room for {@link #maxFinishOutput()}
   * @param outOff first output index
   * @return the number of samples written
   * @throws IllegalStateException if called twice without {@link #reset}
   */
  public int finish(float[] out, int outOff) {
    if (finished) {
      throw new IllegalStateException("Resampler is finished; call reset() to start a new stream");
    }
    finished = true;
    if (identity) {
      return 0;
    }
    long total = outputLength(totalIn);
    java.util.Objects.checkFromIndexSize(
        outOff, (int) Math.min(total - nextOut, Integer.MAX_VALUE), out.length);
    int o = outOff;
    while (nextOut < total) {
      long need = nextBase + half + 2 - (bufStart + fill);
      if (need > 0) {
        int n = (int) Math.min(need, buf.length - fill);
        java.util.Arrays.fill(buf, fill, fill + n, 0f);
        fill += n;
      }
      o = drain(out, o, total);
      compact();
    }
    return o - outOff;
  }

  private int drain(float[] out, int o, long limit) {
    final float[] b = buf;
    final float[] t = table;
    final int k = taps;
    long end = bufStart + fill;
    while (nextBase + half + 1 < end && nextOut < limit) {
      int start = (int) (nextBase - half - bufStart);
      float[] c;
      int cOff;
      if (interpolated) {
        double x = nextPhase * (double) interpPhases / upL;
        int p0 = (int) x;
        float w = (float) (x - p0);
        int r0 = p0 * k;
        int r1 = r0 + k;
        for (int i = 0; i < k; i++) {
          coef[i] = t[r0 + i] + w * (t[r1 + i] - t[r0 + i]);
        }
        c = coef;
        cOff = 0;
      } else {
        c = t;
        cOff = nextPhase * k;
      }
      float a0 = 0f;
      float a1 = 0f;
      float a2 = 0f;
      float a3 = 0f;
      int i = 0;
      for (; i + 3 < k; i += 4) {
        a0 += c[cOff + i] * b[start + i];
        a1 += c[cOff + i + 1] * b[start + i + 1];
        a2 += c[cOff + i + 2] * b[start + i + 2];
        a3 += c[cOff + i + 3] * b[start + i + 3];
      }
      for (; i < k; i++) {
        a0 += c[cOff + i] * b[start + i];
      }
      out[o++] = (a0 + a1) + (a2 + a3);
      nextOut++;
      nextBase += stepWhole;
      nextPhase += stepFrac;
      if (nextPhase >= upL) {
        nextPhase -= upL;
        nextBase++;
      }
    }
    return o;
  }

  private void compact() {
    long keep = nextBase - half;
    int drop = (int) Math.min(fill, keep - bufStart);
    if (drop > 0) {
      System.arraycopy(buf, drop, buf, 0, fill - drop);
      fill -= drop;
      bufStart += drop;
    }
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "Resampler[inRate=%d Hz, outRate=%d Hz, quality=%s, L=%d, M=%d, taps=%d, table=%s]",
        inRate,
        outRate,
        quality,
        upL,
        downM,
        taps,
        identity ? "identity" : interpolated ? "interpolated" : "exact");
  }
}
