package dev.stapes.models.live;

import java.io.IOException;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.DataLine;
import javax.sound.sampled.LineUnavailableException;
import javax.sound.sampled.TargetDataLine;

/**
 * The default microphone (javax.sound) as an {@link AudioSource}: mono 16-bit PCM at the rate asked
 * for, decoded to float. Allocation-free after {@link #open}.
 */
public final class MicrophoneSource implements AudioSource {

  private final TargetDataLine line;
  private final int rate;
  private byte[] bytes;
  private boolean started;

  private MicrophoneSource(TargetDataLine line, int rate, int block) {
    this.line = line;
    this.rate = rate;
    this.bytes = new byte[block * 2];
  }

  /**
   * Opens the default capture line for blocks of {@code block} samples, or says in one line that
   * there is none.
   *
   * @throws IOException when there is no microphone
   */
  public static MicrophoneSource open(int rate, int block) throws IOException {
    AudioFormat format = new AudioFormat(rate, 16, 1, true, false);
    DataLine.Info info = new DataLine.Info(TargetDataLine.class, format);
    if (!AudioSystem.isLineSupported(info)) {
      throw new IOException(
          "no microphone: javax.sound offers no capture line for "
              + rate / 1000
              + " kHz mono 16-bit PCM on this machine ("
              + AudioSystem.getMixerInfo().length
              + " mixers); use IN.wav instead");
    }
    try {
      TargetDataLine line = (TargetDataLine) AudioSystem.getLine(info);
      line.open(format, block * 2 * 4);
      return new MicrophoneSource(line, rate, block);
    } catch (LineUnavailableException | IllegalArgumentException | SecurityException e) {
      throw new IOException("no microphone: cannot open the capture line: " + e.getMessage(), e);
    }
  }

  @Override
  public int sampleRate() {
    return rate;
  }

  @Override
  public long length() {
    return -1;
  }

  /** Blocks until one read of the line returns; starts the line on the first call. */
  @Override
  public int read(float[] dst, int off, int len) {
    if (!started) {
      line.start();
      started = true;
    }
    if (bytes.length < 2 * len) {
      bytes = new byte[2 * len];
    }
    int n = line.read(bytes, 0, 2 * len) / 2;
    for (int i = 0; i < n; i++) {
      dst[off + i] = (short) ((bytes[2 * i] & 0xff) | (bytes[2 * i + 1] << 8)) / 32768f;
    }
    return n;
  }

  @Override
  public void close() {
    line.stop();
    line.close();
  }
}
