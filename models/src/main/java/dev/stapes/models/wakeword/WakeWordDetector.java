package dev.stapes.models.wakeword;

import java.util.List;

/**
 * Turns per-chunk scores into detections, one per utterance: a keyword fires on the first chunk
 * whose score reaches the threshold, and fires again only after its score has stayed below the
 * threshold for the re-arm time (default 1 s). Allocates nothing per chunk. One thread at a time.
 */
public final class WakeWordDetector {

  /** Receives detections on the thread that calls {@link #accept}. */
  public interface Listener {
    /**
     * Keyword {@code k} reached the threshold in the chunk ending at sample {@code endSample}, with
     * {@code score}.
     */
    void detected(int k, long endSample, float score);

    /**
     * The utterance of keyword {@code k} detected earlier ended (its score fell below the
     * threshold); {@code peak} is its highest score. Default: nothing.
     */
    default void ended(int k, float peak) {}
  }

  /** Default threshold. */
  public static final float DEFAULT_THRESHOLD = 0.5f;

  /** Default re-arm time in seconds. */
  public static final double DEFAULT_REARM_SECONDS = 1.0;

  private final float threshold;
  private final int rearmChunks;
  private final Listener listener;
  private final boolean[] armed;
  private final boolean[] active;
  private final int[] below;
  private final float[] peak;

  /**
   * A detector for {@code keywords} scores.
   *
   * @param threshold score at or above which a keyword is heard, in (0, 1]
   * @param rearmSeconds silence (score below threshold) needed before the same keyword fires again
   */
  public WakeWordDetector(
      List<String> keywords, float threshold, double rearmSeconds, Listener listener) {
    if (!(threshold > 0f && threshold <= 1f)) {
      throw new IllegalArgumentException("threshold=" + threshold + ", expected (0, 1]");
    }
    if (!(rearmSeconds >= 0 && rearmSeconds <= 3600)) {
      throw new IllegalArgumentException(
          "rearmSeconds=" + rearmSeconds + " s, expected 0 to 3600 s");
    }
    this.threshold = threshold;
    this.rearmChunks = (int) Math.ceil(rearmSeconds / 0.08);
    this.listener = listener;
    int k = keywords.size();
    armed = new boolean[k];
    active = new boolean[k];
    below = new int[k];
    peak = new float[k];
    reset();
  }

  /** Back to the initial state: every keyword armed. */
  public void reset() {
    java.util.Arrays.fill(armed, true);
    java.util.Arrays.fill(active, false);
    java.util.Arrays.fill(below, 0);
    java.util.Arrays.fill(peak, 0f);
  }

  /** Takes the scores of the chunk of {@code stream} that ended at sample {@code endSample}. */
  public void accept(WakeWordStream stream, long endSample) {
    for (int k = 0; k < armed.length; k++) {
      float s = stream.score(k);
      if (s >= threshold) {
        below[k] = 0;
        if (active[k]) {
          peak[k] = Math.max(peak[k], s);
        } else if (armed[k]) {
          armed[k] = false;
          active[k] = true;
          peak[k] = s;
          listener.detected(k, endSample, s);
        }
      } else {
        if (active[k]) {
          active[k] = false;
          listener.ended(k, peak[k]);
        }
        if (!armed[k] && ++below[k] >= rearmChunks) {
          armed[k] = true;
        }
      }
    }
  }

  /** Reports the end of utterances still above the threshold when the stream stops. */
  public void finish() {
    for (int k = 0; k < active.length; k++) {
      if (active[k]) {
        active[k] = false;
        listener.ended(k, peak[k]);
      }
    }
  }
}
