package dev.stapes.models.features;

import dev.stapes.audio.FeatureConfig;
import dev.stapes.audio.OnlineFeature;
import dev.stapes.models.Pipeline;
import dev.stapes.models.PipelineConfig;
import dev.stapes.models.PipelineSink;
import dev.stapes.models.PipelineStream;
import dev.stapes.models.internal.AbstractPipelineStream;

/**
 * Streaming features as a {@link Pipeline}: an {@link OnlineFeature} of a {@link FeatureConfig}.
 * Every frame goes to {@link PipelineSink#onFrame} as soon as it is complete; {@link
 * PipelineStream#endOfInput} emits the frames that only the end of input completes. The frames do
 * not depend on how the input is chunked.
 */
public final class FeaturesPipeline implements Pipeline {

  private final FeatureConfig config;
  private final String name;
  private final int chunk;

  /**
   * @param config the frontend
   * @param label the preset's name, for reports
   * @param chunkSamples the block the caller will push (the harness's chunk), at least 1
   */
  public FeaturesPipeline(FeatureConfig config, String label, int chunkSamples) {
    if (config == null) {
      throw new IllegalArgumentException("config=null, expected a FeatureConfig");
    }
    if (chunkSamples < 1) {
      throw new IllegalArgumentException("chunkSamples=" + chunkSamples + ", expected >= 1");
    }
    this.config = config;
    this.name = "features:" + label;
    this.chunk = chunkSamples;
  }

  /**
   * The preset of {@code config}'s variant (default {@code kaldi-fbank}) in chunks of its chunk
   * (default 10 ms).
   *
   * @throws IllegalArgumentException for an unknown preset (the message lists the valid ones)
   */
  public static FeaturesPipeline open(PipelineConfig config) {
    String p = config.variant() == null ? "kaldi-fbank" : config.variant();
    FeatureConfig c = FeatureConfig.preset(p);
    return new FeaturesPipeline(c, p, config.chunkSamples(10, c.sampleRate()));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int sampleRate() {
    return config.sampleRate();
  }

  @Override
  public int chunkSamples() {
    return chunk;
  }

  @Override
  public PipelineStream newStream(PipelineSink sink) {
    return new Stream(config, sink);
  }

  @Override
  public void close() {}

  private static final class Stream extends AbstractPipelineStream {
    private final FeatureConfig config;
    private OnlineFeature feature;
    private final float[] frame;
    private long frames;

    Stream(FeatureConfig config, PipelineSink sink) {
      super("features stream", sink);
      this.config = config;
      this.feature = new OnlineFeature(config);
      this.frame = new float[feature.numBins()];
    }

    @Override
    protected void onPush(float[] samples, int offset, int length) {
      feature.acceptWaveform(samples, offset, length);
      drain();
    }

    private void drain() {
      long ready = feature.numFramesReady();
      for (long f = feature.firstFrameAvailable(); f < ready; f++) {
        feature.getFrame(f, frame);
        sink.onFrame(f, frame, frame.length);
        frames++;
      }
      feature.pop(ready - feature.firstFrameAvailable());
    }

    @Override
    protected void onEndOfInput() {
      feature.inputFinished();
      drain();
    }

    /** Allocates the frontend's state afresh. */
    @Override
    protected void onReset() {
      feature = new OnlineFeature(config);
      frames = 0;
    }

    @Override
    public long samplesPushed() {
      return feature.numSamplesAccepted();
    }

    @Override
    public long chunksRun() {
      return frames;
    }

    @Override
    protected void onClose() {}
  }
}
