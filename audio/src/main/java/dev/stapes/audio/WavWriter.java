package dev.stapes.audio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Objects;

/**
 * Streaming WAV writer: a RIFF/WAVE header, then interleaved samples as they come; {@link #close()}
 * writes the final sizes into the header. Float input in [-1, 1] is scaled by {@code 2^(bits-1)},
 * rounded to nearest and clipped for the PCM encodings (the inverse of {@link WavReader}), and
 * stored as is for the float encodings.
 *
 * <p>Cost model: {@link #write} allocates nothing. Not thread-safe.
 */
public final class WavWriter implements AutoCloseable {
  /** The sample encodings the writer produces. */
  public enum Encoding {
    /** Unsigned 8-bit PCM. */
    PCM_U8(1, 1),
    /** Signed 16-bit PCM. */
    PCM_S16(2, 1),
    /** Signed 24-bit PCM. */
    PCM_S24(3, 1),
    /** Signed 32-bit PCM. */
    PCM_S32(4, 1),
    /** IEEE float32. */
    FLOAT32(4, 3),
    /** IEEE float64. */
    FLOAT64(8, 3);

    private final int bytes;
    private final int tag;

    Encoding(int bytes, int tag) {
      this.bytes = bytes;
      this.tag = tag;
    }

    /** Returns the bytes per sample of one channel. */
    public int bytesPerSample() {
      return bytes;
    }
  }

  private static final long MAX_DATA_BYTES = 0xFFFFFFFFL - 64;

  private final FileChannel channel;
  private final Path path;
  private final Encoding encoding;
  private final int channels;
  private final int headerBytes;
  private final ByteBuffer buf = ByteBuffer.allocate(1 << 15).order(ByteOrder.LITTLE_ENDIAN);
  private long dataBytes;
  private boolean closed;

  private WavWriter(Path path, FileChannel channel, int sampleRate, int channels, Encoding enc)
      throws IOException {
    this.path = path;
    this.channel = channel;
    this.encoding = enc;
    this.channels = channels;
    boolean isFloat = enc.tag == 3;
    int blockAlign = channels * enc.bytes;
    buf.put(ascii("RIFF")).putInt(0).put(ascii("WAVE"));
    buf.put(ascii("fmt ")).putInt(isFloat ? 18 : 16);
    buf.putShort((short) enc.tag).putShort((short) channels).putInt(sampleRate);
    buf.putInt(sampleRate * blockAlign)
        .putShort((short) blockAlign)
        .putShort((short) (enc.bytes * 8));
    if (isFloat) {
      buf.putShort((short) 0);
      buf.put(ascii("fact")).putInt(4).putInt(0);
    }
    buf.put(ascii("data")).putInt(0);
    this.headerBytes = buf.position();
    flush();
  }

