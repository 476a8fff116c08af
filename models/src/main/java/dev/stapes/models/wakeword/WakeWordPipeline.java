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
 * WakeWordDetector}. What a stream reports, per chunk and per utterance:
 *
 * <ul>
 *   <li>{@link PipelineSink#onChunk}: the chunk's score of the first keyword;
 *   <li>{@link PipelineSink#onFrame}: the chunk's scores, one per keyword in {@link #keywords()}
 *       order (frame number = chunk number from 0); the array is the stream's own;
 *   <li>{@link PipelineSink#onEvent}: a {@link WakeWordStart} in the chunk whose score crosses the
 *       threshold (the crossing score: react to this one live), then the utterance's {@link
 *       WakeWordDetection} (the crossing time and the utterance's peak score) in the first chunk
 *       whose score falls back below the threshold, or at {@link PipelineStream#endOfInput()}.
 * </ul>
 *
 * <p>A keyword fires again only after its score has stayed below the threshold for the re-arm time
 * ({@link WakeWordDetector#DEFAULT_REARM_SECONDS}). A partial last chunk is dropped, as
 * openWakeWord's {@code predict_clip} does.
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
  static WakeWordPipeline open(PipelineConfig config) throws IOException {
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
        WakeWordModel.open(
            config.storeOrDefault(), keywords, null, MelSource.STAPES, config.options());
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
    return new Stream(
        model.newStream(), true, threshold, WakeWordDetector.DEFAULT_REARM_SECONDS, sink);
  }

  /**
   * A stream over a shared model that the caller keeps owning.
   *
   * @param threshold score at or above which a keyword is heard, in (0, 1]
   */
  public static PipelineStream stream(WakeWordModel model, float threshold, PipelineSink sink) {
    return new Stream(
        model.newStream(), true, threshold, WakeWordDetector.DEFAULT_REARM_SECONDS, sink);
  }

  /**
   * A pipeline stream over the caller's {@code stream} (its keyword switches included), which stays
   * the caller's: closing the pipeline stream leaves it open. The stream is not reset.
   *
   * @param threshold score at or above which a keyword is heard, in (0, 1]
   * @param rearmSeconds silence (score below threshold) needed before a keyword fires again
   */
  static PipelineStream over(
      WakeWordStream stream, float threshold, double rearmSeconds, PipelineSink sink) {
    return new Stream(stream, false, threshold, rearmSeconds, sink);
  }

  @Override
  public void close() {
    model.close();
  }

  private static final class Stream extends AbstractPipelineStream
      implements WakeWordDetector.Listener {
    private final WakeWordStream stream;
    private final boolean owns;
    private final List<String> keywords;
    private final WakeWordDetector detector;
    private final ChunkBuffer chunks = new ChunkBuffer(WakeWordStream.CHUNK);
    private final ChunkBuffer.ChunkRunner<InferenceException> runner = this::run;
    private final float[] scores;
    private final long[] crossedAt; // per keyword: end sample of the chunk that crossed
    private long samples;
    private long chunkEnd;

    Stream(
        WakeWordStream stream,
        boolean owns,
        float threshold,
        double rearmSeconds,
        PipelineSink sink) {
      super("wake-word stream", sink);
      this.stream = stream;
      this.owns = owns;
      this.keywords = stream.keywords();
      this.scores = new float[keywords.size()];
      this.crossedAt = new long[keywords.size()];
      this.detector = new WakeWordDetector(keywords, threshold, rearmSeconds, this);
    }

    @Override
    public void detected(int k, long endSample, float score) {
      crossedAt[k] = endSample;
      sink.onEvent(new WakeWordStart(keywords.get(k), (double) endSample / SAMPLE_RATE, score));
    }

    @Override
    public void ended(int k, float peak) {
      sink.onEvent(
          new WakeWordDetection(keywords.get(k), (double) crossedAt[k] / SAMPLE_RATE, peak));
    }

    private void run(float[] chunk) throws InferenceException {
      try {
        stream.process(chunk, 0);
      } catch (IllegalStateException e) {
        throw ChunkBuffer.inference(e);
      }
      chunkEnd += chunk.length;
      for (int k = 0; k < scores.length; k++) {
        scores[k] = stream.score(k);
      }
      sink.onFrame(stream.chunksProcessed() - 1, scores, scores.length);
      detector.accept(stream, chunkEnd);
      sink.onChunk(chunkEnd, scores[0]);
    }

    @Override
    protected void onPush(float[] samples, int offset, int length) throws InferenceException {
      this.samples += length;
      chunks.push(samples, offset, length, runner);
    }

    /**
     * A partial last chunk is dropped (openWakeWord scores whole 80 ms chunks only); utterances
     * still above the threshold end here.
     */
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
      if (owns) {
        stream.close();
      }
    }
  }
}
