package dev.stapes.models.enhance;

import dev.stapes.audio.WavWriter;
import dev.stapes.models.live.Speaker;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The enhancement path of a live stream ({@code ./stapes run --enhance}): each block of 16 kHz
 * audio goes through a {@link SpeechEnhancer}, and the cleaned samples go to the default audio
 * output and/or a WAV file as they become final.
 *
 * <p>{@link #process} does the enhancement only (the part to time); {@link #emit} hands the samples
 * that the last {@link #process} produced to the sinks (which may block on the device). Not
 * thread-safe: the processing thread only.
 */
public final class LiveEnhancer implements AutoCloseable {

  private final GtcrnModel model;
  private final SpeechEnhancer enhancer;
  private final Speaker speaker;
  private final WavWriter writer;
  private final float[] out;
  private final int maxBlock;
  private int pending;
  private long samplesOut;
  private boolean closed;

  private LiveEnhancer(GtcrnModel model, Speaker speaker, WavWriter writer, int maxBlock) {
    this.model = model;
    this.enhancer = model.newEnhancer();
    this.speaker = speaker;
    this.writer = writer;
    this.maxBlock = maxBlock;
    this.out = new float[maxBlock + GtcrnDescriptor.HOP];
  }

  /**
   * A live enhancer for blocks of at most {@code maxBlock} samples on {@code model} (which this
   * object then owns and closes).
   *
   * @param speaker the output device, or null
   * @param wav a file to write the cleaned audio to (16 kHz mono float32), or null
   */
  public static LiveEnhancer open(GtcrnModel model, int maxBlock, Speaker speaker, Path wav)
      throws IOException {
    if (maxBlock <= 0) {
      throw new IllegalArgumentException("maxBlock=" + maxBlock + " samples, expected > 0");
    }
    WavWriter w =
        wav == null
            ? null
            : WavWriter.create(wav, GtcrnDescriptor.SAMPLE_RATE, 1, WavWriter.Encoding.FLOAT32);
    return new LiveEnhancer(model, speaker, w, maxBlock);
  }

  /** Enhances {@code len <= maxBlock} samples; the final ones wait for {@link #emit}. */
  public void process(float[] block, int off, int len) {
    if (len > maxBlock) {
      throw new IllegalArgumentException("len=" + len + " samples, expected <= " + maxBlock);
    }
    if (pending > 0) {
      throw new IllegalStateException("LiveEnhancer: emit() the previous block first");
    }
    pending = enhancer.process(block, off, len, out, 0);
  }

  /** Enhances {@code len} samples and drops the result (warm-up before the stream; then reset). */
  public void warmUp(float[] block, int off, int len) {
    process(block, off, len);
    pending = 0;
  }

  /** Hands the samples of the last {@link #process} to the speaker and the file. */
  public void emit() throws IOException {
    sink(pending);
    pending = 0;
  }

  /** Ends the stream: the remaining samples go to the sinks. */
  public void finish() throws IOException {
    emit();
    float[] tail = new float[enhancer.finishSize()];
    int n = enhancer.finish(tail, 0);
    for (int off = 0; off < n; off += maxBlock) {
      int k = Math.min(maxBlock, n - off);
      System.arraycopy(tail, off, out, 0, k);
      sink(k);
    }
  }

  private void sink(int n) throws IOException {
    if (n == 0) {
      return;
    }
    if (speaker != null) {
      for (int off = 0; off < n; off += maxBlock) {
        speaker.write(out, off, Math.min(maxBlock, n - off));
      }
    }
    if (writer != null) {
      writer.write(out, 0, n);
    }
    samplesOut += n;
  }

  /** Starts a new stream (after a warm-up, say): the enhancer's state back to zero. */
  public void reset() {
    enhancer.reset();
    pending = 0;
  }

  /** Cleaned samples handed to the sinks so far. */
  public long samplesOut() {
    return samplesOut;
  }

  /** Algorithmic latency of the path, samples at 16 kHz. */
  public int latencySamples() {
    return enhancer.latencySamples();
  }

  /** Closes the file, the speaker, the enhancer and the model; idempotent. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (writer != null) {
        writer.close();
      }
    } finally {
      if (speaker != null) {
        speaker.close();
      }
      enhancer.close();
      model.close();
    }
  }
}