  /**
   * Creates (or replaces) a WAV file.
   *
   * @param path the file
   * @param sampleRate frames per second, {@value WavReader#MIN_SAMPLE_RATE}..{@value
   *     WavReader#MAX_SAMPLE_RATE} Hz
   * @param channels interleaved channels, 1..{@value WavReader#MAX_CHANNELS}
   * @param encoding the sample encoding
   * @return the writer
   * @throws IllegalArgumentException if a parameter is out of range
   * @throws IOException if the file cannot be created
   */
  public static WavWriter create(Path path, int sampleRate, int channels, Encoding encoding)
      throws IOException {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(encoding, "encoding");
    if (sampleRate < WavReader.MIN_SAMPLE_RATE || sampleRate > WavReader.MAX_SAMPLE_RATE) {
      throw new IllegalArgumentException(
          "sampleRate="
              + sampleRate
              + " Hz, expected "
              + WavReader.MIN_SAMPLE_RATE
              + ".."
              + WavReader.MAX_SAMPLE_RATE
              + " Hz");
    }
    if (channels < 1 || channels > WavReader.MAX_CHANNELS) {
      throw new IllegalArgumentException(
          "channels=" + channels + ", expected 1.." + WavReader.MAX_CHANNELS);
    }
    FileChannel ch =
        FileChannel.open(
            path,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE);
    try {
      return new WavWriter(path, ch, sampleRate, channels, encoding);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /**
   * Writes a whole mono signal to a file.
   *
   * @param path the file
   * @param sampleRate the rate in Hz
   * @param encoding the sample encoding
   * @param samples the samples
   * @throws IOException if the file cannot be written
   */
  public static void write(Path path, int sampleRate, Encoding encoding, float[] samples)
      throws IOException {
    try (WavWriter w = create(path, sampleRate, 1, encoding)) {
      w.write(samples, 0, samples.length);
    }
  }

  /**
   * Appends interleaved samples.
   *
   * @param samples interleaved samples, frame after frame
   * @param off the first index
   * @param len the number of samples, a multiple of the channel count
   * @throws IllegalArgumentException if {@code len} is not a whole number of frames, or a sample is
   *     NaN or infinite
   * @throws IOException if writing fails or the data would exceed the 4 GiB a RIFF file can hold
   * @throws IllegalStateException if the writer is closed
   */
  public void write(float[] samples, int off, int len) throws IOException {
    if (closed) {
      throw new IllegalStateException("WavWriter is closed");
    }
    Objects.checkFromIndexSize(off, len, samples.length);
    if (len % channels != 0) {
      throw new IllegalArgumentException(
          "len=" + len + " samples, expected a multiple of channels=" + channels);
    }
    if (dataBytes + (long) len * encoding.bytes > MAX_DATA_BYTES) {
      throw new IOException(
          "'" + path.getFileName() + "' would exceed the 4 GiB data limit of a RIFF WAV file");
    }
    for (int i = 0; i < len; i++) {
      if (buf.remaining() < 8) {
        flush();
      }
      float x = samples[off + i];
      if (!Float.isFinite(x)) {
        throw new IllegalArgumentException(
            "sample " + x + " at index " + (off + i) + ", expected a finite value");
      }
      switch (encoding) {
        case PCM_U8:
          buf.put((byte) (clip(Math.rint(x * 128.0), -128, 127) + 128));
          break;
        case PCM_S16:
          buf.putShort((short) clip(Math.rint(x * 32768.0), -32768, 32767));
          break;
        case PCM_S24:
          int v = (int) clip(Math.rint(x * 8388608.0), -8388608, 8388607);
          buf.put((byte) v).put((byte) (v >> 8)).put((byte) (v >> 16));
          break;
        case PCM_S32:
          buf.putInt((int) clip(Math.rint(x * 2147483648.0), Integer.MIN_VALUE, Integer.MAX_VALUE));
          break;
        case FLOAT32:
          buf.putFloat(x);
          break;
        case FLOAT64:
          buf.putDouble(x);
          break;
        default:
          throw new AssertionError(encoding);
      }
    }
    dataBytes += (long) len * encoding.bytes;
  }

  private static double clip(double v, double lo, double hi) {
    return v < lo ? lo : v > hi ? hi : v;
  }

  /** Returns the frames written so far. */
  public long frames() {
    return dataBytes / ((long) channels * encoding.bytes);
  }

  private void flush() throws IOException {
    buf.flip();
    while (buf.hasRemaining()) {
      channel.write(buf);
    }
    buf.clear();
  }

  /** Writes what is buffered, fixes the header sizes and closes the file; idempotent. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if ((dataBytes & 1) == 1) {
        buf.put((byte) 0); // RIFF pads chunks to an even size
      }
      flush();
      long riffSize = headerBytes - 8 + dataBytes + (dataBytes & 1);
      ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
      channel.write(b.putInt(0, (int) riffSize), 4);
      b.clear();
      channel.write(b.putInt(0, (int) dataBytes), headerBytes - 4);
      if (encoding.tag == 3) {
        b.clear();
        channel.write(b.putInt(0, (int) frames()), headerBytes - 12);
      }
    } finally {
      channel.close();
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "WavWriter['%s', %s, %d ch, %d frames]",
        path.getFileName(),
        encoding,
        channels,
        frames());
  }
}
