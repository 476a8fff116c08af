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
 *
 * <p>A config with a global floor ({@link FeatureConfig#hasGlobalFloor()}: Whisper, MFCC with
 * {@code top_db}) is floored against the running maximum ({@link OnlineFeature.FloorMode#RUNNING},
 * the default), or, with {@link OnlineFeature.FloorMode#DEFERRED}, its frames come out unfloored
 * ({@code nMels} wide, before any DCT) for {@link dev.stapes.audio.FeatureExtractor#finish} to
 * floor once the input is complete: exactly the offline result.
 */
public final class FeaturesPipeline implements Pipeline {

  private final FeatureConfig config;
  private final String name;
  private final int chunk;
  private final OnlineFeature.FloorMode floorMode;

  /**
   * @param config the frontend
   * @param label the preset's name, for reports
   * @param chunkSamples the block the caller will push (the harness's chunk), at least 1
   */
  public FeaturesPipeline(FeatureConfig config, String label, int chunkSamples) {
    this(config, label, chunkSamples, OnlineFeature.FloorMode.RUNNING);
  }

  /**
   * @param config the frontend
   * @param label the preset's name, for reports
   * @param chunkSamples the block the caller will push (the harness's chunk), at least 1
   * @param floorMode how a global floor is handled (see the class comment)
   */
  public FeaturesPipeline(
      FeatureConfig config, String label, int chunkSamples, OnlineFeature.FloorMode floorMode) {
    if (config == null || floorMode == null) {
      throw new IllegalArgumentException(
          "config=" + config + " floorMode=" + floorMode + ", expected both set");
    }
    if (chunkSamples < 1) {
      throw new IllegalArgumentException("chunkSamples=" + chunkSamples + ", expected >= 1");
    }
    this.config = config;
    this.name = "features:" + label;
    this.chunk = chunkSamples;
    this.floorMode = floorMode;
  }

  /**
   * The preset of {@code config}'s variant (default {@code kaldi-fbank}) in chunks of its chunk
   * (default 10 ms).
   *
   * @throws IllegalArgumentException for an unknown preset (the message lists the valid ones)
   */
  static FeaturesPipeline open(PipelineConfig config) {
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
    return new Stream(config, floorMode, sink);
  }

  @Override
  public void close() {}

  private static final class Stream extends AbstractPipelineStream {
    private final FeatureConfig config;
    private final OnlineFeature.FloorMode floorMode;
    private OnlineFeature feature;
    private final float[] frame;
    private long frames;

    Stream(FeatureConfig config, OnlineFeature.FloorMode floorMode, PipelineSink sink) {
      super("features stream", sink);
      this.config = config;
      this.floorMode = floorMode;
      this.feature = new OnlineFeature(config, floorMode);
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
      feature = new OnlineFeature(config, floorMode);
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
