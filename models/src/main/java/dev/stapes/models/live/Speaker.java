package dev.stapes.models.live;

import java.io.IOException;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.LineUnavailableException;
import javax.sound.sampled.SourceDataLine;

/**
 * The default audio output (javax.sound), fed mono float samples in [-1, 1] that it converts to
 * 16-bit PCM in a preallocated buffer. {@link #write} blocks when the line's buffer is full, which
 * paces a file played in real time. Not thread-safe.
 */
public final class Speaker implements AutoCloseable {

  private final SourceDataLine line;
  private final byte[] bytes;
  private boolean closed;

  private Speaker(SourceDataLine line, int maxChunk) {
    this.line = line;
    this.bytes = new byte[2 * maxChunk];
  }

  /**
   * Opens the default output for mono 16-bit PCM at {@code sampleRate}, accepting writes of up to
   * {@code maxChunk} samples.
   *
   * @throws IOException with one line saying so when there is no output device (headless machine,
   *     no sound card, or the device refuses the format)
   */
  public static Speaker open(int sampleRate, int maxChunk) throws IOException {
    if (sampleRate <= 0) {
      throw new IllegalArgumentException("sampleRate=" + sampleRate + " Hz, expected > 0");
    }
    if (maxChunk <= 0) {
      throw new IllegalArgumentException("maxChunk=" + maxChunk + " samples, expected > 0");
    }
    AudioFormat f = new AudioFormat(sampleRate, 16, 1, true, false);
    try {
      SourceDataLine line = AudioSystem.getSourceDataLine(f);
      // about 64 ms of buffer: enough to ride out a late hop, short enough for a hearable test
      line.open(f, Math.max(2 * maxChunk, sampleRate / 1000 * 64 * 2));
      line.start();
      return new Speaker(line, maxChunk);
    } catch (IllegalArgumentException | LineUnavailableException | SecurityException e) {
      throw new IOException(
          "no audio output device for "
              + sampleRate
              + " Hz mono 16-bit PCM (javax.sound: "
              + e.getMessage()
              + "); write to a file with --out instead");
    }
  }

  /** Plays {@code len} samples from {@code off}; blocks while the device buffer is full. */
  public void write(float[] x, int off, int len) {
    if (closed) {
      throw new IllegalStateException("Speaker is closed");
    }
    if (off < 0 || len < 0 || off > x.length - len || 2 * len > bytes.length) {
      throw new IllegalArgumentException(
          "offset="
              + off
              + " length="
              + len
              + " capacity="
              + x.length
              + " max="
              + bytes.length / 2);
    }
    for (int i = 0; i < len; i++) {
      float v = x[off + i];
      int s = Math.round((v > 1f ? 1f : v < -1f ? -1f : v) * 32767f);
      bytes[2 * i] = (byte) s;
      bytes[2 * i + 1] = (byte) (s >> 8);
    }
    line.write(bytes, 0, 2 * len);
  }

  /** Plays what is buffered, then releases the device; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    line.drain();
    line.close();
  }
}
