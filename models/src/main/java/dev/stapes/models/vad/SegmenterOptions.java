package dev.stapes.models.vad;

/**
 * How speech probabilities become segments. The defaults are those of Silero's own {@code
 * get_speech_timestamps}: threshold 0.5, a segment ends when the probability stays below {@code
 * threshold - 0.15} for at least 100 ms, segments of 250 ms or less are dropped, and each segment
 * is padded by 30 ms on both sides (half the gap where two segments are closer than 60 ms).
 * Immutable.
 */
public final class SegmenterOptions {

  private final float threshold;
  private final float negThreshold;
  private final int minSilenceMs;
  private final int minSpeechMs;
  private final int speechPadMs;

  private SegmenterOptions(Builder b) {
    this.threshold = b.threshold;
    this.negThreshold =
        Float.isNaN(b.negThreshold) ? Math.max(b.threshold - 0.15f, 0.01f) : b.negThreshold;
    this.minSilenceMs = b.minSilenceMs;
    this.minSpeechMs = b.minSpeechMs;
    this.speechPadMs = b.speechPadMs;
  }

  /** The defaults of Silero's {@code get_speech_timestamps}. */
  public static SegmenterOptions defaults() {
    return builder().build();
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Probability at or above which a chunk is speech (default 0.5). */
  public float threshold() {
    return threshold;
  }

  /** Probability below which a chunk counts as silence inside speech (default threshold - 0.15). */
  public float negThreshold() {
    return negThreshold;
  }

  /** Silence needed to end a segment, in ms (default 100). */
  public int minSilenceMs() {
    return minSilenceMs;
  }

  /** Segments must be longer than this, in ms (default 250). */
  public int minSpeechMs() {
    return minSpeechMs;
  }

  /** Padding added to each side of a segment, in ms (default 30). */
  public int speechPadMs() {
    return speechPadMs;
  }

  @Override
  public String toString() {
    return "SegmenterOptions{threshold="
        + threshold
        + ", negThreshold="
        + negThreshold
        + ", minSilenceMs="
        + minSilenceMs
        + ", minSpeechMs="
        + minSpeechMs
        + ", speechPadMs="
        + speechPadMs
        + "}";
  }

  /** Builder of {@link SegmenterOptions}; {@code set}/{@code opt} style as elsewhere in Stapes. */
  public static final class Builder {
    private float threshold = 0.5f;
    private float negThreshold = Float.NaN;
    private int minSilenceMs = 100;
    private int minSpeechMs = 250;
    private int speechPadMs = 30;

    private Builder() {}

    /** Speech threshold in (0, 1]. */
    public Builder optThreshold(float threshold) {
      if (!(threshold > 0f && threshold <= 1f)) {
        throw new IllegalArgumentException("threshold=" + threshold + ", expected (0, 1]");
      }
      this.threshold = threshold;
      return this;
    }

    /** Exit threshold in (0, threshold]; default {@code max(threshold - 0.15, 0.01)}. */
    public Builder optNegThreshold(float negThreshold) {
      if (!(negThreshold > 0f && negThreshold <= 1f)) {
        throw new IllegalArgumentException("negThreshold=" + negThreshold + ", expected (0, 1]");
      }
      this.negThreshold = negThreshold;
      return this;
    }

    /** Minimum silence in ms, 0 to 60000. */
    public Builder optMinSilenceMs(int ms) {
      this.minSilenceMs = checkMs("minSilenceMs", ms);
      return this;
    }

    /** Minimum speech in ms, 0 to 60000. */
    public Builder optMinSpeechMs(int ms) {
      this.minSpeechMs = checkMs("minSpeechMs", ms);
      return this;
    }

    /** Padding in ms, 0 to 60000. */
    public Builder optSpeechPadMs(int ms) {
      this.speechPadMs = checkMs("speechPadMs", ms);
      return this;
    }

    private static int checkMs(String name, int ms) {
      if (ms < 0 || ms > 60_000) {
        throw new IllegalArgumentException(name + "=" + ms + " ms, expected 0 to 60000 ms");
      }
      return ms;
    }

    public SegmenterOptions build() {
      if (!Float.isNaN(negThreshold) && negThreshold > threshold) {
        throw new IllegalArgumentException(
            "negThreshold=" + negThreshold + ", expected at most threshold=" + threshold);
      }
      return new SegmenterOptions(this);
    }
  }
}
