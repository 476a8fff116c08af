package dev.stapes.models.live;

import dev.stapes.engine.InferenceException;
import dev.stapes.models.PipelineEvent;
import dev.stapes.models.PipelineSink;
import dev.stapes.models.PipelineStream;
import dev.stapes.models.vad.SegmenterOptions;
import dev.stapes.models.vad.SileroVad;
import dev.stapes.models.vad.SpeechSegment;
import dev.stapes.models.vad.SpeechStart;
import dev.stapes.models.vad.VadPipeline;
import dev.stapes.models.wakeword.WakeWordModel;
import dev.stapes.models.wakeword.WakeWordPipeline;
import dev.stapes.models.wakeword.WakeWordStart;
import dev.stapes.models.wakeword.WakeWordStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The default listening pipeline of {@code ./stapes run}: 16 kHz mono audio in blocks of any size;
 * Silero VAD v5 on every 512 samples (32 ms) and openWakeWord on every 1280 samples (80 ms), each
 * run as soon as its chunk is complete, with events ({@link ListenerEvents}) as they happen. It is
 * a {@link FanOut} of the {@link VadPipeline} and {@link WakeWordPipeline} streams.
 *
 * <p>{@link #process} allocates nothing in steady state (the models' streams are preallocated and
 * the event listener is called with primitives). One thread at a time; {@link #close()} closes the
 * streams (not the shared models) and is idempotent.
 */
public final class LivePipeline implements AutoCloseable {

  /** The pipeline's sample rate in Hz. */
  public static final int SAMPLE_RATE = 16000;

  private final FanOut streams;
  private final int vadIndex; // -1: no VAD
  private final int wakeIndex; // -1: no wake words
  private final List<String> keywords;
  private boolean closed;

  /**
   * A pipeline over shared models; either may be null to leave that stage out (not both).
   *
   * @param threshold wake-word threshold in (0, 1]
   */
  public LivePipeline(
      SileroVad vadModel,
      WakeWordModel wakeModel,
      SegmenterOptions segmenterOptions,
      float threshold,
      ListenerEvents events) {
    if (vadModel == null && wakeModel == null) {
      throw new IllegalArgumentException("vadModel and wakeModel are both null, expected one");
    }
    if (events == null) {
      throw new IllegalArgumentException("events=null, expected a listener");
    }
    PipelineSink sink = sink(events);
    List<PipelineStream> members = new ArrayList<>();
    List<Integer> chunks = new ArrayList<>();
    try {
      if (vadModel != null) {
        members.add(VadPipeline.stream(vadModel, segmenterOptions, sink));
        chunks.add(512);
      }
      if (wakeModel != null) {
        members.add(WakeWordPipeline.stream(wakeModel, threshold, sink));
        chunks.add(WakeWordStream.CHUNK);
      }
    } catch (RuntimeException e) {
      for (PipelineStream m : members) {
        m.close();
      }
      throw e;
    }
    int[] c = new int[chunks.size()];
    for (int i = 0; i < c.length; i++) {
      c[i] = chunks.get(i);
    }
    this.streams = new FanOut(members, c);
    this.vadIndex = vadModel == null ? -1 : 0;
    this.wakeIndex = wakeModel == null ? -1 : vadModel == null ? 0 : 1;
    this.keywords = wakeModel == null ? List.of() : wakeModel.keywords();
  }

  /** The pipeline events as the listener's calls. */
  private static PipelineSink sink(ListenerEvents events) {
    return new PipelineSink() {
      @Override
      public void onEvent(PipelineEvent event) {
        if (event instanceof SpeechStart s) {
          events.speechStart(s.startSample());
        } else if (event instanceof SpeechSegment s) {
          events.speechEnd(s.startSample(), s.endSample());
        } else if (event instanceof WakeWordStart w) {
          events.wakeWord(w.keyword(), Math.round(w.time() * SAMPLE_RATE), w.score());
        }
      }
    };
  }

  /** The wake words listened for (empty without wake words). */
  public List<String> keywords() {
    return keywords;
  }

  /**
   * Feeds {@code len} samples (16 kHz mono float in [-1, 1]) from {@code off}; runs every model
   * chunk they complete.
   *
   * @throws IllegalStateException when closed, or when a model fails to run (the cause is the
   *     {@link InferenceException})
   */
  public void process(float[] x, int off, int len) {
    if (closed) {
      throw new IllegalStateException("LivePipeline is closed");
    }
    if (off < 0 || len < 0 || off > x.length - len) {
      throw new IllegalArgumentException(
          "off=" + off + " len=" + len + " length=" + x.length + ", expected a range inside x");
    }
    try {
      streams.push(x, off, len);
    } catch (InferenceException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /**
   * Ends the stream: a last partial VAD chunk is zero-padded and run (as Silero's whole-clip
   * function does), open segments are closed.
   */
  public void finish() {
    try {
      streams.endOfInput();
    } catch (InferenceException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /**
   * Back to the start of a stream: model states, buffers, segmenter, detector and counters. The
   * models stay loaded, so a warm-up run followed by {@code reset()} leaves a warm pipeline.
   */
  public void reset() {
    if (closed) {
      throw new IllegalStateException("LivePipeline is closed");
    }
    streams.reset();
  }

  /** The streams, as one {@link PipelineStream}. */
  public FanOut streams() {
    return streams;
  }

  /** Samples fed so far. */
  public long samples() {
    return streams.samplesPushed();
  }

  /** VAD chunks run so far. */
  public long vadChunks() {
    return vadIndex < 0 ? 0 : streams.member(vadIndex).chunksRun();
  }

  /** Wake-word chunks run so far. */
  public long wakeChunks() {
    return wakeIndex < 0 ? 0 : streams.member(wakeIndex).chunksRun();
  }

  /** Total nanoseconds spent in VAD chunks. */
  public long vadNanos() {
    return vadIndex < 0 ? 0 : streams.nanos(vadIndex);
  }

  /** Total nanoseconds spent in wake-word chunks. */
  public long wakeNanos() {
    return wakeIndex < 0 ? 0 : streams.nanos(wakeIndex);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    streams.close();
  }
}
