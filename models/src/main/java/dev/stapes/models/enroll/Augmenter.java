package dev.stapes.models.enroll;

import dev.stapes.audio.Resampler;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Turns one trimmed take into many training clips: speed change (through Stapes' {@link
 * Resampler}), simple synthetic room reverb, gain, a time shift against the 80 ms chunk grid, and
 * added noise at several signal-to-noise ratios. Every clip is laid out as {@link #LEAD_SECONDS} of
 * background, the word, then {@link #TAIL_SECONDS} of background, so that the detector's 1.28 s
 * window has real context before the word ends.
 *
 * <p>Deterministic for a given seed. Not thread-safe.
 */
public final class Augmenter {

  /** Background before the word, in seconds (the embedding window needs over a second). */
  public static final double LEAD_SECONDS = 1.6;

  /** Background after the word, in seconds. */
  public static final double TAIL_SECONDS = 0.4;

  /** Speed factors drawn from (1 = unchanged). */
  static final double[] SPEEDS = {0.8, 0.86, 0.93, 1.0, 1.0, 1.07, 1.15, 1.25};

  /**
   * Signal-to-noise ratios drawn from, in dB; {@code +inf} means no added noise at all (digital
   * silence around the word, as in a clean file).
   */
  static final double[] SNRS_DB = {Double.POSITIVE_INFINITY, 40, 30, 20, 15, 10, 5, 0};

  /** A training clip: 16 kHz audio and where the word lies in it (samples, end exclusive). */
  public record Clip(float[] audio, int wordStart, int wordEnd) {}

  private final List<float[]> noises;
  private final SplittableRandom rnd;

  /**
   * @param noises background clips (16 kHz), looped and cut at random; may be empty (then only
   *     synthetic pink noise is used)
   */
  public Augmenter(List<float[]> noises, long seed) {
    this.noises = List.copyOf(noises);
    this.rnd = new SplittableRandom(seed);
  }

  /** The take unchanged, placed on the chunk grid with {@code shift} samples of offset. */
  public static Clip plain(float[] take, int shift) {
    int lead = (int) (LEAD_SECONDS * 16000) + shift;
    int tail = (int) (TAIL_SECONDS * 16000);
    float[] out = new float[lead + take.length + tail];
    System.arraycopy(take, 0, out, lead, take.length);
    return new Clip(out, lead, lead + take.length);
  }

  /** One randomly augmented clip of {@code take} (16 kHz, trimmed to the word). */
  public Clip next(float[] take) {
    return next(take, true);
  }

  /**
   * One augmented clip; without {@code changeSpeed} the voice stays the enrolled one (gain, room,
   * shift and noise only), as the speaker lock needs.
   */
  public Clip next(float[] take, boolean changeSpeed) {
    return next(take, changeSpeed ? SPEEDS[rnd.nextInt(SPEEDS.length)] : 1.0);
  }

  /** One augmented clip at speed {@code speed} (1 = the enrolled voice). */
  public Clip next(float[] take, double speed) {
    float[] word = take;
    if (speed != 1.0) {
      word = speed(word, speed);
    }
    if (rnd.nextInt(3) == 0) {
      word = reverb(word, 0.2 + 0.5 * rnd.nextDouble(), rnd);
    }
    double gainDb = -12 + 18 * rnd.nextDouble();
    scale(word, (float) Math.pow(10, gainDb / 20));
    Clip c = plain(word, rnd.nextInt(Embedder.CHUNK));
    double snr = SNRS_DB[rnd.nextInt(SNRS_DB.length)];
    float[] noise = background(c.audio().length);
    double speechPower = power(c.audio(), c.wordStart(), c.wordEnd());
    double np = power(noise, 0, noise.length);
    double target = Double.isInfinite(snr) ? 0 : speechPower / Math.pow(10, snr / 10);
    float g = np > 0 ? (float) Math.sqrt(target / np) : 0f;
    mix(c.audio(), noise, g);
    limit(c.audio());
    return c;
  }

  /**
   * A hard negative made from a take, in the enrolled voice, that must not fire: the word's first
   * part followed by other audio ("hey" + something else), its last part alone, or the take played
   * backwards (the voice without the word).
   */
  public float[] nearMiss(float[] take, int kind) {
    int n = take.length;
    switch (kind % 3) {
      case 0 -> {
        int cut = (int) (n * (0.35 + 0.2 * rnd.nextDouble()));
        float[] other = background((int) (16000 * (0.3 + 0.4 * rnd.nextDouble())));
        float po = peak(other, 0, other.length);
        float pt = peak(take, 0, n);
        if (po > 0) {
          scale(other, pt / po);
        }
        float[] out = new float[cut + other.length];
        System.arraycopy(take, 0, out, 0, cut);
        System.arraycopy(other, 0, out, cut, other.length);
        return out;
      }
      case 1 -> {
        int cut = (int) (n * (0.4 + 0.2 * rnd.nextDouble()));
        return java.util.Arrays.copyOfRange(take, cut, n);
      }
      default -> {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
          out[i] = take[n - 1 - i];
        }
        return out;
      }
    }
  }

  /** A background clip of {@code n} samples: a random cut of a noise clip, or pink noise. */
  float[] background(int n) {
    float[] out = new float[n];
    if (!noises.isEmpty() && rnd.nextInt(4) != 0) {
      float[] src = noises.get(rnd.nextInt(noises.size()));
      int start = rnd.nextInt(src.length);
      for (int i = 0; i < n; i++) {
        out[i] = src[(start + i) % src.length];
      }
    } else {
      pink(out, rnd);
    }
    return out;
  }

  /** {@code x} played {@code factor} times faster (pitch moves with it, as in a faster voice). */
  static float[] speed(float[] x, double factor) {
    int outRate = (int) Math.round(16000 / factor / 100) * 100; // small terms: a cheap filter
    Resampler r = new Resampler(16000, outRate, Resampler.Quality.FAST);
    float[] out = new float[(int) r.outputLength(x.length) + r.maxFinishOutput() + 16];
    int n = r.process(x, 0, x.length, out, 0);
    n += r.finish(out, n);
    return java.util.Arrays.copyOf(out, n);
  }

  /**
   * A simple synthetic room: the direct sound plus 64 sparse reflections at random delays whose
   * level decays by 60 dB over {@code rt60} seconds; the tail is kept.
   */
  static float[] reverb(float[] x, double rt60, SplittableRandom rnd) {
    int taps = 64;
    int maxDelay = (int) (rt60 * 0.6 * 16000);
    int[] delay = new int[taps];
    float[] amp = new float[taps];
    for (int i = 0; i < taps; i++) {
      delay[i] = 40 + rnd.nextInt(Math.max(1, maxDelay - 40));
      double t = delay[i] / 16000.0;
      amp[i] = (float) ((rnd.nextBoolean() ? 1 : -1) * 0.5 * Math.exp(-6.91 * t / rt60));
    }
    float[] y = new float[x.length + maxDelay];
    System.arraycopy(x, 0, y, 0, x.length);
    for (int k = 0; k < taps; k++) {
      int d = delay[k];
      float a = amp[k] * (float) (0.5 + rnd.nextDouble());
      for (int i = 0; i < x.length; i++) {
        y[i + d] += a * x[i];
      }
    }
    float peakX = peak(x, 0, x.length);
    float peakY = peak(y, 0, y.length);
    if (peakY > 0) {
      scale(y, peakX / peakY);
    }
    return y;
  }

  /** Fills {@code out} with pink noise (Paul Kellet's filter on white noise), unit-ish level. */
  static void pink(float[] out, SplittableRandom rnd) {
    double b0 = 0;
    double b1 = 0;
    double b2 = 0;
    for (int i = 0; i < out.length; i++) {
      double w = rnd.nextDouble() * 2 - 1;
      b0 = 0.99765 * b0 + w * 0.0990460;
      b1 = 0.96300 * b1 + w * 0.2965164;
      b2 = 0.57000 * b2 + w * 1.0526913;
      out[i] = (float) ((b0 + b1 + b2 + w * 0.1848) * 0.2);
    }
  }

  /** Mean square of {@code x[from, to)}. */
  static double power(float[] x, int from, int to) {
    double s = 0;
    for (int i = from; i < to; i++) {
      s += (double) x[i] * x[i];
    }
    return to > from ? s / (to - from) : 0;
  }

  /** Largest absolute value of {@code x[from, to)}. */
  static float peak(float[] x, int from, int to) {
    float m = 0;
    for (int i = from; i < to; i++) {
      m = Math.max(m, Math.abs(x[i]));
    }
    return m;
  }

  static void scale(float[] x, float g) {
    for (int i = 0; i < x.length; i++) {
      x[i] *= g;
    }
  }

  /** {@code x += g * noise} over the length of {@code x}. */
  static void mix(float[] x, float[] noise, float g) {
    for (int i = 0; i < x.length; i++) {
      x[i] += g * noise[i];
    }
  }

  /** Scales down so that the peak is at most 0.99 (no clipping). */
  static void limit(float[] x) {
    float p = peak(x, 0, x.length);
    if (p > 0.99f) {
      scale(x, 0.99f / p);
    }
  }
}
