package dev.stapes.models.vad;

/**
 * Turns per-chunk speech probabilities into speech segments, as they happen. The decisions are
 * those of Silero's {@code get_speech_timestamps} (see {@link SegmenterOptions}), made online: for
 * the same probabilities, the segments reported here equal the ones that function returns for the
 * whole clip (with no maximum segment length).
 *
 * <p>Events go to a {@link Listener}: {@link Listener#speechStart} once a segment is certain to be
 * kept (it has lasted longer than the minimum speech duration), {@link Listener#speechEnd} once its
 * padded end is final. {@link #accept} allocates nothing. Not thread-safe: one stream, one thread.
 */
public final class SpeechSegmenter {

  /**
   * Receives segment events. Called on the thread that calls {@link #accept} or {@link #finish}.
   */
  public interface Listener {
    /**
     * A segment has started at {@code startSample} (padded); it will be reported by {@link
     * #speechEnd}.
     */
    void speechStart(long startSample);

    /** A segment is complete: {@code [startSample, endSample)}, padded. */
    void speechEnd(long startSample, long endSample);
  }

  private final int window;
  private final float threshold;
  private final float negThreshold;
  private final long minSilence;
  private final long minSpeech;
  private final long pad;
  private final Listener listener;

  private long chunkIndex;
  private boolean triggered;
  private long rawStart;
  private long tempEnd = -1;
  private boolean startReported;
  private long reportedStart;

  // the previous kept segment (raw end), whose end is reported once no later start can change it
  private boolean hasPending;
  private long pendingStart; // padded start, already reported
  private long pendingRawEnd;
  private long prevKeptRawEnd = -1;
  private boolean finished;

  /**
   * A segmenter for chunks of {@code windowSamples} samples at {@code sampleRate} Hz.
   *
   * @throws IllegalArgumentException for a non-positive window or rate, or a null argument
   */
  public SpeechSegmenter(
      SegmenterOptions options, int sampleRate, int windowSamples, Listener listener) {
    if (options == null || listener == null) {
      throw new IllegalArgumentException("options and listener must not be null");
    }
    if (sampleRate <= 0) {
      throw new IllegalArgumentException("sampleRate=" + sampleRate + " Hz, expected > 0");
    }
    if (windowSamples <= 0) {
      throw new IllegalArgumentException("windowSamples=" + windowSamples + ", expected > 0");
    }
    this.window = windowSamples;
    this.threshold = options.threshold();
    this.negThreshold = options.negThreshold();
    this.minSilence = (long) sampleRate * options.minSilenceMs() / 1000;
    this.minSpeech = (long) sampleRate * options.minSpeechMs() / 1000;
    this.pad = (long) sampleRate * options.speechPadMs() / 1000;
    this.listener = listener;
  }

  /** Forgets everything; the next chunk is chunk 0 again. */
  public void reset() {
    chunkIndex = 0;
    triggered = false;
    tempEnd = -1;
    startReported = false;
    hasPending = false;
    prevKeptRawEnd = -1;
    finished = false;
  }

  /** The number of chunks accepted so far. */
  public long chunks() {
    return chunkIndex;
  }

  /**
   * Takes the speech probability of the next chunk (chunk {@code i} covers samples {@code [i *
   * window, (i + 1) * window)}). Allocates nothing.
   *
   * @throws IllegalStateException after {@link #finish}
   */
  public void accept(float prob) {
    if (finished) {
      throw new IllegalStateException("SpeechSegmenter is finished; call reset() first");
    }
    long pos = chunkIndex * window;
    chunkIndex++;
    if (prob >= threshold && tempEnd >= 0) {
      tempEnd = -1;
    }
    if (prob >= threshold && !triggered) {
      triggered = true;
      rawStart = pos;
      startReported = false;
      flushPendingIfFinal();
      return;
    }
    if (prob < negThreshold && triggered) {
      if (tempEnd < 0) {
        tempEnd = pos;
      }
      if (pos - tempEnd >= minSilence) {
        close(tempEnd, false);
        flushPendingIfFinal();
        return;
      }
    }
    if (triggered && !startReported && tempEnd < 0 && pos - rawStart > minSpeech) {
      // every later end is past pos, so this segment will be kept
      reportStart();
    }
    flushPendingIfFinal();
  }

  /**
   * Ends the stream after {@code totalSamples} samples (the real length, without the padding of the
   * last chunk) and reports what is left.
   */
  public void finish(long totalSamples) {
    if (finished) {
      return;
    }
    finished = true;
    if (triggered && totalSamples - rawStart > minSpeech) {
      close(totalSamples, true);
    }
    triggered = false;
    if (hasPending) {
      hasPending = false;
      listener.speechEnd(pendingStart, Math.min(totalSamples, pendingRawEnd + pad));
    }
  }

  private void close(long rawEnd, boolean atEnd) {
    boolean keep = atEnd || rawEnd - rawStart > minSpeech;
    triggered = false;
    tempEnd = -1;
    if (!keep) {
      return;
    }
    if (!startReported) {
      reportStart();
    }
    hasPending = true;
    pendingStart = reportedStart;
    pendingRawEnd = rawEnd;
    prevKeptRawEnd = rawEnd;
  }

  private void reportStart() {
    long padded;
    if (prevKeptRawEnd < 0) {
      padded = Math.max(0, rawStart - pad);
    } else {
      long gap = rawStart - prevKeptRawEnd;
      if (gap < 2 * pad) {
        padded = Math.max(0, rawStart - gap / 2);
        // the previous segment's end moves by the same half gap
        if (hasPending) {
          hasPending = false;
          listener.speechEnd(pendingStart, pendingRawEnd + gap / 2);
        }
      } else {
        padded = Math.max(0, rawStart - pad);
      }
    }
    if (hasPending) {
      // gap >= 2 * pad: the previous segment gets its full padding
      hasPending = false;
      listener.speechEnd(pendingStart, pendingRawEnd + pad);
    }
    startReported = true;
    reportedStart = padded;
    listener.speechStart(padded);
  }

  /** Reports the pending end once no later kept segment can start closer than 2 * pad to it. */
  private void flushPendingIfFinal() {
    long earliestNextStart = triggered ? rawStart : chunkIndex * window;
    if (hasPending && earliestNextStart - pendingRawEnd >= 2 * pad) {
      hasPending = false;
      listener.speechEnd(pendingStart, pendingRawEnd + pad);
    }
  }
}
