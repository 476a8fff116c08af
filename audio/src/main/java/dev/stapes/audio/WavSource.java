package dev.stapes.audio;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A WAV or FLAC file as a stream of mono float32 samples at a chosen rate: {@link WavReader}
 * (decode, mix down) followed by {@link Resampler} (band-limited, aligned, exact output length
 * {@code ceil(frames * targetRate / fileRate)}). The file is read one buffer at a time, so any
 * length works.
 *
 * <p>Cost model: {@link #read} allocates nothing. Not thread-safe: one thread at a time.
 */
public final class WavSource implements AutoCloseable {
  private static final int CHUNK = 4096;

  private final WavReader reader;
  private final Resampler resampler;
  private final float[] inBuf = new float[CHUNK];
  private final float[] outBuf;
  private int outPos;
  private int outLen;
  private boolean finished;
  private long position;
  private boolean closed;

  private WavSource(WavReader reader, int targetRate, Resampler.Quality quality) {
    this.reader = reader;
    this.resampler = new Resampler(reader.info().sampleRate(), targetRate, quality);
    this.outBuf = new float[Math.max(resampler.maxOutput(CHUNK), resampler.maxFinishOutput()) + 1];
  }

  /**
   * Opens a file, averaging its channels, resampled with {@link Resampler.Quality#HIGH}.
   *
   * @param path the WAV or FLAC file (told apart by their first bytes)
   * @param targetRate the rate of the samples {@link #read} returns, in Hz
   * @return the source
   * @throws WavFormatException if the file cannot be decoded
   * @throws IllegalArgumentException if {@code targetRate} is not positive or too far from the
   *     file's rate (see {@link Resampler#MAX_RATIO})
   * @throws IOException if the file cannot be read
   */
  public static WavSource open(Path path, int targetRate) throws IOException {
    return open(path, targetRate, ChannelMode.AVERAGE);
  }

  /**
   * Opens a file with the given channel handling.
   *
   * @param path the WAV or FLAC file (told apart by their first bytes)
   * @param targetRate the rate of the samples {@link #read} returns, in Hz
   * @param mode average all channels, or pick one
   * @return the source
   * @throws WavFormatException if the file cannot be decoded
   * @throws IllegalArgumentException if {@code targetRate} is not positive or too far from the
   *     file's rate, or {@code mode} picks a channel the file lacks
   * @throws IOException if the file cannot be read
   */
  public static WavSource open(Path path, int targetRate, ChannelMode mode) throws IOException {
    return wrap(WavReader.open(path, mode), targetRate, Resampler.Quality.HIGH);
  }

  /**
   * Wraps an open reader; the source owns it from now on and closes it.
   *
   * @param reader the reader, positioned where the stream should start
   * @param targetRate the output rate in Hz
   * @param quality the resampler quality
   * @return the source
   * @throws IllegalArgumentException if {@code targetRate} is not positive or too far from the
   *     file's rate
   */
  public static WavSource of(WavReader reader, int targetRate, Resampler.Quality quality)
      throws IOException {
    return wrap(reader, targetRate, quality);
  }

  /**
   * Reads a WAV or FLAC stream of unknown length (a pipe, a resource), averaging its channels.
   *
   * @param in the stream, positioned at the RIFF header or FLAC marker; closed by {@link #close()}
   * @param name the name used in messages
   * @param targetRate the output rate in Hz
   * @return the source
   * @throws WavFormatException if the stream cannot be decoded
   * @throws IOException if the stream cannot be read
   */
  public static WavSource open(InputStream in, String name, int targetRate) throws IOException {
    return wrap(WavReader.open(in, name), targetRate, Resampler.Quality.HIGH);
  }

  private static WavSource wrap(WavReader reader, int targetRate, Resampler.Quality quality)
      throws IOException {
    Objects.requireNonNull(quality, "quality");
    try {
      return new WavSource(reader, targetRate, quality);
    } catch (RuntimeException e) {
      reader.close();
      throw e;
    }
  }

  /** Returns the header of the underlying file (its own rate, channels and frames). */
  public WavInfo info() {
    return reader.info();
  }

  /** Returns the rate of the samples {@link #read} returns, in Hz. */
  public int sampleRate() {
    return resampler.outRate();
  }

  /**
   * Returns the number of samples this source delivers in all, {@code ceil(frames * targetRate /
   * fileRate)}, or -1 while the file's length is unknown (a stream of unknown length).
   */
  public long length() {
    long frames = reader.info().frames();
    return frames < 0 ? -1 : resampler.outputLength(frames);
  }

  /** Returns the number of samples delivered so far. */
  public long position() {
    return position;
  }

  /**
   * Reads up to {@code len} resampled mono samples.
   *
   * @param dst where the samples go
   * @param off the first index written
   * @param len the most samples to read
   * @return the number of samples read (at least 1 if {@code len > 0}), or -1 at the end; 0 if
   *     {@code len} is 0
   * @throws WavFormatException on a bad sample (see {@link WavReader#read})
   * @throws IOException if reading fails
   * @throws IllegalStateException if the source is closed
   */
  public int read(float[] dst, int off, int len) throws IOException {
    if (closed) {
      throw new IllegalStateException("WavSource is closed");
    }
    Objects.checkFromIndexSize(off, len, dst.length);
    int total = 0;
    while (total < len) {
      if (outPos < outLen) {
        int n = Math.min(len - total, outLen - outPos);
        System.arraycopy(outBuf, outPos, dst, off + total, n);
        outPos += n;
        total += n;
        continue;
      }
      if (finished) {
        break;
      }
      int n = reader.read(inBuf, 0, inBuf.length);
      outPos = 0;
      if (n < 0) {
        outLen = resampler.finish(outBuf, 0);
        finished = true;
      } else {
        outLen = resampler.process(inBuf, 0, n, outBuf, 0);
      }
    }
    position += total;
    return total == 0 && len > 0 ? -1 : total;
  }

  /** Closes the file; idempotent. */
  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      reader.close();
    }
  }
}
