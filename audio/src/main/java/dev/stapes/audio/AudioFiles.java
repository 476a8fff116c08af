package dev.stapes.audio;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/** Whole-file conveniences over {@link WavSource}, for files of bounded length. */
public final class AudioFiles {
  /** The longest file {@link #readMono(Path, int)} accepts, in seconds of audio. */
  public static final double DEFAULT_MAX_SECONDS = 3600;

  private AudioFiles() {}

  /**
   * Reads a whole WAV or FLAC file as mono float32 in [-1, 1] at {@code targetRate}: channels
   * averaged, resampled with {@link Resampler.Quality#HIGH}; the length is {@code ceil(frames *
   * targetRate / fileRate)}. Refuses files longer than {@value #DEFAULT_MAX_SECONDS} s; stream
   * those with {@link WavSource}.
   *
   * @param wav the file
   * @param targetRate the rate of the returned samples, in Hz
   * @return the samples
   * @throws WavFormatException if the file cannot be decoded (a corrupt file, or a format other
   *     than WAV and FLAC)
   * @throws IOException if the file is longer than the limit or cannot be read
   */
  public static float[] readMono(Path wav, int targetRate) throws IOException {
    return readMono(wav, targetRate, DEFAULT_MAX_SECONDS);
  }

  /**
   * Reads a whole WAV or FLAC file as mono float32 at {@code targetRate}, refusing files longer
   * than {@code maxSeconds}.
   *
   * @param wav the file
   * @param targetRate the rate of the returned samples, in Hz
   * @param maxSeconds the longest file accepted, in seconds
   * @return the samples
   * @throws WavFormatException if the file cannot be decoded (a corrupt file, or a format other
   *     than WAV and FLAC)
   * @throws IOException if the file is longer than the limit or cannot be read
   */
  public static float[] readMono(Path wav, int targetRate, double maxSeconds) throws IOException {
    if (!(maxSeconds > 0)) {
      throw new IllegalArgumentException("maxSeconds=" + maxSeconds + ", expected > 0");
    }
    long limit = (long) Math.min(Integer.MAX_VALUE - 16, Math.floor(maxSeconds * targetRate));
    try (WavSource src = WavSource.open(wav, targetRate)) {
      long length = src.length();
      if (length > limit) {
        throw tooLong(src.info(), maxSeconds);
      }
      float[] out = new float[(int) Math.max(length, 0)];
      if (length < 0) {
        out = new float[1 << 16];
      }
      int n = 0;
      while (true) {
        if (n == out.length) {
          if (n >= limit) {
            if (src.read(new float[1], 0, 1) < 0) {
              break;
            }
            throw tooLong(src.info(), maxSeconds);
          }
          out = Arrays.copyOf(out, (int) Math.min(limit, Math.max(16, 2L * n)));
        }
        int k = src.read(out, n, out.length - n);
        if (k < 0) {
          break;
        }
        n += k;
      }
      return n == out.length ? out : Arrays.copyOf(out, n);
    }
  }

  private static IOException tooLong(WavInfo info, double maxSeconds) {
    String held =
        info.frames() < 0
            ? String.format(Locale.ROOT, "more than %.1f s", maxSeconds)
            : String.format(
                Locale.ROOT, "%.1f s (%d frames)", info.durationSeconds(), info.frames());
    return new IOException(
        String.format(
            Locale.ROOT,
            "'%s' holds %s of audio, more than AudioFiles.readMono accepts (maxSeconds=%.1f);"
                + " stream it with WavSource instead",
            info.name(),
            held,
            maxSeconds));
  }
}
