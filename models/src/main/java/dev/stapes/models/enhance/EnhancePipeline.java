package dev.stapes.models.enhance;

import dev.stapes.engine.InferenceException;
import dev.stapes.models.Pipeline;
import dev.stapes.models.PipelineConfig;
import dev.stapes.models.PipelineSink;
import dev.stapes.models.PipelineStream;
import dev.stapes.models.internal.AbstractPipelineStream;
import dev.stapes.models.internal.ChunkBuffer;
import java.io.IOException;

/**
 * Speech enhancement as a {@link Pipeline}: GTCRN at 16 kHz, one 256-sample hop per run, through a
 * {@link SpeechEnhancer}. The cleaned audio goes to {@link PipelineSink#onAudio} as it becomes
 * final ({@link GtcrnDescriptor#LATENCY_SAMPLES} behind the input); {@link
 * dev.stapes.models.PipelineStream#endOfInput} writes the rest, so that as many samples come out as
 * went in.
 */
public final class EnhancePipeline implements Pipeline {

  /** Samples handed to the enhancer at a time, so that the output buffer has a fixed size. */
  private static final int PIECE = 16 * GtcrnDescriptor.HOP;

  private final GtcrnModel model;

  /** A pipeline over {@code model}, which it owns from now on (closed with it). */
  public EnhancePipeline(GtcrnModel model) {
    if (model == null) {
      throw new IllegalArgumentException("model=null, expected a GtcrnModel");
    }
    this.model = model;
  }

  /** Opens GTCRN from {@code config}'s model file or store. */
  static EnhancePipeline open(PipelineConfig config) throws IOException {
    return new EnhancePipeline(
        config.model() != null
            ? GtcrnModel.open(config.model(), config.options())
            : GtcrnModel.open(
                config.storeOrDefault().path(GtcrnDescriptor.STORE_NAME), config.options()));
  }

  @Override
  public String name() {
    return "enhance";
  }

  @Override
  public int sampleRate() {
    return GtcrnDescriptor.SAMPLE_RATE;
  }

  @Override
  public int chunkSamples() {
    return GtcrnDescriptor.HOP;
  }

  @Override
  public PipelineStream newStream(PipelineSink sink) {
    return new Stream(model.newEnhancer(), sink);
  }

  /** A stream over a shared model that the caller keeps owning. */
  public static PipelineStream stream(GtcrnModel model, PipelineSink sink) {
    return new Stream(model.newEnhancer(), sink);
  }

  @Override
  public void close() {
    model.close();
  }

  private static final class Stream extends AbstractPipelineStream {
    private final SpeechEnhancer enhancer;
    private float[] out = new float[PIECE + 4 * GtcrnDescriptor.N_FFT];

    Stream(SpeechEnhancer enhancer, PipelineSink sink) {
      super("enhancement stream", sink);
      this.enhancer = enhancer;
    }

    @Override
    protected void onPush(float[] samples, int offset, int length) throws InferenceException {
      for (int i = 0; i < length; ) {
        int n = Math.min(PIECE, length - i);
        int w;
        try {
          w = enhancer.process(samples, offset + i, n, out, 0);
        } catch (IllegalStateException e) {
          throw ChunkBuffer.inference(e);
        }
        if (w > 0) {
          sink.onAudio(out, 0, w);
        }
        i += n;
      }
    }

    @Override
    protected void onEndOfInput() throws InferenceException {
      int need = enhancer.finishSize();
      if (need > out.length) {
        out = new float[need];
      }
      int w;
      try {
        w = enhancer.finish(out, 0);
      } catch (IllegalStateException e) {
        throw ChunkBuffer.inference(e);
      }
      if (w > 0) {
        sink.onAudio(out, 0, w);
      }
    }

    @Override
    protected void onReset() {
      enhancer.reset();
    }

    @Override
    public long samplesPushed() {
      return enhancer.samplesIn();
    }

    @Override
    public long chunksRun() {
      return enhancer.hops();
    }

    @Override
    protected void onClose() {
      enhancer.close();
    }
  }
}
