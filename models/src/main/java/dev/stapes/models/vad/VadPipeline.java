package dev.stapes.models.vad;

import dev.stapes.engine.InferenceException;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.ModelDescriptors;
import dev.stapes.models.Pipeline;
import dev.stapes.models.PipelineConfig;
import dev.stapes.models.PipelineSink;
import dev.stapes.models.PipelineStream;
import dev.stapes.models.internal.AbstractPipelineStream;
import dev.stapes.models.internal.ChunkBuffer;
import java.io.IOException;

/**
 * Voice activity as a {@link Pipeline}: Silero VAD v5 at 16 kHz (512-sample chunks) through a
 * {@link SpeechSegmenter}. Each chunk's speech probability goes to {@link PipelineSink#onChunk};
 * {@link SpeechStart} and {@link SpeechSegment} events to {@link PipelineSink#onEvent}. At the end
 * of input a partial chunk is zero-padded and run, as Silero's whole-clip function does.
 */
public final class VadPipeline implements Pipeline {

  /** The pipeline's sample rate in Hz. */
  public static final int SAMPLE_RATE = 16000;

  private final SileroVad vad;
  private final SegmenterOptions segmenterOptions;

  /**
   * A pipeline over {@code vad}, which it owns from now on (closed with it).
   *
   * @param segmenterOptions how probabilities become segments
   */
  public VadPipeline(SileroVad vad, SegmenterOptions segmenterOptions) {
    if (vad == null || segmenterOptions == null) {
      throw new IllegalArgumentException("vad and segmenterOptions must not be null");
    }
    this.vad = vad;
    this.segmenterOptions = segmenterOptions;
  }

  /** Opens Silero VAD v5 from {@code config}'s model file or store; default segmenter options. */
  static VadPipeline open(PipelineConfig config) throws IOException {
    SileroVad v =
        config.model() != null
            ? SileroVad.open(config.model(), config.options())
            : SileroVad.open(
                config.storeOrDefault().path(ModelCatalog.SILERO_VAD_V5), config.options());
    return new VadPipeline(v, SegmenterOptions.defaults());
  }

  @Override
  public String name() {
    return "vad";
  }

  @Override
  public int sampleRate() {
    return SAMPLE_RATE;
  }

  @Override
  public int chunkSamples() {
    return ModelDescriptors.SILERO_CHUNK_16K;
  }

  @Override
  public PipelineStream newStream(PipelineSink sink) {
    return new Stream(vad.newStream(SAMPLE_RATE), segmenterOptions, sink, true);
  }

  /** A stream over a shared model that the caller keeps owning (several pipelines on one model). */
  public static PipelineStream stream(
      SileroVad vad, SegmenterOptions segmenterOptions, PipelineSink sink) {
    return new Stream(vad.newStream(SAMPLE_RATE), segmenterOptions, sink, true);
  }

  /**
   * A pipeline stream over {@code stream} (any rate Silero runs at), which the caller keeps owning:
   * closing the pipeline stream leaves it open.
   */
  static PipelineStream over(
      VadStream stream, SegmenterOptions segmenterOptions, PipelineSink sink) {
    return new Stream(stream, segmenterOptions, sink, false);
  }

  @Override
  public void close() {
    vad.close();
  }

  private static final class Stream extends AbstractPipelineStream {
    private final VadStream stream;
    private final SpeechSegmenter segmenter;
    private final ChunkBuffer chunks;
    private final ChunkBuffer.ChunkRunner<InferenceException> runner = this::run;
    private final boolean owned;
    private final int rate;
    private long samples;

    Stream(VadStream stream, SegmenterOptions options, PipelineSink sink, boolean owned) {
      super("VAD stream", sink);
      this.stream = stream;
      this.owned = owned;
      this.rate = stream.sampleRate();
      this.chunks = new ChunkBuffer(stream.chunkSamples());
      PipelineSink s = this.sink;
      this.segmenter =
          new SpeechSegmenter(
              options,
              rate,
              stream.chunkSamples(),
              new SpeechSegmenter.Listener() {
                @Override
                public void speechStart(long startSample) {
                  s.onEvent(new SpeechStart(startSample, rate));
                }

                @Override
                public void speechEnd(long startSample, long endSample) {
                  s.onEvent(new SpeechSegment(startSample, endSample, rate));
                }
              });
    }

    private void run(float[] chunk) throws InferenceException {
      float p;
      try {
        p = stream.process(chunk, 0);
      } catch (IllegalStateException e) {
        throw ChunkBuffer.inference(e);
      }
      segmenter.accept(p);
      sink.onChunk(stream.chunksProcessed() * chunk.length, p);
    }

    @Override
    protected void onPush(float[] samples, int offset, int length) throws InferenceException {
      this.samples += length;
      chunks.push(samples, offset, length, runner);
    }

    @Override
    protected void onEndOfInput() throws InferenceException {
      chunks.flushPadded(runner);
      segmenter.finish(samples);
    }

    @Override
    protected void onReset() {
      stream.reset();
      segmenter.reset();
      chunks.clear();
      samples = 0;
    }

    @Override
    public long samplesPushed() {
      return samples;
    }

    @Override
    public long chunksRun() {
      return stream.chunksProcessed();
    }

    @Override
    protected void onClose() {
      if (owned) {
        stream.close();
      }
    }
  }
}
