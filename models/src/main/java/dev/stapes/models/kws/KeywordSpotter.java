package dev.stapes.models.kws;

import dev.stapes.engine.Session;
import dev.stapes.engine.Stream;
import dev.stapes.engine.StreamSpec;
import dev.stapes.engine.ValueInfo;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Streaming keyword spotting with a one-second classifier (KWT-1): one window of {@value
 * KwsOptions#WINDOW_SAMPLES} samples every {@link KwsOptions#hopSamples()} samples, softmax
 * posteriors averaged over {@link KwsOptions#smoothingWindows()} windows, and one detection per
 * spoken keyword.
 *
 * <p>Decision rule: an event starts when the smoothed posterior of a keyword (any label but {@code
 * _silence_} and {@code _unknown_}) reaches {@link KwsOptions#threshold()}, and lasts while the
 * largest smoothed keyword posterior stays at or above {@link KwsOptions#releaseThreshold()} and no
 * other keyword has led at or above the threshold for {@link KwsOptions#minWindows()} windows in a
 * row (then that keyword's event begins: in a sequence, the next word takes over the window before
 * the previous one has left it). An event that led for fewer than {@code minWindows} windows is
 * dropped. Each event is reported once, with its peak smoothed posterior, at the middle of the
 * windows where it led (the classifier is confident while the word lies anywhere inside the second,
 * so the middle of that plateau centres the word). The stream starts as if preceded by silence, and
 * {@link #finish} pads it with silence so that a keyword at the very end is still centred in a
 * window.
 *
 * <p>The model runs through an engine {@link Stream} over a shared {@link Session}: chunks of one
 * hop, with {@code 16000 - hop} samples of context carried, so that each run sees the last second.
 *
 * <p>Audio is mono float in [-1, 1] at 16 kHz. One instance serves one stream and is used by one
 * thread at a time; several spotters may share one session. After construction, {@link #accept}
 * allocates nothing of its own (ONNX Runtime's per-run result object aside) unless it appends a
 * detection to the caller's list.
 */
public final class KeywordSpotter implements AutoCloseable {

  /** The labels of KWT-1 (Speech Commands v2, 12 classes), in the model's output order. */
  public static final List<String> LABELS =
      List.of(
          "_silence_",
          "_unknown_",
          "yes",
          "no",
          "up",
          "down",
          "left",
          "right",
          "on",
          "off",
          "stop",
          "go");

  /** Index of the first keyword label (labels before it are silence and unknown). */
  public static final int FIRST_KEYWORD = 2;

  private static final int W = KwsOptions.WINDOW_SAMPLES;

  private final Stream stream;
  private final String output;
  private final KwsOptions options;
  private final float[] hopBuffer;
  private final float[] logits = new float[LABELS.size()];
  private final float[][] history;
  private final float[] smoothed = new float[LABELS.size()];
  private int eventLabel;
  private float eventPeak;
  private long eventFirst;
  private long eventLast;
  private int eventWindows;
  private int candidate = -1;
  private int candidateWindows;
  private long candidateFirst;
  private float candidatePeak;
  private int historyCount;
  private int historyNext;
  private int sinceHop;
  private long consumed;
  private long realSamples;
  private boolean inEvent;
  private boolean finished;
  private boolean closed;
  private long windows;

  /**
   * A spotter over {@code session}, a one-second classifier: one float32 input of shape {@code [1,
   * 16000]} (or {@code [16000]}) and one float32 output of {@link #LABELS}{@code .size()} logits,
   * such as KWT-1 imported from TFLite. The session is not owned: close it after the spotter.
   *
   * @throws IllegalArgumentException when the model does not have that form
   */
  public KeywordSpotter(Session session, KwsOptions options) {
    if (session == null || options == null) {
      throw new IllegalArgumentException("session and options must not be null");
    }
    if (session.inputs().size() != 1 || session.outputs().size() != 1) {
      throw new IllegalArgumentException(
          "model "
              + session.name()
              + " has inputs "
              + session.inputs().keySet()
              + " and outputs "
              + session.outputs().keySet()
              + ", expected one audio input and one logits output");
    }
    ValueInfo in = session.inputs().values().iterator().next();
    ValueInfo out = session.outputs().values().iterator().next();
    long inCount = count(in.shape());
    long outCount = count(out.shape());
    if (inCount != W || outCount != LABELS.size()) {
      throw new IllegalArgumentException(
          "model "
              + session.name()
              + ": input "
              + in.name()
              + java.util.Arrays.toString(in.shape())
              + ", output "
              + out.name()
              + java.util.Arrays.toString(out.shape())
              + "; expected "
              + W
              + " samples in and "
              + LABELS.size()
              + " logits out");
    }
    this.options = options;
    this.output = out.name();
    this.hopBuffer = new float[options.hopSamples()];
    StreamSpec spec =
        StreamSpec.builder()
            .setAudioInput(in.name())
            .setChunkSamples(options.hopSamples())
            .optContextSamples(W - options.hopSamples())
            .optAudioShape(in.shape())
            .addOutput(output)
            .optSampleRate(KwsOptions.SAMPLE_RATE)
            .build();
    this.stream = session.newStream(spec);
    this.history = new float[options.smoothingWindows()][LABELS.size()];
  }

  private static long count(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d < 0 ? 1 : d;
    }
    return n;
  }

  public KwsOptions options() {
    return options;
  }

  /** Number of windows classified so far. */
  public long windows() {
    return windows;
  }

  /**
   * Feeds {@code length} samples from {@code samples[offset]}; detections completed by them are
   * appended to {@code out}.
   */
  public void accept(float[] samples, int offset, int length, List<KeywordDetection> out)
      throws IOException {
    checkOpen();
    if (finished) {
      throw new IllegalStateException("KeywordSpotter is finished");
    }
    if (offset < 0 || length < 0 || offset + length > samples.length) {
      throw new IllegalArgumentException(
          "offset=" + offset + " length=" + length + " capacity=" + samples.length);
    }
    realSamples += length;
    feed(samples, offset, length, out);
  }

  /** Ends the stream: pads it with silence and reports the last detections. */
  public void finish(List<KeywordDetection> out) throws IOException {
    checkOpen();
    if (finished) {
      return;
    }
    finished = true;
    // Enough silence for the last real hop to reach the centre of a window.
    int pad = W / 2 + options.hopSamples() - sinceHop;
    float[] zeros = new float[Math.min(pad, 4096)];
    while (pad > 0) {
      int n = Math.min(pad, zeros.length);
      feed(zeros, 0, n, out);
      pad -= n;
    }
    if (inEvent) {
      endEvent(out);
    }
  }

  /** Convenience: every detection in a whole clip (16 kHz mono). */
  public List<KeywordDetection> spot(float[] audio) throws IOException {
    List<KeywordDetection> out = new ArrayList<>();
    accept(audio, 0, audio.length, out);
    finish(out);
    return out;
  }

  /** The smoothed posteriors after the latest window, in {@link #LABELS} order (a copy). */
  public float[] smoothedPosteriors() {
    return smoothed.clone();
  }

  private void feed(float[] samples, int offset, int length, List<KeywordDetection> out)
      throws IOException {
    int hop = options.hopSamples();
    while (length > 0) {
      int n = Math.min(length, hop - sinceHop);
      System.arraycopy(samples, offset, hopBuffer, sinceHop, n);
      offset += n;
      length -= n;
      sinceHop += n;
      consumed += n;
      if (sinceHop == hop) {
        sinceHop = 0;
        classifyWindow(out);
      }
    }
  }

  private void classifyWindow(List<KeywordDetection> out) throws IOException {
    stream.runChunk(hopBuffer, 0); // a native failure is an InferenceException (an IOException)
    FloatBuffer y = stream.outputFloats(output);
    y.get(logits);
    windows++;
    float max = Float.NEGATIVE_INFINITY;
    for (float v : logits) {
      max = Math.max(max, v);
    }
    float sum = 0;
    float[] p = history[historyNext];
    for (int i = 0; i < logits.length; i++) {
      p[i] = (float) Math.exp(logits[i] - max);
      sum += p[i];
    }
    for (int i = 0; i < p.length; i++) {
      p[i] /= sum;
    }
    historyNext = (historyNext + 1) % history.length;
    historyCount = Math.min(historyCount + 1, history.length);
    for (int i = 0; i < smoothed.length; i++) {
      float s = 0;
      for (int h = 0; h < historyCount; h++) {
        s += history[h][i];
      }
      smoothed[i] = s / historyCount;
    }
    int best = FIRST_KEYWORD;
    for (int i = FIRST_KEYWORD + 1; i < smoothed.length; i++) {
      if (smoothed[i] > smoothed[best]) {
        best = i;
      }
    }
    float score = smoothed[best];
    // The smoothed posterior averages the last historyCount windows: its window end lags.
    long end = consumed - (long) (historyCount - 1) * options.hopSamples() / 2;
    float threshold = options.threshold();
    if (!inEvent) {
      if (score >= threshold) {
        startEvent(best, score, end, 1, end);
      }
      return;
    }
    if (score < options.releaseThreshold()) {
      endEvent(out);
      return;
    }
    if (best == eventLabel) {
      candidate = -1;
      if (score >= threshold) {
        eventWindows++;
        eventLast = end;
        eventPeak = Math.max(eventPeak, score);
      }
    } else if (score >= threshold) {
      if (best == candidate) {
        candidateWindows++;
        candidatePeak = Math.max(candidatePeak, score);
      } else {
        candidate = best;
        candidateWindows = 1;
        candidateFirst = end;
        candidatePeak = score;
      }
      if (candidateWindows >= options.minWindows()) {
        int label = candidate;
        float peak = candidatePeak;
        long first = candidateFirst;
        int windowsSoFar = candidateWindows;
        endEvent(out);
        startEvent(label, peak, first, windowsSoFar, end);
      }
    }
  }

  private void startEvent(int label, float peak, long first, int windowCount, long last) {
    inEvent = true;
    eventLabel = label;
    eventPeak = peak;
    eventFirst = first;
    eventLast = last;
    eventWindows = windowCount;
    candidate = -1;
  }

  private void endEvent(List<KeywordDetection> out) {
    inEvent = false;
    candidate = -1;
    if (eventWindows < options.minWindows()) {
      return;
    }
    // Posteriors plateau while the word lies anywhere inside the window: the middle of the
    // plateau puts the word at the window's centre.
    double centre = ((eventFirst + eventLast) / 2.0 - W / 2.0) / KwsOptions.SAMPLE_RATE;
    double end = realSamples / (double) KwsOptions.SAMPLE_RATE;
    centre = Math.max(0, Math.min(centre, end));
    out.add(new KeywordDetection(centre, LABELS.get(eventLabel), eventPeak));
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("KeywordSpotter is closed");
    }
  }

  /** Closes the spotter's stream (not the session). Idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      stream.close();
    }
  }
}
