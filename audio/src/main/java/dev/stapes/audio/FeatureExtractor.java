package dev.stapes.audio;

/** Whole-signal feature extraction: the offline counterpart of {@link OnlineFeature}. */
public final class FeatureExtractor {
  private FeatureExtractor() {}

  /**
   * Features of {@code samples} (at {@link FeatureConfig#sampleRate()}, in [-1, 1]) as {@code
   * [frames][bins]}.
   */
  public static float[][] compute(float[] samples, FeatureConfig config) {
    return computeFlat(samples, config).toArray();
  }

  /** Features of {@code samples} as one row-major matrix. */
  public static FeatureMatrix computeFlat(float[] samples, FeatureConfig config) {
    long expected = config.numFrames(samples.length);
    OnlineFeature f =
        new OnlineFeature(
            config, OnlineFeature.FloorMode.DEFERRED, (int) Math.min(expected + 1, 1 << 26));
    f.acceptWaveform(samples, 0, samples.length);
    f.inputFinished();
    int frames = Math.toIntExact(f.numFramesReady());
    float[] data = new float[Math.multiplyExact(frames, f.numBins())];
    for (int i = 0; i < frames; i++) {
      f.getFrame(i, data, i * f.numBins());
    }
    return finish(data, frames, config);
  }

  /**
   * Completes rows produced by an {@link OnlineFeature} in {@link OnlineFeature.FloorMode#DEFERRED}
   * mode over a whole signal: applies the global floor ({@code max - topDb * outScale}) and the DCT
   * if the config has them. Rows of a config without a global floor are returned as they are.
   *
   * @param data {@code frames} rows of the deferred width, row-major; modified in place
   */
  public static FeatureMatrix finish(float[] data, int frames, FeatureConfig config) {
    if (!config.hasGlobalFloor()) {
      return new FeatureMatrix(frames, config.numBins(), data);
    }
    int nMels = config.nMels();
    if (data.length != (long) frames * nMels) {
      throw new IllegalArgumentException(
          "data length=" + data.length + ", expected frames*nMels=" + ((long) frames * nMels));
    }
    float max = Float.NEGATIVE_INFINITY;
    for (float v : data) {
      if (v > max) {
        max = v;
      }
    }
    float lo = max - config.topDb() * config.outScale();
    for (int i = 0; i < data.length; i++) {
      if (data[i] < lo) {
        data[i] = lo;
      }
    }
    if (config.nMfcc() == 0) {
      return new FeatureMatrix(frames, nMels, data);
    }
    int nMfcc = config.nMfcc();
    float[] dct = FeaturePipeline.dctMatrix(nMfcc, nMels);
    float[] out = new float[frames * nMfcc];
    for (int f = 0; f < frames; f++) {
      for (int k = 0; k < nMfcc; k++) {
        float acc = 0f;
        for (int n = 0; n < nMels; n++) {
          acc += dct[k * nMels + n] * data[f * nMels + n];
        }
        out[f * nMfcc + k] = acc;
      }
    }
    return new FeatureMatrix(frames, nMfcc, out);
  }
}
