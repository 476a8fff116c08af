package dev.stapes.models.pipeline;

import dev.stapes.models.vad.SegmenterOptions;
import dev.stapes.models.vad.SileroVad;
import dev.stapes.models.vad.SpeechSegmenter;
import dev.stapes.models.vad.VadStream;
import dev.stapes.models.wakeword.WakeWordDetector;
import dev.stapes.models.wakeword.WakeWordModel;
import dev.stapes.models.wakeword.WakeWordStream;
import java.util.List;

/**
 * The default listening pipeline of {@code ./stapes run}: 16 kHz mono audio in blocks of any size;
 * Silero VAD v5 on every 512 samples (32 ms) and openWakeWord on every 1280 samples (80 ms), each
 * run as soon as its chunk is complete, with events ({@link ListenerEvents}) as they happen.
 *
 * <p>{@link #process} allocates nothing in steady state (the models' streams are preallocated and
 * the event listener is called with primitives). One thread at a time; {@link #close()} closes the
 * streams (not the shared models) and is idempotent.
 */
public final class LivePipeline implements AutoCloseable {

  /** The pipeline's sample rate in Hz. */
  public static final int SAMPLE_RATE = 16000;

  private final VadStream vad; // null: no VAD
  private final WakeWordStream wake; // null: no wake words
  private final SpeechSegmenter segmenter;
  private final WakeWordDetector detector;
  private final float[] vadBuf;
  private final float[] wakeBuf;
  private int vadFill;
  private int wakeFill;
  private long samples;
  private long vadChunks;
  private long wakeChunks;
  private long vadNanos;
  private long wakeNanos;
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
    VadStream v = null;
    WakeWordStream w = null;
    try {
      v = vadModel == null ? null : vadModel.newStream(SAMPLE_RATE);
      w = wakeModel == null ? null : wakeModel.newStream();
    } catch (RuntimeException e) {
      if (v != null) {
        v.close();
      }
      throw e;
    }
    this.vad = v;
    this.wake = w;
    this.vadBuf = new float[v == null ? 1 : v.chunkSamples()];
    this.wakeBuf = new float[WakeWordStream.CHUNK];
    this.segmenter =
        v == null
            ? null
            : new SpeechSegmenter(
                segmenterOptions,
                SAMPLE_RATE,
                v.chunkSamples(),
                new SpeechSegmenter.Listener() {
                  @Override
                  public void speechStart(long startSample) {
                    events.speechStart(startSample);
                  }

                  @Override
                  public void speechEnd(long startSample, long endSample) {
                    events.speechEnd(startSample, endSample);
                  }
                });
    List<String> keywords = w == null ? List.of() : w.keywords();
    this.detector =
        w == null
            ? null
            : new WakeWordDetector(
                keywords,
                threshold,
                WakeWordDetector.DEFAULT_REARM_SECONDS,
                (k, endSample, score) -> events.wakeWord(keywords.get(k), endSample, score));
  }

  /** The wake words listened for (empty without wake words). */
  public List<String> keywords() {
    return wake == null ? List.of() : wake.keywords();
  }

  /**
   * Feeds {@code len} samples (16 kHz mono float in [-1, 1]) from {@code off}; runs every model
   * chunk they complete.
   */
  public void process(float[] x, int off, int len) {
    if (closed) {
      throw new IllegalStateException("LivePipeline is closed");
    }
    if (off < 0 || len < 0 || off > x.length - len) {
      throw new IllegalArgumentException(
          "off=" + off + " len=" + len + " length=" + x.length + ", expected a range inside x");
    }
    int i = 0;
    while (i < len) {
      int n = len - i;
      if (vad != null) {
        n = Math.min(n, vadBuf.length - vadFill);
      }
      if (wake != null) {
        n = Math.min(n, wakeBuf.length - wakeFill);
      }
      if (vad != null) {
        System.arraycopy(x, off + i, vadBuf, vadFill, n);
        vadFill += n;
      }
      if (wake != null) {
        System.arraycopy(x, off + i, wakeBuf, wakeFill, n);
        wakeFill += n;
      }
      i += n;
      samples += n;
      if (vad != null && vadFill == vadBuf.length) {
        long t0 = System.nanoTime();
        float p = vad.process(vadBuf, 0);
        segmenter.accept(p);
        vadNanos += System.nanoTime() - t0;
        vadChunks++;
        vadFill = 0;
      }
      if (wake != null && wakeFill == wakeBuf.length) {
        long t0 = System.nanoTime();
        wake.process(wakeBuf, 0);
        detector.accept(wake, samples);
        wakeNanos += System.nanoTime() - t0;
        wakeChunks++;
        wakeFill = 0;
      }
    }
  }

  /**
   * Ends the stream: a last partial VAD chunk is zero-padded and run (as Silero's whole-clip
   * function does), open segments are closed.
   */
  public void finish() {
    if (vad != null) {
      if (vadFill > 0) {
        java.util.Arrays.fill(vadBuf, vadFill, vadBuf.length, 0f);
        segmenter.accept(vad.process(vadBuf, 0));
        vadFill = 0;
      }
      segmenter.finish(samples);
    }
    if (detector != null) {
      detector.finish();
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
    if (vad != null) {
      vad.reset();
      segmenter.reset();
    }
    if (wake != null) {
      wake.reset();
      detector.reset();
    }
    vadFill = 0;
    wakeFill = 0;
    samples = 0;
    vadChunks = 0;
    wakeChunks = 0;
    vadNanos = 0;
    wakeNanos = 0;
  }

  /** Samples fed so far. */
  public long samples() {
    return samples;
  }

  /** VAD chunks run so far. */
  public long vadChunks() {
    return vadChunks;
  }

  /** Wake-word chunks run so far. */
  public long wakeChunks() {
    return wakeChunks;
  }

  /** Total nanoseconds spent in VAD chunks. */
  public long vadNanos() {
    return vadNanos;
  }

  /** Total nanoseconds spent in wake-word chunks. */
  public long wakeNanos() {
    return wakeNanos;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (vad != null) {
      vad.close();
    }
    if (wake != null) {
      wake.close();
    }
  }
}
