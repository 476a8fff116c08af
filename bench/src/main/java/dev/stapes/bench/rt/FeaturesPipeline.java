package dev.stapes.bench.rt;

import dev.stapes.audio.FeatureConfig;
import dev.stapes.audio.OnlineFeature;

/**
 * A frontend preset through {@link OnlineFeature}: each chunk pushed, ready frames read, popped.
 */
final class FeaturesPipeline implements ChunkPipeline {
  private final OnlineFeature feature;
  private final float[] frame;
  private final int chunk;
  private final String name;
  private double sum;

  FeaturesPipeline(String preset, double chunkMs) {
    String p = preset == null ? "kaldi-fbank" : preset;
    FeatureConfig config = FeatureConfig.preset(p);
    feature = new OnlineFeature(config);
    frame = new float[feature.numBins()];
    chunk =
        Pipelines.samples(
            PipelineSpec.of("features").withChunkMs(chunkMs), 10, config.sampleRate());
    name = "features:" + p;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int sampleRate() {
    return feature.config().sampleRate();
  }

  @Override
  public int chunkSamples() {
    return chunk;
  }

  @Override
  public void process(float[] c) {
    feature.acceptWaveform(c, 0, chunk);
    long ready = feature.numFramesReady();
    for (long f = feature.firstFrameAvailable(); f < ready; f++) {
      feature.getFrame(f, frame);
      sum += frame[0];
    }
    feature.pop(ready - feature.firstFrameAvailable());
  }

  @Override
  public double checksum() {
    return sum;
  }

  @Override
  public void close() {}
}
