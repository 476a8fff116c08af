package dev.stapes.models.wakeword;

import dev.stapes.audio.FeatureConfig;
import dev.stapes.audio.OnlineFeature;
import dev.stapes.models.ModelDescriptors;

/**
 * {@link MelFrontend} on Stapes' own frontend: the {@code oww-mel} preset of {@code
 * dev.stapes.audio} streamed through an {@link OnlineFeature}, plus the 80 dB floor that {@code
 * melspectrogram.onnx} applies below the maximum of each call. openWakeWord's call on a chunk
 * covers exactly the frames that the chunk completes (the first 5, then 8 at a time), so the floor
 * is taken over the new frames.
 */
final class StapesMelFrontend implements MelFrontend {

  /** The preset's name. */
  static final String PRESET = "oww-mel";

  private static final float TOP_DB = 80f;
  private static final FeatureConfig CONFIG = FeatureConfig.preset(PRESET);

  private OnlineFeature feature = new OnlineFeature(CONFIG);

  StapesMelFrontend() {
    if (CONFIG.numBins() != BINS) {
      throw new IllegalStateException(
          "preset " + PRESET + " has " + CONFIG.numBins() + " bins, expected " + BINS);
    }
  }

  @Override
  public int process(float[] samples, int offset, float[] dst) {
    feature.acceptWaveform(samples, offset, ModelDescriptors.OWW_CHUNK);
    long first = feature.firstFrameAvailable();
    int n = (int) (feature.numFramesReady() - first);
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      feature.getFrame(first + i, dst, i * BINS);
    }
    for (int i = 0; i < n * BINS; i++) {
      max = Math.max(max, dst[i]);
    }
    float floor = max - TOP_DB;
    for (int i = 0; i < n * BINS; i++) {
      if (dst[i] < floor) {
        dst[i] = floor;
      }
    }
    feature.pop(n);
    return n;
  }

  @Override
  public void reset() {
    feature = new OnlineFeature(CONFIG);
  }

  @Override
  public void close() {}
}
