package dev.stapes.models.enroll;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Learns a new wake word from a few takes on the shared base ({@link Embedder}).
 *
 * <p>The method: every take is placed on the chunk grid as it is and in {@link
 * Options#augmentations()} - 1 augmented copies ({@link Augmenter}); each copy runs through the
 * base like a live stream. Windows whose last chunk ends from half a chunk before the word's end to
 * {@link #POSITIVE_AFTER_SECONDS} after it are positives; windows that end before the first {@link
 * #NEGATIVE_PREFIX} of the word (background and the word's start) are negatives, with every second
 * window of the training negatives ({@link Negatives}). A {@link LogisticHead} is fitted; its
 * threshold is the lowest logit at which the calibration negatives give at most {@code
 * targetFaPerHour} false accepts per hour (detections as the detector counts them: one per
 * crossing, re-armed after 1 s below), plus {@link Options#marginLogit()}; the recall printed with
 * it is measured on augmented copies of the takes drawn with another seed, which training never
 * saw.
 *
 * <p>Not thread-safe (the embedder is not).
 */
public final class Enroller {

  /** Positives: windows ending up to this long after the word's end. */
  public static final double POSITIVE_AFTER_SECONDS = 0.32;

  /** In-clip negatives: windows ending before this fraction of the word. */
  public static final double NEGATIVE_PREFIX = 0.3;

  /** Chunks below the threshold before a word fires again (1 s, as the detector). */
  public static final int REARM_CHUNKS = 13;

  /** Enrollment settings. */
  public record Options(
      int augmentations,
      int validationAugmentations,
      int nearMisses,
      double targetFaPerHour,
      double marginLogit,
      long seed,
      LogisticHead.Options head,
      boolean speakerLock) {

    /**
     * 20 training copies, 6 validation copies and 12 near misses per take, 0.5 false accepts per
     * hour, margin 0.5.
     */
    public static Options defaults() {
      return new Options(20, 6, 12, 0.5, 0.5, 1234L, LogisticHead.Options.defaults(), false);
    }

    /** These options with the speaker lock on or off. */
    public Options withSpeakerLock(boolean on) {
      return new Options(
          augmentations,
          validationAugmentations,
          nearMisses,
          targetFaPerHour,
          marginLogit,
          seed,
          head,
          on);
    }

    /** These options with another number of training copies per take. */
    public Options withAugmentations(int n) {
      return new Options(
          n,
          validationAugmentations,
          nearMisses,
          targetFaPerHour,
          marginLogit,
          seed,
          head,
          speakerLock);
    }

    /** These options with another false-accept target. */
    public Options withTarget(double faPerHour) {
      return new Options(
          augmentations,
          validationAugmentations,
          nearMisses,
          faPerHour,
          marginLogit,
          seed,
          head,
          speakerLock);
    }
  }

  /** What enrollment measured. */
  public record Report(
      int positives,
      int negatives,
      double trainingNegativeHours,
      double calibrationHours,
      int calibrationFalseAccepts,
      double threshold,
      double expectedRecall,
      int validationClips,
      double embedSeconds,
      double trainSeconds,
      double totalSeconds) {}

  /**
   * The trained head, its threshold (a logit) and the report; with the speaker lock also the
   * verifier head and its threshold (else null and NaN).
   */
  public record Result(
      LogisticHead head,
      double threshold,
      Report report,
      LogisticHead verifier,
      double verifierThreshold) {}

  /** Share of the enrolled voice's validation copies the verifier threshold accepts. */
  public static final double VERIFIER_ACCEPT = 0.95;

  private final Embedder embedder;

  /** An enroller on {@code embedder} (not closed by the enroller). */
  public Enroller(Embedder embedder) {
    this.embedder = embedder;
  }

  /**
   * Enrolls from {@code takes} (16 kHz, each trimmed to the word).
   *
   * @param noises background clips for augmentation (16 kHz)
   */
  public Result enroll(
      List<float[]> takes,
      List<Negatives.Clip> trainNegatives,
      List<Negatives.Clip> calibrationNegatives,
      List<float[]> noises,
      Options o) {
    if (takes.isEmpty()) {
      throw new IllegalArgumentException("takes is empty, expected 1 or more");
    }
    if (calibrationNegatives.isEmpty()) {
      throw new IllegalArgumentException("calibrationNegatives is empty, expected 1 or more");
    }
    long t0 = System.nanoTime();
    int d = Embedder.WINDOW * Embedder.DIM;
    Rows rows = new Rows(d);
    Augmenter aug = new Augmenter(noises, o.seed());
    for (float[] take : takes) {
      for (int a = 0; a < o.augmentations(); a++) {
        Augmenter.Clip c = a == 0 ? Augmenter.plain(take, 0) : aug.next(take);
        addClip(rows, embedder.sequence(c.audio()), c.wordStart(), c.wordEnd());
      }
    }
    int positives = rows.positives;
    for (float[] take : takes) {
      for (int a = 0; a < o.nearMisses(); a++) {
        Augmenter.Clip c = aug.next(aug.nearMiss(take, a));
        float[] seq = embedder.sequence(c.audio());
        int chunks = seq.length / Embedder.DIM - Embedder.WINDOW;
        for (int k = Math.max(Embedder.SILENT_CHUNKS, c.wordStart() / Embedder.CHUNK);
            k < chunks;
            k++) {
          rows.add(seq, (k + 1) * Embedder.DIM, (byte) 0);
        }
      }
    }
    for (Negatives.Clip n : trainNegatives) {
      float[] seq = n.sequence();
      for (int c = Embedder.SILENT_CHUNKS; c < n.chunks(); c += 2) {
        rows.add(seq, (c + 1) * Embedder.DIM, (byte) 0);
      }
    }
    // validation copies, another seed
    Augmenter val = new Augmenter(noises, o.seed() ^ 0x9e3779b97f4a7c15L);
    List<float[]> valSeqs = new ArrayList<>();
    List<int[]> valSpans = new ArrayList<>();
    for (float[] take : takes) {
      for (int a = 0; a < o.validationAugmentations(); a++) {
        Augmenter.Clip c = val.next(take);
        valSeqs.add(embedder.sequence(c.audio()));
        valSpans.add(new int[] {c.wordStart(), c.wordEnd()});
      }
    }
    long t1 = System.nanoTime();
    LogisticHead head = LogisticHead.train(rows.x(), rows.y(), d, o.head());
    long t2 = System.nanoTime();
    List<float[]> calLogits = new ArrayList<>();
    for (Negatives.Clip n : calibrationNegatives) {
      calLogits.add(logits(head, n.sequence()));
    }
    double calHours = Negatives.hours(calibrationNegatives);
    int allowed = (int) Math.floor(o.targetFaPerHour() * calHours);
    double t = calibrate(calLogits, allowed) + o.marginLogit();
    int fa = 0;
    for (float[] l : calLogits) {
      fa += falseAccepts(l, t);
    }
    int hit = 0;
    for (float[] s : valSeqs) {
      if (peak(logits(head, s)) >= t) {
        hit++;
      }
    }
    LogisticHead verifier = null;
    double vt = Double.NaN;
    if (o.speakerLock()) {
      // second stage: the enrolled voice saying the word (no speed change, which would change the
      // voice) against other people's speech; accepts VERIFIER_ACCEPT of held-out copies
      Rows vr = new Rows(d);
      Augmenter same = new Augmenter(noises, o.seed() + 17);
      for (float[] take : takes) {
        for (int a = 0; a < o.augmentations(); a++) {
          Augmenter.Clip c = a == 0 ? Augmenter.plain(take, 0) : same.next(take, false);
          addPositives(vr, embedder.sequence(c.audio()), c.wordEnd());
        }
      }
      // the same word in shifted voices: the takes at speeds far from 1 (tempo, pitch and formants
      // move together, the nearest thing to another speaker that the takes hold)
      double[] shifted = {0.8, 0.85, 1.18, 1.25};
      Rows shiftedRows = new Rows(d);
      for (float[] take : takes) {
        for (int a = 0; a < o.augmentations(); a++) {
          Augmenter.Clip c = same.next(take, shifted[a % shifted.length]);
          addPositives(shiftedRows, embedder.sequence(c.audio()), c.wordEnd());
        }
      }
      for (int i = 0; i < shiftedRows.count; i++) {
        vr.add(shiftedRows.x, i * d, (byte) 0);
      }
      for (Negatives.Clip n : trainNegatives) {
        float[] seq = n.sequence();
        for (int c = Embedder.SILENT_CHUNKS; c < n.chunks(); c += 4) {
          vr.add(seq, (c + 1) * Embedder.DIM, (byte) 0);
        }
      }
      verifier = LogisticHead.train(vr.x(), vr.y(), d, o.head());
      Augmenter held = new Augmenter(noises, o.seed() + 29);
      List<Float> accepted = new ArrayList<>();
      for (float[] take : takes) {
        for (int a = 0; a < o.validationAugmentations(); a++) {
          Augmenter.Clip c = held.next(take, false);
          float[] seq = embedder.sequence(c.audio());
          accepted.add(verifierAtDetection(head, t, verifier, seq));
        }
      }
      float[] v = new float[accepted.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = accepted.get(i);
      }
      Arrays.sort(v);
      vt = v[(int) Math.floor((1 - VERIFIER_ACCEPT) * (v.length - 1))];
      if (!Double.isFinite(vt)) {
        vt = 0;
      }
    }
    long t3 = System.nanoTime();
    Report r =
        new Report(
            positives,
            rows.count - positives,
            Negatives.hours(trainNegatives),
            calHours,
            fa,
            t,
            valSeqs.isEmpty() ? Double.NaN : hit / (double) valSeqs.size(),
            valSeqs.size(),
            (t1 - t0) / 1e9,
            (t2 - t1) / 1e9,
            (t3 - t0) / 1e9);
    return new Result(head, t, r, verifier, vt);
  }

  /**
   * The verifier's highest logit over the chunks where the first stage is at or above its threshold
   * ({@code -inf} when it never is).
   */
  public static float verifierAtDetection(
      LogisticHead head, double threshold, LogisticHead verifier, float[] seq) {
    float[] l = logits(head, seq);
    float best = Float.NEGATIVE_INFINITY;
    for (int c = 0; c < l.length; c++) {
      if (l[c] >= threshold) {
        best = Math.max(best, verifier.logit(seq, (c + 1) * Embedder.DIM));
      }
    }
    return best;
  }

  /** Adds the positive windows of one clip (no negatives). */
  static void addPositives(Rows rows, float[] seq, int wordEnd) {
    int chunks = seq.length / Embedder.DIM - Embedder.WINDOW;
    long posFrom = wordEnd - Embedder.CHUNK / 2;
    long posTo = wordEnd + Math.round(POSITIVE_AFTER_SECONDS * 16000);
    for (int c = Embedder.SILENT_CHUNKS; c < chunks; c++) {
      long end = (long) (c + 1) * Embedder.CHUNK;
      if (end >= posFrom && end <= posTo) {
        rows.add(seq, (c + 1) * Embedder.DIM, (byte) 1);
      }
    }
  }

  /** Adds the positive and negative windows of one clip's sequence to {@code rows}. */
  static void addClip(Rows rows, float[] seq, int wordStart, int wordEnd) {
    int chunks = seq.length / Embedder.DIM - Embedder.WINDOW;
    int chunk = Embedder.CHUNK;
    long posFrom = wordEnd - chunk / 2;
    long posTo = wordEnd + Math.round(POSITIVE_AFTER_SECONDS * 16000);
    long negTo = wordStart + Math.round(NEGATIVE_PREFIX * (wordEnd - wordStart));
    for (int c = Embedder.SILENT_CHUNKS; c < chunks; c++) {
      long end = (long) (c + 1) * chunk;
      if (end >= posFrom && end <= posTo) {
        rows.add(seq, (c + 1) * Embedder.DIM, (byte) 1);
      } else if (end <= negTo && (c & 1) == 0) {
        rows.add(seq, (c + 1) * Embedder.DIM, (byte) 0);
      }
    }
  }

  /** The head's logit after every chunk of a sequence (chunks the detector leaves silent: -inf). */
  public static float[] logits(LogisticHead head, float[] seq) {
    int chunks = seq.length / Embedder.DIM - Embedder.WINDOW;
    float[] out = new float[chunks];
    for (int c = 0; c < chunks; c++) {
      out[c] =
          c < Embedder.SILENT_CHUNKS
              ? Float.NEGATIVE_INFINITY
              : head.logit(seq, (c + 1) * Embedder.DIM);
    }
    return out;
  }

  /** Largest value. */
  public static float peak(float[] logits) {
    float m = Float.NEGATIVE_INFINITY;
    for (float v : logits) {
      m = Math.max(m, v);
    }
    return m;
  }

  /**
   * Detections of a negative stream at threshold {@code t}, as the detector counts them: a
   * detection on a chunk at or above {@code t} while armed; re-armed after {@link #REARM_CHUNKS}
   * chunks below.
   */
  public static int falseAccepts(float[] logits, double t) {
    int n = 0;
    boolean armed = true;
    int below = 0;
    for (float v : logits) {
      if (v >= t) {
        below = 0;
        if (armed) {
          armed = false;
          n++;
        }
      } else if (!armed && ++below >= REARM_CHUNKS) {
        armed = true;
      }
    }
    return n;
  }

  /**
   * The lowest threshold (a logit) at which {@code streams} give at most {@code allowed}
   * detections.
   */
  static double calibrate(List<float[]> streams, int allowed) {
    int total = 0;
    for (float[] s : streams) {
      total += s.length;
    }
    float[] all = new float[total];
    int k = 0;
    for (float[] s : streams) {
      System.arraycopy(s, 0, all, k, s.length);
      k += s.length;
    }
    Arrays.sort(all);
    // binary search over the candidates (detections fall as the threshold rises)
    int lo = 0;
    int hi = all.length; // index all.length means "above the maximum"
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      double t = Math.nextUp(all[mid]);
      int fa = 0;
      for (float[] s : streams) {
        fa += falseAccepts(s, t);
      }
      if (fa <= allowed) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    float top = all[Math.min(lo, all.length - 1)];
    return Float.isInfinite(top) ? 0 : Math.nextUp(top);
  }

  /** A growing table of feature rows. */
  static final class Rows {
    final int d;
    float[] x = new float[0];
    byte[] y = new byte[0];
    int count;
    int positives;

    Rows(int d) {
      this.d = d;
    }

    void add(float[] src, int off, byte label) {
      if (count == y.length) {
        int cap = Math.max(1024, count * 2);
        x = Arrays.copyOf(x, cap * d);
        y = Arrays.copyOf(y, cap);
      }
      System.arraycopy(src, off, x, count * d, d);
      y[count++] = label;
      positives += label;
    }

    float[] x() {
      return Arrays.copyOf(x, count * d);
    }

    byte[] y() {
      return Arrays.copyOf(y, count);
    }
  }
}
