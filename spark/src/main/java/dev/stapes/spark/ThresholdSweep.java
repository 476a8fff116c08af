package dev.stapes.spark;

import java.util.Arrays;

/**
 * Counts the detections a wake-word score trace gives at each of several thresholds at once, with
 * the rule of the wake-word detector: a detection on the first chunk whose score reaches the
 * threshold, the next one only after the score stayed below it for the re-arm time. One thread at a
 * time; allocates nothing per chunk.
 */
final class ThresholdSweep {
  private final float[] thresholds;
  private final int rearmChunks;
  private final boolean[] armed;
  private final int[] below;
  private final int[] counts;
  private float max = Float.NEGATIVE_INFINITY;

  /**
   * @param thresholds the thresholds, each in (0, 1]
   * @param rearmChunks chunks below the threshold before the next detection
   */
  ThresholdSweep(float[] thresholds, int rearmChunks) {
    this.thresholds = thresholds.clone();
    this.rearmChunks = rearmChunks;
    armed = new boolean[thresholds.length];
    below = new int[thresholds.length];
    counts = new int[thresholds.length];
    Arrays.fill(armed, true);
  }

  /** Takes the score of the next chunk. */
  void accept(float score) {
    max = Math.max(max, score);
    for (int i = 0; i < thresholds.length; i++) {
      if (score >= thresholds[i]) {
        below[i] = 0;
        if (armed[i]) {
          armed[i] = false;
          counts[i]++;
        }
      } else if (!armed[i] && ++below[i] >= rearmChunks) {
        armed[i] = true;
      }
    }
  }

  /** Detections so far at each threshold, in the order given. */
  int[] counts() {
    return counts.clone();
  }

  /** The highest score so far; 0 before the first chunk. */
  float max() {
    return max == Float.NEGATIVE_INFINITY ? 0f : max;
  }
}
