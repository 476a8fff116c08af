package dev.stapes.models.kws;

import dev.stapes.engine.InferenceException;
import dev.stapes.engine.Session;
import dev.stapes.models.Pipeline;
import dev.stapes.models.PipelineConfig;
import dev.stapes.models.PipelineSink;
import dev.stapes.models.PipelineStream;
import dev.stapes.models.internal.AbstractPipelineStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Keyword spotting as a {@link Pipeline}: KWT-1 over one-second windows every hop (default 100 ms)
 * through a {@link KeywordSpotter}. Every window classified goes to {@link PipelineSink#onChunk}
 * (score 0), every {@link KeywordDetection} to {@link PipelineSink#onEvent}. At the end of input
 * the stream is padded with silence so that the last hop reaches the centre of a window.
 */
public final class KwsPipeline implements Pipeline {

  private final Session session;
  private final KwsOptions options;

  /**
   * A pipeline over {@code session} (a one-second classifier such as KWT-1), which it owns from now
   * on (closed with it).
   */
  public KwsPipeline(Session session, KwsOptions options) {
    if (session == null || options == null) {
      throw new IllegalArgumentException("session and options must not be null");
    }
    this.session = session;
    this.options = options;
  }

  /**
   * Opens KWT-1 from {@code config}'s model file (ONNX) or store (TFLite, imported on first use);
   * the hop is {@code config}'s chunk (default 100 ms).
   */
  static KwsPipeline open(PipelineConfig config) throws IOException {
    int hop = config.chunkSamples(100, KwsOptions.SAMPLE_RATE);
    KwsOptions options = KwsOptions.builder().optHopSamples(hop).build();
    Session s =
        config.model() != null
            ? Session.open(config.model(), config.options())
            : Session.open(Kwt1.onnx(config.storeOrDefault()), config.options());
    try {
      new KeywordSpotter(s, options).close(); // the model's form, checked now
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    return new KwsPipeline(s, options);
  }

  @Override
  public String name() {
    return "kws";
  }

  @Override
  public int sampleRate() {
    return KwsOptions.SAMPLE_RATE;
  }

  @Override
  public int chunkSamples() {
    return options.hopSamples();
  }

  @Override
  public PipelineStream newStream(PipelineSink sink) {
    return new Stream(session, options, sink);
  }

  @Override
  public void close() {
    session.close();
  }

  private static final class Stream extends AbstractPipelineStream {
    private final Session session;
    private final KwsOptions options;
    private final List<KeywordDetection> events = new ArrayList<>();
    private KeywordSpotter spotter;
    private long samples;
    private long windowsReported;

    Stream(Session session, KwsOptions options, PipelineSink sink) {
      super("keyword stream", sink);
      this.session = session;
      this.options = options;
      this.spotter = new KeywordSpotter(session, options);
    }

    @Override
    protected void onPush(float[] samples, int offset, int length) throws InferenceException {
      this.samples += length;
      try {
        spotter.accept(samples, offset, length, events);
      } catch (InferenceException e) {
        throw e;
      } catch (IOException e) {
        throw new InferenceException(session.name(), "KeywordSpotter.accept", e.getMessage(), e);
      }
      deliver();
    }

    private void deliver() {
      long w = spotter.windows();
      for (; windowsReported < w; windowsReported++) {
        sink.onChunk(samples, 0f);
      }
      if (!events.isEmpty()) {
        for (int i = 0; i < events.size(); i++) {
          sink.onEvent(events.get(i));
        }
        events.clear();
      }
    }

    @Override
    protected void onEndOfInput() throws InferenceException {
      try {
        spotter.finish(events);
      } catch (InferenceException e) {
        throw e;
      } catch (IOException e) {
        throw new InferenceException(session.name(), "KeywordSpotter.finish", e.getMessage(), e);
      }
      deliver();
    }

    @Override
    protected void onReset() {
      KeywordSpotter fresh = new KeywordSpotter(session, options);
      spotter.close();
      spotter = fresh;
      events.clear();
      samples = 0;
      windowsReported = 0;
    }

    @Override
    public long samplesPushed() {
      return samples;
    }

    @Override
    public long chunksRun() {
      return spotter.windows();
    }

    @Override
    protected void onClose() {
      spotter.close();
    }
  }
}
