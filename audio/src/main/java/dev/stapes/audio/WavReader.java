package dev.stapes.audio;

import dev.stapes.audio.internal.FlacDecoder;
import dev.stapes.audio.internal.FormatSniffer;
import dev.stapes.audio.internal.G711;
import dev.stapes.audio.internal.RiffInput;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Streaming decoder of WAV and FLAC files: reads a RIFF/WAVE (or RF64) file chunk by chunk, or a
 * FLAC file frame by frame, and delivers mono float32 samples in [-1, 1], never holding more than
 * one buffer of the file. The format is chosen by the first bytes ({@code RIFF}, {@code fLaC}), not
 * by the file name; a file in another format (MP3, Ogg, AIFF, MP4, ...) is refused with one line
 * that names the format and a converter command.
 *
 * <p>FLAC: every bit depth (4..32), 1..8 channels, any block size, fixed and variable block-size
 * streams, an ID3v2 tag before the stream; samples {@code s / 2^(bits-1)}, bit-exact with the
 * reference decoder. Each frame's CRCs are checked and the MD5 of the audio at the end where the
 * encoder stored one; a truncated or corrupt file is a {@link WavFormatException} naming the byte
 * offset, after the frames before the damage have been delivered.
 *
 * <p>Supported: PCM unsigned 8-bit and signed 16/24/32-bit, IEEE float 32/64, G.711 A-law and
 * mu-law, and {@code WAVE_FORMAT_EXTENSIBLE} with a PCM, float, A-law or mu-law sub-format; 1 to
 * {@value #MAX_CHANNELS} channels, averaged to mono or one chosen ({@link ChannelMode}); sample
 * rates {@value #MIN_SAMPLE_RATE}..{@value #MAX_SAMPLE_RATE} Hz. Chunks other than {@code fmt },
 * {@code ds64} and {@code data} ({@code LIST}, {@code fact}, {@code cue }, {@code JUNK}, ...) are
 * skipped, odd sizes padded to even. A data chunk that declares more bytes than the file holds is
 * decoded as far as it goes and reported ({@link WavInfo#truncated()}, {@link WavInfo#warnings()});
 * a declared size of 0xFFFFFFFF means "until the end of the file" (streamed WAVs) and is not a
 * truncation; a declared size of 0 with bytes after it (an unfinished recording) is read to the end
 * too, with a warning where the file size is known.
 *
 * <p>Every problem with the file is a {@link WavFormatException} with a one-line message; the
 * reader never allocates in proportion to a size field, and skipping is bounded by the file.
 *
 * <p>Cost model: {@link #read} allocates nothing; its work is linear in the frames read. Not
 * thread-safe: one thread at a time.
 */
public final class WavReader implements AutoCloseable {
  /** The most channels accepted. */
  public static final int MAX_CHANNELS = 256;

  /** The lowest sample rate accepted, in Hz. */
  public static final int MIN_SAMPLE_RATE = 1000;

  /** The highest sample rate accepted, in Hz. */
  public static final int MAX_SAMPLE_RATE = 768_000;

  private static final int BUFFER_BYTES = 1 << 15;
  private static final long UNKNOWN_SIZE = 0xFFFFFFFFL;
  private static final float S8 = 1f / 128f;
  private static final float S16 = 1f / 32768f;
  private static final float S24 = 1f / 8388608f;
  private static final double S32 = 1.0 / 2147483648.0;

  private final RiffInput input;
  private final FlacDecoder flac; // null for a WAV file
  private int flacLen; // samples per channel in the current FLAC block
  private int flacPos; // the next of them to deliver
  private final double flacScale;
  private final ChannelMode mode;
  private final NonFiniteSamples nonFinite;
  private final SampleFormat format;
  private final int channels;
  private final int blockAlign;
  private final int bytesPerSample;
  private final int bufferFrames;
  private final byte[] buffer;
  private final float averageScale;
  private WavInfo info;
  private long framesLeft;
  private long framesRead;
  private boolean closed;

  private WavReader(
      RiffInput input, Header h, ChannelMode mode, NonFiniteSamples nonFinite, String name) {
    this.input = input;
    this.flac = null;
    this.flacScale = 0;
    this.mode = mode;
    this.nonFinite = nonFinite;
    this.format = h.format;
    this.channels = h.channels;
    this.bytesPerSample = h.format.bytesPerSample();
    this.blockAlign = channels * bytesPerSample;
    this.bufferFrames = Math.max(1, BUFFER_BYTES / blockAlign);
    this.buffer = new byte[bufferFrames * blockAlign];
    this.averageScale = 1f / channels;
    checkChannel(mode, channels, name);
    List<String> warnings = new ArrayList<>(h.warnings);
    long declared = h.dataSize;
    long available = input.remaining(); // Long.MAX_VALUE for a stream of unknown size
    if (declared == 0 && available > 0) {
      // An unfinished recording: the writer never came back to fill in the sizes.
      declared = -1;
      if (available != Long.MAX_VALUE) {
        warnings.add(
            String.format(
                Locale.ROOT,
                "'%s': its data chunk declares 0 bytes but %d bytes follow; decoding them as"
                    + " audio (an unfinished recording?)",
                name,
                available));
      }
    }
    boolean unknown = declared < 0;
    long bytes = unknown ? available : Math.min(declared, available);
    boolean truncated = !unknown && declared > available;
    long declaredFrames = unknown ? -1 : declared / blockAlign;
    long frames = bytes == Long.MAX_VALUE ? -1 : bytes / blockAlign;
    if (truncated) {
      warnings.add(truncationMessage(name, declared, bytes, blockAlign));
    } else if (bytes != Long.MAX_VALUE && bytes % blockAlign != 0) {
      warnings.add(
          String.format(
              Locale.ROOT,
              "'%s': data chunk of %d bytes is not a whole number of %d-byte frames;"
                  + " ignoring the last %d bytes",
              name,
              bytes,
              blockAlign,
              bytes % blockAlign));
    }
    this.framesLeft = frames < 0 ? Long.MAX_VALUE : frames;
    this.info =
        new WavInfo(
            name,
            h.formatTag,
            h.format,
            h.sampleRate,
            channels,
            bytesPerSample * 8,
            frames,
            declaredFrames,
            truncated,
            warnings);
  }

  /**
   * Opens a file, averaging its channels.
   *
   * @param path the WAV or FLAC file
   * @return a reader positioned at the first frame
   * @throws WavFormatException if the file is not a WAV or FLAC file this reader can decode
   * @throws IOException if the file cannot be read
   */
  public static WavReader open(Path path) throws IOException {
    return open(path, ChannelMode.AVERAGE, NonFiniteSamples.REJECT);
  }

  /**
   * Opens a file with the given channel handling.
   *
   * @param path the WAV or FLAC file
   * @param mode average all channels, or pick one
   * @return a reader positioned at the first frame
   * @throws WavFormatException if the file is not a WAV or FLAC file this reader can decode
   * @throws IllegalArgumentException if {@code mode} picks a channel the file does not have
   * @throws IOException if the file cannot be read
   */
  public static WavReader open(Path path, ChannelMode mode) throws IOException {
    return open(path, mode, NonFiniteSamples.REJECT);
  }

  /**
   * Opens a file with the given channel handling and policy for NaN or infinite float samples.
   *
   * @param path the WAV or FLAC file
   * @param mode average all channels, or pick one
   * @param nonFinite what to do with a NaN or infinite float sample
   * @return a reader positioned at the first frame
   * @throws WavFormatException if the file is not a WAV or FLAC file this reader can decode
   * @throws IllegalArgumentException if {@code mode} picks a channel the file does not have
   * @throws IOException if the file cannot be read
   */
  public static WavReader open(Path path, ChannelMode mode, NonFiniteSamples nonFinite)
      throws IOException {
    Objects.requireNonNull(path, "path");
    if (Files.exists(path) && !Files.isRegularFile(path)) {
      // a named pipe would block in open until a writer comes: pipes go through open(InputStream)
      throw new IOException(path + ": not a regular file");
    }
    long size = Files.size(path);
    InputStream in = Files.newInputStream(path);
    return open(new RiffInput(in, size), String.valueOf(path.getFileName()), mode, nonFinite);
  }

  /**
   * Reads a WAV stream of unknown size (a pipe, a resource), averaging its channels. Skipping reads
   * through the stream; nothing is read ahead beyond the reader's buffer.
   *
   * @param in the stream, positioned at the RIFF header or FLAC marker; closed by {@link #close()}
   * @param name the name used in messages
   * @return a reader positioned at the first frame
   * @throws WavFormatException if the stream is not a WAV or FLAC file this reader can decode
   * @throws IOException if the stream cannot be read
   */
  public static WavReader open(InputStream in, String name) throws IOException {
    return open(in, name, ChannelMode.AVERAGE, NonFiniteSamples.REJECT);
  }

  /**
   * Reads a WAV stream of unknown size with the given channel handling.
   *
   * @param in the stream, positioned at the RIFF header or FLAC marker; closed by {@link #close()}
   * @param name the name used in messages
   * @param mode average all channels, or pick one
   * @return a reader positioned at the first frame
   * @throws WavFormatException if the stream is not a WAV or FLAC file this reader can decode
   * @throws IOException if the stream cannot be read
   */
  public static WavReader open(InputStream in, String name, ChannelMode mode) throws IOException {
    return open(in, name, mode, NonFiniteSamples.REJECT);
  }

  /**
   * Reads a WAV stream of unknown size with the given channel handling and non-finite policy.
   *
   * @param in the stream, positioned at the RIFF header or FLAC marker; closed by {@link #close()}
   * @param name the name used in messages
   * @param mode average all channels, or pick one
   * @param nonFinite what to do with a NaN or infinite float sample
   * @return a reader positioned at the first frame
   * @throws WavFormatException if the stream is not a WAV or FLAC file this reader can decode
   * @throws IOException if the stream cannot be read
   */
  public static WavReader open(
      InputStream in, String name, ChannelMode mode, NonFiniteSamples nonFinite)
      throws IOException {
    Objects.requireNonNull(in, "in");
    return open(new RiffInput(in, -1), name, mode, nonFinite);
  }

  private static WavReader open(
      RiffInput input, String name, ChannelMode mode, NonFiniteSamples nonFinite)
      throws IOException {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(nonFinite, "nonFinite");
    try {
      if (sniffFlac(input, name)) {
        return new WavReader(input, FlacDecoder.open(input, name), mode, nonFinite, name);
      }
      Header h = Header.parse(input, name);
      return new WavReader(input, h, mode, nonFinite, name);
    } catch (IOException | RuntimeException e) {
      try {
        input.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * Looks at the first bytes, skipping an ID3v2 tag: returns true at a FLAC stream marker, throws
   * for a known format that is neither WAV nor FLAC, and otherwise returns false with the input
   * back at the start, for the WAV parser to read (and name what it expected).
   */
  private static boolean sniffFlac(RiffInput input, String name) throws IOException {
    byte[] h = new byte[FormatSniffer.HEAD_BYTES];
    int n = input.readFully(h, 0, h.length);
    input.unread(h, 0, n);
    boolean afterId3 = false;
    long id3 = FormatSniffer.id3v2Size(h, n);
    if (id3 > 0) {
      long at = input.position();
      if (input.skip(id3) < id3) {
        throw new WavFormatException(
            String.format(
                Locale.ROOT,
                "'%s' starts with an ID3v2 tag (at byte %d) of %d bytes, more than the file"
                    + " holds: a truncated MP3 file? Stapes reads WAV and FLAC",
                name,
                at,
                id3));
      }
      n = input.readFully(h, 0, h.length);
      input.unread(h, 0, n);
      afterId3 = true;
    }
    if (FormatSniffer.isFlac(h, n)) {
      return true;
    }
    String other = FormatSniffer.unsupported(h, n, afterId3);
    if (other != null) {
      throw new WavFormatException(FormatSniffer.unsupportedMessage(name, other));
    }
    return false;
  }

  private WavReader(
      RiffInput input, FlacDecoder flac, ChannelMode mode, NonFiniteSamples nonFinite, String name)
      throws WavFormatException {
    this.input = input;
    this.flac = flac;
    this.mode = mode;
    this.nonFinite = nonFinite;
    this.format = SampleFormat.FLAC;
    this.channels = flac.channels();
    // the WAV byte buffer is not used: FlacDecoder has its own, and its blocks are read directly
    this.blockAlign = 0;
    this.bytesPerSample = 0;
    this.bufferFrames = 0;
    this.buffer = null;
    this.averageScale = 1f / channels;
    this.flacScale = 1.0 / (1L << (flac.bitsPerSample() - 1));
    int rate = flac.sampleRate();
    if (rate < MIN_SAMPLE_RATE || rate > MAX_SAMPLE_RATE) {
      throw new WavFormatException(
          String.format(
              Locale.ROOT,
              "sampleRate=%d Hz in '%s' (FLAC STREAMINFO), expected %d..%d Hz",
              rate,
              name,
              MIN_SAMPLE_RATE,
              MAX_SAMPLE_RATE));
    }
    checkChannel(mode, channels, name);
    long total = flac.totalSamples();
    this.framesLeft = Long.MAX_VALUE;
    this.info =
        new WavInfo(
            name,
            0xF1AC,
            SampleFormat.FLAC,
            rate,
            channels,
            flac.bitsPerSample(),
            total,
            total,
            false,
            List.of());
  }

  private static void checkChannel(ChannelMode mode, int channels, String name) {
    if (!mode.isAverage() && mode.channelIndex() >= channels) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "channel=%d but '%s' has %d channel%s, expected 0..%d",
              mode.channelIndex(),
              name,
              channels,
              channels == 1 ? "" : "s",
              channels - 1));
    }
  }

  private int readFlac(float[] dst, int off, int len) throws IOException {
    final int first = mode.isAverage() ? 0 : mode.channelIndex();
    final int count = mode.isAverage() ? channels : 1;
    final float scale = averageScale;
    final double s = flacScale;
    int total = 0;
    while (total < len) {
      if (flacPos == flacLen) {
        int n = flac.nextBlock();
        if (n < 0) {
          if (info.frames() < 0) {
            info =
                new WavInfo(
                    info.name(),
                    info.formatTag(),
                    info.sampleFormat(),
                    info.sampleRate(),
                    channels,
                    info.bitsPerSample(),
                    framesRead,
                    -1,
                    false,
                    info.warnings());
          }
          framesLeft = 0;
          break;
        }
        flacPos = 0;
        flacLen = n;
      }
      int m = Math.min(len - total, flacLen - flacPos);
      int p = off + total;
      if (count == 1) {
        long[] x = flac.channel(first);
        for (int i = 0; i < m; i++) {
          dst[p + i] = (float) (x[flacPos + i] * s);
        }
      } else {
        for (int i = 0; i < m; i++) {
          float sum = 0f;
          for (int c = 0; c < count; c++) {
            sum += (float) (flac.channel(c)[flacPos + i] * s);
          }
          dst[p + i] = sum * scale;
        }
      }
      flacPos += m;
      total += m;
      framesRead += m;
    }
    return total == 0 ? -1 : total;
  }

  /**
   * Returns what the header says. For a stream of unknown length that ended early, the info read
   * after the end reports the frames really read and the truncation.
   */
  public WavInfo info() {
    return info;
  }

  /** Returns the number of frames delivered so far. */
  public long position() {
    return framesRead;
  }

  /**
   * Reads up to {@code len} mono frames as float32.
   *
   * @param dst where the samples go
   * @param off the first index written
   * @param len the most frames to read
   * @return the number of frames read (at least 1 if {@code len > 0}), or -1 at the end; 0 if
   *     {@code len} is 0
   * @throws WavFormatException on a NaN or infinite sample under {@link NonFiniteSamples#REJECT};
   *     for FLAC, on a corrupt or truncated frame or an MD5 mismatch at the end
   * @throws IOException if reading fails
   * @throws IllegalStateException if the reader is closed
   */
  public int read(float[] dst, int off, int len) throws IOException {
    if (closed) {
      throw new IllegalStateException("WavReader is closed");
    }
    Objects.checkFromIndexSize(off, len, dst.length);
    if (len == 0) {
      return 0;
    }
    if (framesLeft == 0) {
      return -1;
    }
    if (flac != null) {
      return readFlac(dst, off, len);
    }
    int total = 0;
    while (total < len && framesLeft > 0) {
      int want = (int) Math.min(Math.min(len - total, framesLeft), bufferFrames);
      int bytes = input.readFully(buffer, 0, want * blockAlign);
      int got = bytes / blockAlign;
      decode(got, dst, off + total);
      total += got;
      framesRead += got;
      framesLeft -= got;
      if (got < want) {
        endedEarly(bytes % blockAlign);
        break;
      }
    }
    return total == 0 ? -1 : total;
  }

  private void endedEarly(int partialBytes) {
    framesLeft = 0;
    List<String> warnings = new ArrayList<>(info.warnings());
    boolean truncated = info.declaredFrames() >= 0;
    if (truncated && !info.truncated()) {
      long declaredBytes = info.declaredFrames() * blockAlign;
      warnings.add(
          truncationMessage(
              info.name(), declaredBytes, framesRead * blockAlign + partialBytes, blockAlign));
    } else if (partialBytes != 0) {
      warnings.add(
          String.format(
              Locale.ROOT,
              "'%s': the stream ends inside a frame; ignoring the last %d bytes",
              info.name(),
              partialBytes));
    }
    info =
        new WavInfo(
            info.name(),
            info.formatTag(),
            info.sampleFormat(),
            info.sampleRate(),
            info.channels(),
            info.bitsPerSample(),
            framesRead,
            info.declaredFrames(),
            truncated || info.truncated(),
            warnings);
  }

  private static String truncationMessage(String name, long declared, long present, int align) {
    return String.format(
        Locale.ROOT,
        "'%s' is truncated: its data chunk declares %d bytes (%d frames) but only %d bytes"
            + " (%d frames) are there; decoded the frames present",
        name,
        declared,
        declared / align,
        present,
        present / align);
  }

  private void decode(int frames, float[] dst, int off) throws WavFormatException {
    final byte[] b = buffer;
    final int ch = channels;
    final int first = mode.isAverage() ? 0 : mode.channelIndex();
    final int count = mode.isAverage() ? ch : 1;
    final float scale = mode.isAverage() ? averageScale : 1f;
    final int bps = bytesPerSample;
    for (int f = 0; f < frames; f++) {
      int p = f * blockAlign + first * bps;
      float sum = 0f;
      for (int c = 0; c < count; c++, p += bps) {
        float v;
        switch (format) {
          case PCM_U8:
            v = ((b[p] & 0xFF) - 128) * S8;
            break;
          case PCM_S16:
            v = (short) ((b[p] & 0xFF) | (b[p + 1] << 8)) * S16;
            break;
          case PCM_S24:
            v = (((b[p] & 0xFF) | ((b[p + 1] & 0xFF) << 8) | (b[p + 2] << 16))) * S24;
            break;
          case PCM_S32:
            v =
                (float)
                    (((b[p] & 0xFF)
                            | ((b[p + 1] & 0xFF) << 8)
                            | ((b[p + 2] & 0xFF) << 16)
                            | (b[p + 3] << 24))
                        * S32);
            break;
          case FLOAT32:
            v =
                Float.intBitsToFloat(
                    (b[p] & 0xFF)
                        | ((b[p + 1] & 0xFF) << 8)
                        | ((b[p + 2] & 0xFF) << 16)
                        | (b[p + 3] << 24));
            if (!Float.isFinite(v)) {
              v = nonFinite(v, f, first + c);
            }
            break;
          case FLOAT64:
            long lo =
                (b[p] & 0xFFL)
                    | ((b[p + 1] & 0xFFL) << 8)
                    | ((b[p + 2] & 0xFFL) << 16)
                    | ((b[p + 3] & 0xFFL) << 24);
            long hi =
                (b[p + 4] & 0xFFL)
                    | ((b[p + 5] & 0xFFL) << 8)
                    | ((b[p + 6] & 0xFFL) << 16)
                    | ((b[p + 7] & 0xFFL) << 24);
            double d = Double.longBitsToDouble(lo | (hi << 32));
            v = (float) d;
            if (!Double.isFinite(d) || !Float.isFinite(v)) {
              v = nonFinite(d, f, first + c);
            }
            break;
          case ALAW:
            v = G711.ALAW[b[p] & 0xFF];
            break;
          case MULAW:
            v = G711.MULAW[b[p] & 0xFF];
            break;
          default:
            throw new AssertionError(format);
        }
        sum += v;
      }
      dst[off + f] = count == 1 ? sum : sum * scale;
    }
  }

  private float nonFinite(double v, int frameInBuffer, int channel) throws WavFormatException {
    if (nonFinite == NonFiniteSamples.REPLACE_WITH_ZERO) {
      return 0f;
    }
    String what =
        Double.isNaN(v) || Double.isInfinite(v) ? String.valueOf(v) : v + " (beyond float32 range)";
    throw new WavFormatException(
        String.format(
            Locale.ROOT,
            "sample %s at frame %d, channel %d in '%s', expected a finite float"
                + " (open with NonFiniteSamples.REPLACE_WITH_ZERO to replace such samples by 0)",
            what,
            framesRead + frameInBuffer,
            channel,
            info.name()));
  }

  /** Closes the file; idempotent. */
  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      input.close();
    }
  }

  /** The parsed and checked header up to the start of the data chunk. */
  private static final class Header {
    int formatTag;
    SampleFormat format;
    int channels;
    int sampleRate;
    long dataSize = -1; // -1: unknown, read to the end
    final List<String> warnings = new ArrayList<>();

    static Header parse(RiffInput in, String name) throws IOException {
      byte[] h = new byte[40];
      int n = in.readFully(h, 0, 12);
      if (n == 0) {
        throw new WavFormatException("'" + name + "' is empty (0 bytes), expected a WAV file");
      }
      String riff = fourCc(h, 0, Math.min(n, 4));
      boolean rf64 = false;
      if (n < 4 && !"RIFF".startsWith(riff) && !"RF64".startsWith(riff)) {
        throw new WavFormatException(
            "'" + name + "' is not a WAV file: starts with " + quote(riff) + ", expected 'RIFF'");
      }
      if (n >= 4) {
        if (riff.equals("RIFX")) {
          throw new WavFormatException(
              "'" + name + "' is a big-endian RIFX file, expected little-endian RIFF");
        }
        rf64 = riff.equals("RF64") || riff.equals("BW64");
        if (!riff.equals("RIFF") && !rf64) {
          throw new WavFormatException(
              "'" + name + "' is not a WAV file: starts with " + quote(riff) + ", expected 'RIFF'");
        }
      }
      if (n < 12) {
        throw new WavFormatException(
            "'" + name + "' ends after " + n + " bytes, inside the 12-byte RIFF header");
      }
      String form = fourCc(h, 8, 4);
      if (!form.equals("WAVE")) {
        throw new WavFormatException(
            "'" + name + "' is a RIFF file of form " + quote(form) + ", expected 'WAVE'");
      }
      Header hd = new Header();
      boolean haveFmt = false;
      long ds64Data = -1;
      while (true) {
        long at = in.position();
        n = in.readFully(h, 0, 8);
        if (n < 8) {
          if (!haveFmt) {
            throw new WavFormatException(
                "'" + name + "' has no fmt chunk (the file ends at byte " + in.position() + ")");
          }
          throw new WavFormatException(
              "'" + name + "' has no data chunk (the file ends at byte " + in.position() + ")");
        }
        String id = fourCc(h, 0, 4);
        long size = u32(h, 4);
        if (id.equals("fmt ")) {
          if (size < 16) {
            throw new WavFormatException(
                "fmt chunk of " + size + " bytes in '" + name + "', expected at least 16");
          }
          int take = (int) Math.min(size, 40);
          if (in.readFully(h, 0, take) < take) {
            throw new WavFormatException(
                "'" + name + "' ends inside its fmt chunk (at byte " + in.position() + ")");
          }
          hd.parseFmt(h, take, name);
          haveFmt = true;
          skipOrFail(in, size - take + (size & 1), id, at, size, name, true);
        } else if (id.equals("ds64") && rf64) {
          if (size < 24 || in.readFully(h, 0, 24) < 24) {
            throw new WavFormatException(
                "'" + name + "' has a short ds64 chunk (" + size + " bytes)");
          }
          ds64Data = u32(h, 8) | (u32(h, 12) << 32);
          skipOrFail(in, size - 24 + (size & 1), id, at, size, name, true);
        } else if (id.equals("data")) {
          if (!haveFmt) {
            throw new WavFormatException(
                "'" + name + "' has its data chunk before the fmt chunk, expected fmt first");
          }
          if (rf64 && size == UNKNOWN_SIZE && ds64Data >= 0) {
            hd.dataSize = ds64Data;
          } else {
            hd.dataSize = size == UNKNOWN_SIZE ? -1 : size;
          }
          return hd;
        } else {
          skipOrFail(in, size + (size & 1), id, at, size, name, false);
        }
      }
    }

    private static void skipOrFail(
        RiffInput in, long n, String id, long at, long size, String name, boolean known)
        throws IOException {
      if (n <= 0) {
        return;
      }
      long done = in.skip(n);
      if (done < n && !(done == n - 1 && (size & 1) == 1)) {
        // A missing pad byte at the very end is tolerated; anything else means the chunk
        // runs past the end of the file, so no data chunk can follow.
        throw new WavFormatException(
            String.format(
                Locale.ROOT,
                "'%s' has no data chunk: its %s chunk at byte %d declares %d bytes,"
                    + " more than the %d bytes left in the file",
                name,
                quote(id),
                at,
                size,
                done));
      }
    }

    private void parseFmt(byte[] h, int len, String name) throws WavFormatException {
      formatTag = u16(h, 0);
      channels = u16(h, 2);
      long rawRate = u32(h, 4);
      int blockAlign = u16(h, 12);
      int bits = u16(h, 14);
      int tag = formatTag;
      if (formatTag == 0xFFFE) {
        if (len < 40) {
          throw new WavFormatException(
              "WAVE_FORMAT_EXTENSIBLE fmt chunk of "
                  + len
                  + " bytes in '"
                  + name
                  + "', expected 40");
        }
        int validBits = u16(h, 18);
        tag = u16(h, 24);
        if (!isBaseGuid(h, 26) || (tag != 1 && tag != 3 && tag != 6 && tag != 7)) {
          throw new WavFormatException(
              "WAVE_FORMAT_EXTENSIBLE sub-format "
                  + guid(h, 24)
                  + " in '"
                  + name
                  + "', expected KSDATAFORMAT_SUBTYPE_PCM or _IEEE_FLOAT"
                  + " (0000000{1,3}-0000-0010-8000-00aa00389b71)");
        }
        if (validBits > bits) {
          warnings.add(
              "'"
                  + name
                  + "': validBitsPerSample="
                  + validBits
                  + " exceeds bitsPerSample="
                  + bits
                  + "; decoding "
                  + bits
                  + "-bit containers");
        }
      }
      if (channels < 1 || channels > MAX_CHANNELS) {
        throw new WavFormatException(
            "channels=" + channels + " in '" + name + "', expected 1.." + MAX_CHANNELS);
      }
      if (rawRate < MIN_SAMPLE_RATE || rawRate > MAX_SAMPLE_RATE) {
        throw new WavFormatException(
            "sampleRate="
                + rawRate
                + " Hz in '"
                + name
                + "', expected "
                + MIN_SAMPLE_RATE
                + ".."
                + MAX_SAMPLE_RATE
                + " Hz");
      }
      sampleRate = (int) rawRate;
      switch (tag) {
        case 1:
          switch (bits) {
            case 8:
              format = SampleFormat.PCM_U8;
              break;
            case 16:
              format = SampleFormat.PCM_S16;
              break;
            case 24:
              format = SampleFormat.PCM_S24;
              break;
            case 32:
              format = SampleFormat.PCM_S32;
              break;
            default:
              throw new WavFormatException(
                  "bitsPerSample=" + bits + " for PCM in '" + name + "', expected 8, 16, 24 or 32");
          }
          break;
        case 3:
          if (bits == 32) {
            format = SampleFormat.FLOAT32;
          } else if (bits == 64) {
            format = SampleFormat.FLOAT64;
          } else {
            throw new WavFormatException(
                "bitsPerSample=" + bits + " for IEEE float in '" + name + "', expected 32 or 64");
          }
          break;
        case 6:
        case 7:
          if (bits != 8) {
            throw new WavFormatException(
                "bitsPerSample="
                    + bits
                    + " for "
                    + (tag == 6 ? "A-law" : "mu-law")
                    + " in '"
                    + name
                    + "', expected 8");
          }
          format = tag == 6 ? SampleFormat.ALAW : SampleFormat.MULAW;
          break;
        default:
          throw new WavFormatException(
              String.format(
                  Locale.ROOT,
                  "formatTag=0x%04X%s in '%s', expected 0x0001 (PCM), 0x0003 (IEEE float),"
                      + " 0x0006 (A-law), 0x0007 (mu-law) or 0xFFFE (extensible)",
                  tag,
                  formatName(tag),
                  name));
      }
      int expectedAlign = channels * format.bytesPerSample();
      if (blockAlign != expectedAlign) {
        warnings.add(
            "'"
                + name
                + "': blockAlign="
                + blockAlign
                + " but channels*bitsPerSample/8="
                + expectedAlign
                + "; using "
                + expectedAlign);
      }
    }

    private static String formatName(int tag) {
      switch (tag) {
        case 0x0000:
          return " (unknown)";
        case 0x0002:
          return " (MS ADPCM)";
        case 0x0011:
          return " (IMA ADPCM)";
        case 0x0031:
          return " (GSM 6.10)";
        case 0x0050:
          return " (MPEG)";
        case 0x0055:
          return " (MPEG Layer 3)";
        case 0x00FF:
        case 0x1610:
          return " (AAC)";
        case 0xF1AC:
          return " (FLAC)";
        default:
          return "";
      }
    }

    private static final byte[] BASE_GUID_TAIL = {
      0x00,
      0x00,
      0x00,
      0x00,
      0x10,
      0x00,
      (byte) 0x80,
      0x00,
      0x00,
      (byte) 0xAA,
      0x00,
      0x38,
      (byte) 0x9B,
      0x71
    };

    private static boolean isBaseGuid(byte[] h, int off) {
      for (int i = 0; i < BASE_GUID_TAIL.length; i++) {
        if (h[off + i] != BASE_GUID_TAIL[i]) {
          return false;
        }
      }
      return true;
    }

    private static String guid(byte[] h, int off) {
      StringBuilder sb = new StringBuilder();
      sb.append(String.format(Locale.ROOT, "%08x-", u32(h, off)));
      sb.append(String.format(Locale.ROOT, "%04x-", u16(h, off + 4)));
      sb.append(String.format(Locale.ROOT, "%04x-", u16(h, off + 6)));
      for (int i = 8; i < 16; i++) {
        sb.append(String.format(Locale.ROOT, "%02x", h[off + i] & 0xFF));
        if (i == 9) {
          sb.append('-');
        }
      }
      return sb.toString();
    }
  }

  private static int u16(byte[] b, int p) {
    return (b[p] & 0xFF) | ((b[p + 1] & 0xFF) << 8);
  }

  private static long u32(byte[] b, int p) {
    return (b[p] & 0xFFL)
        | ((b[p + 1] & 0xFFL) << 8)
        | ((b[p + 2] & 0xFFL) << 16)
        | ((b[p + 3] & 0xFFL) << 24);
  }

  private static String fourCc(byte[] b, int off, int len) {
    char[] c = new char[len];
    for (int i = 0; i < len; i++) {
      c[i] = (char) (b[off + i] & 0xFF);
    }
    return new String(c);
  }

  private static String quote(String fourCc) {
    StringBuilder sb = new StringBuilder("'");
    for (char c : fourCc.toCharArray()) {
      if (c >= 0x20 && c < 0x7F) {
        sb.append(c);
      } else {
        sb.append(String.format(Locale.ROOT, "\\x%02X", (int) c));
      }
    }
    return sb.append('\'').toString();
  }
}
