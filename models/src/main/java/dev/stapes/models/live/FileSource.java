package dev.stapes.models.live;

import dev.stapes.audio.WavSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/** A WAV file as an {@link AudioSource}, decoded and resampled to the rate asked for. */
public final class FileSource implements AudioSource {

  private final WavSource src;

  private FileSource(WavSource src) {
    this.src = src;
  }

  /** Opens {@code file} at {@code rate} Hz. */
  public static FileSource open(Path file, int rate) throws IOException {
    return new FileSource(WavSource.open(file, rate));
  }

  /** Reads a WAV stream (a classpath resource) called {@code name} at {@code rate} Hz. */
  public static FileSource open(InputStream in, String name, int rate) throws IOException {
    return new FileSource(WavSource.open(in, name, rate));
  }

  @Override
  public int sampleRate() {
    return src.sampleRate();
  }

  @Override
  public long length() {
    return src.length();
  }

  /** Fills the block unless the file ends first. */
  @Override
  public int read(float[] dst, int off, int len) throws IOException {
    int n = readFully(src, dst, off, len);
    return n == 0 && len > 0 ? -1 : n;
  }

  /**
   * Reads from {@code src} until {@code len} samples are in {@code dst} or the source ends: the one
   * read-until-full over a {@link WavSource}.
   *
   * @return the number of samples read (less than {@code len} only at the end)
   */
  public static int readFully(WavSource src, float[] dst, int off, int len) throws IOException {
    int n = 0;
    while (n < len) {
      int r = src.read(dst, off + n, len - n);
      if (r < 0) {
        break;
      }
      n += r;
    }
    return n;
  }

  @Override
  public void close() throws IOException {
    src.close();
  }
}
