package dev.stapes.bench.rt;

import java.io.IOException;
import java.nio.file.Path;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;

/** Interim WAV reading through javax.sound (16-bit PCM, any channel count, no resampling). */
final class SimpleWav {
  private SimpleWav() {}

  static float[] read(Path wav, int sampleRate) throws IOException {
    try (AudioInputStream in = AudioSystem.getAudioInputStream(wav.toFile())) {
      AudioFormat f = in.getFormat();
      if (Math.round(f.getSampleRate()) != sampleRate) {
        throw new IOException(
            wav
                + ": sampleRate="
                + Math.round(f.getSampleRate())
                + " Hz, expected "
                + sampleRate
                + " Hz for this pipeline");
      }
      AudioFormat pcm =
          new AudioFormat(
              AudioFormat.Encoding.PCM_SIGNED,
              f.getSampleRate(),
              16,
              f.getChannels(),
              2 * f.getChannels(),
              f.getSampleRate(),
              false);
      byte[] bytes = AudioSystem.getAudioInputStream(pcm, in).readAllBytes();
      int ch = f.getChannels();
      int n = bytes.length / (2 * ch);
      float[] out = new float[n];
      for (int i = 0; i < n; i++) {
        float s = 0;
        for (int c = 0; c < ch; c++) {
          int at = 2 * (i * ch + c);
          s += (short) ((bytes[at] & 0xff) | (bytes[at + 1] << 8)) / 32768f;
        }
        out[i] = s / ch;
      }
      return out;
    } catch (UnsupportedAudioFileException e) {
      throw new IOException(wav + ": not a WAV file this reader supports: " + e.getMessage(), e);
    }
  }
}
