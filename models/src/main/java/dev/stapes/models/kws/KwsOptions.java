package dev.stapes.models.kws;

/**
 * Settings of a {@link KeywordSpotter}. Immutable; build with {@link #builder()}.
 *
 * @param hopSamples samples between two consecutive windows (default 1600: 100 ms at 16 kHz)
 * @param smoothingWindows number of consecutive windows whose posteriors are averaged (default 3)
 * @param threshold smoothed posterior at which a keyword event starts (default 0.6)
 * @param releaseThreshold smoothed posterior below which the event ends (default 0.3)
 * @param minWindows windows a keyword must lead at or above the threshold to count (default 3)
 */
public record KwsOptions(
    int hopSamples, int smoothingWindows, float threshold, float releaseThreshold, int minWindows) {

  /** Samples per window: KWT-1 classifies one second at 16 kHz. */
  public static final int WINDOW_SAMPLES = 16000;

  /** The model's sample rate in Hz. */
  public static final int SAMPLE_RATE = 16000;

  public KwsOptions {
    if (hopSamples < 1 || hopSamples > WINDOW_SAMPLES) {
      throw new IllegalArgumentException(
          "hopSamples=" + hopSamples + ", expected 1.." + WINDOW_SAMPLES + " samples at 16 kHz");
    }
    if (smoothingWindows < 1 || smoothingWindows > 100) {
      throw new IllegalArgumentException(
          "smoothingWindows=" + smoothingWindows + ", expected 1..100 windows");
    }
    if (!(threshold > 0 && threshold <= 1)) {
      throw new IllegalArgumentException("threshold=" + threshold + ", expected (0, 1]");
    }
    if (!(releaseThreshold >= 0 && releaseThreshold <= threshold)) {
      throw new IllegalArgumentException(
          "releaseThreshold=" + releaseThreshold + ", expected [0, threshold=" + threshold + "]");
    }
    if (minWindows < 1 || minWindows > 100) {
      throw new IllegalArgumentException("minWindows=" + minWindows + ", expected 1..100 windows");
    }
  }

  /** The defaults: 100 ms hop, 3 windows of smoothing, 0.6 to start, 0.3 to end, 3 windows. */
  public static KwsOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Hop in milliseconds. */
  public double hopMs() {
    return hopSamples * 1000.0 / SAMPLE_RATE;
  }

  @Override
  public String toString() {
    return "KwsOptions[hopSamples="
        + hopSamples
        + " ("
        + hopMs()
        + " ms), smoothingWindows="
        + smoothingWindows
        + ", threshold="
        + threshold
        + ", releaseThreshold="
        + releaseThreshold
        + ", minWindows="
        + minWindows
        + "]";
  }

  /** Builder of {@link KwsOptions}; every setting is optional. */
  public static final class Builder {
    private int hopSamples = 1600;
    private int smoothingWindows = 3;
    private float threshold = 0.6f;
    private float releaseThreshold = 0.3f;
    private int minWindows = 3;

    private Builder() {}

    public Builder optHopSamples(int samples) {
      this.hopSamples = samples;
      return this;
    }

    /** Hop in milliseconds, rounded to whole samples at 16 kHz. */
    public Builder optHopMs(double ms) {
      double max = WINDOW_SAMPLES * 1000.0 / SAMPLE_RATE;
      double min = 1000.0 / SAMPLE_RATE;
      if (!(ms >= min && ms <= max)) {
        // checked before the conversion to samples, which would overflow
        throw new IllegalArgumentException(
            "hop=" + ms + " ms, expected " + min + " to " + max + " ms (1 sample to one window)");
      }
      this.hopSamples = (int) Math.round(ms * SAMPLE_RATE / 1000.0);
      return this;
    }

    public Builder optSmoothingWindows(int windows) {
      this.smoothingWindows = windows;
      return this;
    }

    public Builder optThreshold(float threshold) {
      this.threshold = threshold;
      return this;
    }

    public Builder optReleaseThreshold(float releaseThreshold) {
      this.releaseThreshold = releaseThreshold;
      return this;
    }

    public Builder optMinWindows(int windows) {
      this.minWindows = windows;
      return this;
    }

    public KwsOptions build() {
      return new KwsOptions(hopSamples, smoothingWindows, threshold, releaseThreshold, minWindows);
    }
  }
}
