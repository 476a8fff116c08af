package dev.stapes.models.live;

import dev.stapes.audio.WavWriter;
import dev.stapes.models.PipelineSink;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The audio a stream puts out (enhancement), kept during {@code push} and handed on afterwards by
 * {@link #emit()}, outside the timed part: to the default audio output ({@link Speaker}) and/or a
 * 16 kHz mono float32 WAV file. One thread at a time; {@link #close()} closes both.
 */
public final class AudioOut implements PipelineSink, AutoCloseable {

  private final Speaker speaker;
  private final WavWriter writer;
  private final int maxBlock;
  private float[] pending;
  private int fill;
  private long samplesOut;
  private boolean muted;

  /**
   * @param rate sample rate in Hz of the audio and the file
   * @param maxBlock the largest block pushed (sizes the buffer)
   * @param speaker where to play the audio, or null
   * @param wav where to write it, or null
   */
  public static AudioOut open(int rate, int maxBlock, Speaker speaker, Path wav)
      throws IOException {
    WavWriter w = wav == null ? null : WavWriter.create(wav, rate, 1, WavWriter.Encoding.FLOAT32);
    return new AudioOut(speaker, w, maxBlock);
  }

  private AudioOut(Speaker speaker, WavWriter writer, int maxBlock) {
    if (maxBlock <= 0) {
      throw new IllegalArgumentException("maxBlock=" + maxBlock + " samples, expected > 0");
    }
    this.speaker = speaker;
    this.writer = writer;
    this.maxBlock = maxBlock;
    this.pending = new float[maxBlock + 4096];
  }

  /** With {@code true}, audio is dropped (a warm-up). */
  public void mute(boolean m) {
    muted = m;
    fill = 0;
  }

  @Override
  public void onAudio(float[] samples, int offset, int length) {
    if (muted) {
      return;
    }
    if (fill + length > pending.length) {
      pending = java.util.Arrays.copyOf(pending, Math.max(2 * pending.length, fill + length));
    }
    System.arraycopy(samples, offset, pending, fill, length);
    fill += length;
  }

  /** Plays and/or writes what came out since the last call. */
  public void emit() throws IOException {
    if (fill == 0) {
      return;
    }
    if (speaker != null) {
      for (int off = 0; off < fill; off += maxBlock) {
        speaker.write(pending, off, Math.min(maxBlock, fill - off));
      }
    }
    if (writer != null) {
      writer.write(pending, 0, fill);
    }
    samplesOut += fill;
    fill = 0;
  }

  /** Samples handed on so far (not counting a muted warm-up). */
  public long samplesOut() {
    return samplesOut;
  }

  /** Starts over: nothing pending, no samples counted. */
  public void reset() {
    fill = 0;
    samplesOut = 0;
  }

  @Override
  public void close() throws IOException {
    try {
      if (writer != null) {
        writer.close();
      }
    } finally {
      if (speaker != null) {
        speaker.close();
      }
    }
  }
}
