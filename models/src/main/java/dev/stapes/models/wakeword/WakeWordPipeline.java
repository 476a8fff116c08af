package dev.stapes.models.wakeword;

import dev.stapes.engine.InferenceException;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.Pipeline;
import dev.stapes.models.PipelineConfig;
import dev.stapes.models.PipelineSink;
import dev.stapes.models.PipelineStream;
import dev.stapes.models.internal.AbstractPipelineStream;
import dev.stapes.models.internal.ChunkBuffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Wake words as a {@link Pipeline}: openWakeWord at 16 kHz (1280-sample chunks) through a {@link
 * WakeWordDetector}. Each chunk's score of the first keyword goes to {@link PipelineSink#onChunk};
 * {@link WakeWordDetection}s to {@link PipelineSink#onEvent} (the score is the one that crossed the
 * threshold).
 */
public final class WakeWordPipeline implements Pipeline {

  /** The pipeline's sample rate in Hz. */
  public static final int SAMPLE_RATE = 16000;

  private final WakeWordModel model;
  private final float threshold;
  private final String name;

  /**
   * A pipeline over {@code model}, which it owns from now on (closed with it).
   *
   * @param threshold score at or above which a keyword is heard, in (0, 1]
   */
  public WakeWordPipeline(WakeWordModel model, float threshold) {
    if (model == null) {
      throw new IllegalArgumentException("model=null, expected a WakeWordModel");
    }
    if (!(threshold > 0f && threshold <= 1f)) {
      throw new IllegalArgumentException("threshold=" + threshold + ", expected (0, 1]");
    }
    this.model = model;
    this.threshold = threshold;
    this.name = "wakeword:" + String.join(",", model.keywords());
  }

  /**
   * Opens openWakeWord from {@code config}'s store for the wake words of its variant (comma
   * separated, with or without the {@code oww-} prefix; default: every wake word of the catalog),
   * Stapes' mel frontend and the default threshold.
   *
   * @throws IllegalArgumentException for an unknown wake word or a model file (the pipeline has
   *     several models: they come from the store)
   */
  public static WakeWordPipeline open(PipelineConfig config) throws IOException {
    if (config.model() != null) {
      throw new IllegalArgumentException(
          "model=" + config.model() + ": pipeline 'wakeword' takes its models from the store");
    }
    List<String> keywords = new ArrayList<>();
    if (config.variant() == null || config.variant().isBlank()) {
      keywords.addAll(ModelCatalog.wakewords());
    } else {
      for (String k : config.variant().split(",")) {
        keywords.add(ModelCatalog.wakewordKeyword(k.trim()));
      }
    }
    WakeWordModel m =
        WakeWordModel.fromStore(
            config.storeOrDefault(), keywords, MelSource.STAPES, config.options());
    return new WakeWordPipeline(m, WakeWordDetector.DEFAULT_THRESHOLD);
  }

  /** The wake words listened for. */
  public List<String> keywords() {
    return model.keywords();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int sampleRate() {
    return SAMPLE_RATE;
  }

  @Override
  public int chunkSamples() {
    return WakeWordStream.CHUNK;
  }

  @Override
  public PipelineStream newStream(PipelineSink sink) {
    return new Stream(model.newStream(), threshold, sink);
  }

  /**
   * A stream over a shared model that the caller keeps owning.
   *
   * @param threshold score at or above which a keyword is heard, in (0, 1]
   */
  public static PipelineStream stream(WakeWordModel model, float threshold, PipelineSink sink) {
    return new Stream(model.newStream(), threshold, sink);
  }

  @Override
  public void close() {
    model.close();
  }

  private static final class Stream extends AbstractPipelineStream {
    private final WakeWordStream stream;
    private final WakeWordDetector detector;
    private final ChunkBuffer chunks = new ChunkBuffer(WakeWordStream.CHUNK);
    private final ChunkBuffer.ChunkRunner<InferenceException> runner = this::run;
    private long samples;
    private long chunkEnd;

    Stream(WakeWordStream stream, float threshold, PipelineSink sink) {
      super("wake-word stream", sink);
      this.stream = stream;
      List<String> keywords = stream.keywords();
      PipelineSink s = this.sink;
      this.detector =
          new WakeWordDetector(
              keywords,
              threshold,
              WakeWordDetector.DEFAULT_REARM_SECONDS,
              (k, endSample, score) ->
                  s.onEvent(
                      new WakeWordDetection(
                          keywords.get(k), (double) endSample / SAMPLE_RATE, score)));
    }

    private void run(float[] chunk) throws InferenceException {
      try {
        stream.process(chunk, 0);
      } catch (IllegalStateException e) {
        throw ChunkBuffer.inference(e);
      }
      chunkEnd += chunk.length;
      detector.accept(stream, chunkEnd);
      sink.onChunk(chunkEnd, stream.score(0));
    }

    @Override
    protected void onPush(float[] samples, int offset, int length) throws InferenceException {
      this.samples += length;
      chunks.push(samples, offset, length, runner);
    }

    /** A partial last chunk is dropped: openWakeWord scores whole 80 ms chunks only. */
    @Override
    protected void onEndOfInput() {
      chunks.clear();
      detector.finish();
    }

    @Override
    protected void onReset() {
      stream.reset();
      detector.reset();
      chunks.clear();
      samples = 0;
      chunkEnd = 0;
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
      stream.close();
    }
  }
}
