package dev.stapes.audio.internal;

import dev.stapes.audio.WavFormatException;
import java.io.EOFException;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Locale;

/**
 * A FLAC decoder written from the format specification (RFC 9639): the metadata blocks (STREAMINFO
 * read, the others skipped), then one frame at a time into per-channel integer blocks.
 *
 * <p>Everything the format allows is decoded: 4 to 32 bits per sample, 1 to 8 channels, any block
 * size (1..65536), fixed and variable block-size streams, CONSTANT, VERBATIM, FIXED and LPC
 * subframes with wasted bits, Rice and Rice2 residuals with escaped partitions, and left/side,
 * right/side and mid/side stereo. Each frame's CRC-8 (header) and CRC-16 (frame) are checked, and
 * the MD5 of the decoded audio is checked against STREAMINFO's at the end where the encoder set it.
 *
 * <p>Every problem is a {@link WavFormatException} with one line that names the file, the byte
 * offset and what is wrong. Buffers are bounded by the format (65536 samples per channel), never by
 * a size field; the work is linear in the bytes of the file, so no input makes it loop.
 *
 * <p>Cost model: {@link #nextBlock} allocates nothing once the block buffers have reached the
 * stream's largest block. Not thread-safe: one thread at a time.
 */
public final class FlacDecoder {
  /** The largest block the frame header can express, in samples per channel. */
  public static final int MAX_BLOCK_SIZE = 65536;

  private static final int STREAMINFO_BYTES = 34;
  private static final int[] SAMPLE_SIZES = {0, 8, 12, -1, 16, 20, 24, 32};
  private static final int[] SAMPLE_RATES = {
    0, 88200, 176400, 192000, 8000, 16000, 22050, 24000, 32000, 44100, 48000, 96000
  };

  private final String name;
  private final FlacBitInput bits;
  private final int sampleRate;
  private final int channels;
  private final int bitsPerSample;
  private final long totalSamples; // -1 if STREAMINFO says 0 (unknown)
  private final byte[] md5; // null if unset (all zero)
  private final MessageDigest digest;
  private final int bytesPerSample;
  private final long[] coefs = new long[32];
  private long[][] block;
  private byte[] md5Buf;
  private int strategy = -1; // 0 fixed, 1 variable block size
  private long frames;
  private long samples;
  private long frameStart;
  private boolean finished;
  private String failure; // the message of the error that stopped the stream

  private FlacDecoder(RiffInput in, String name, byte[] info) throws WavFormatException {
    this.name = name;
    int minBlock = u16(info, 0);
    int maxBlock = u16(info, 2);
    sampleRate = (u8(info, 10) << 12) | (u8(info, 11) << 4) | (u8(info, 12) >>> 4);
    channels = ((u8(info, 12) >>> 1) & 7) + 1;
    bitsPerSample = (((u8(info, 12) & 1) << 4) | (u8(info, 13) >>> 4)) + 1;
    long total = ((u8(info, 13) & 0xFL) << 32) | (u16(info, 14) & 0xFFFFL) << 16 | u16(info, 16);
    totalSamples = total == 0 ? -1 : total;
    byte[] sum = Arrays.copyOfRange(info, 18, 34);
    md5 = isZero(sum) ? null : sum;
    if (bitsPerSample < 4) {
      throw new WavFormatException(
          String.format(
              Locale.ROOT,
              "'%s': STREAMINFO says %d bits per sample, expected 4..32",
              name,
              bitsPerSample));
    }
    if (maxBlock != 0 && minBlock > maxBlock) {
      throw new WavFormatException(
          String.format(
              Locale.ROOT,
              "'%s': STREAMINFO says minimum block size %d > maximum block size %d",
              name,
              minBlock,
              maxBlock));
    }
    bytesPerSample = (bitsPerSample + 7) >> 3;
    int cap = maxBlock >= 16 ? maxBlock : 4608;
    block = new long[channels][cap];
    if (md5 != null) {
      try {
        digest = MessageDigest.getInstance("MD5");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("the JDK has no MD5", e);
      }
      md5Buf = new byte[cap * channels * bytesPerSample];
    } else {
      digest = null;
    }
    bits = new FlacBitInput(in);
  }

  /**
   * Reads the {@code fLaC} marker and the metadata blocks; the input is then at the first frame.
   *
   * @param in the input, positioned at the {@code fLaC} marker
   * @param name the file name used in messages
   * @return the decoder
   * @throws WavFormatException if the stream marker or the metadata is not valid FLAC
   * @throws IOException if reading fails
   */
  public static FlacDecoder open(RiffInput in, String name) throws IOException {
    byte[] h = new byte[STREAMINFO_BYTES];
    long at = in.position();
    if (in.readFully(h, 0, 4) < 4 || h[0] != 'f' || h[1] != 'L' || h[2] != 'a' || h[3] != 'C') {
      throw new WavFormatException(
          String.format(Locale.ROOT, "'%s': no 'fLaC' stream marker at byte %d", name, at));
    }
    byte[] info = null;
    boolean last = false;
    while (!last) {
      at = in.position();
      if (in.readFully(h, 0, 4) < 4) {
        throw new WavFormatException(
            String.format(
                Locale.ROOT,
                "'%s' ends at byte %d, inside the metadata block header at byte %d",
                name,
                in.position(),
                at));
      }
      last = (h[0] & 0x80) != 0;
      int type = h[0] & 0x7F;
      int len = (u8(h, 1) << 16) | (u8(h, 2) << 8) | u8(h, 3);
      if (info == null && type != 0) {
        throw new WavFormatException(
            String.format(
                Locale.ROOT,
                "'%s': the first metadata block (at byte %d) is of type %d, expected 0"
                    + " (STREAMINFO)",
                name,
                at,
                type));
      }
      if (type == 127) {
        throw new WavFormatException(
            String.format(
                Locale.ROOT,
                "'%s': metadata block at byte %d has the forbidden type 127",
                name,
                at));
      }
      if (type == 0) {
        if (info != null) {
          throw new WavFormatException(
              String.format(Locale.ROOT, "'%s': a second STREAMINFO block at byte %d", name, at));
        }
        if (len != STREAMINFO_BYTES) {
          throw new WavFormatException(
              String.format(
                  Locale.ROOT,
                  "'%s': STREAMINFO block at byte %d declares %d bytes, expected 34",
                  name,
                  at,
                  len));
        }
        if (in.readFully(h, 0, STREAMINFO_BYTES) < STREAMINFO_BYTES) {
          throw new WavFormatException(
              String.format(
                  Locale.ROOT,
                  "'%s' ends at byte %d, inside its STREAMINFO block (at byte %d)",
                  name,
                  in.position(),
                  at));
        }
        info = h.clone();
      } else {
        long done = in.skip(len);
        if (done < len) {
          throw new WavFormatException(
              String.format(
                  Locale.ROOT,
                  "'%s': metadata block of type %d at byte %d declares %d bytes, more than the"
                      + " %d bytes left in the file",
                  name,
                  type,
                  at,
                  len,
                  done));
        }
      }
    }
    return new FlacDecoder(in, name, info);
  }

  /** Returns the sample rate from STREAMINFO, in Hz (0 if not set). */
  public int sampleRate() {
    return sampleRate;
  }

  /** Returns the number of channels, 1..8. */
  public int channels() {
    return channels;
  }

  /** Returns the bits per sample, 4..32. */
  public int bitsPerSample() {
    return bitsPerSample;
  }

  /** Returns the samples per channel that STREAMINFO declares, or -1 if it does not say. */
  public long totalSamples() {
    return totalSamples;
  }

  /** Returns the samples per channel decoded so far. */
  public long samplesDecoded() {
    return samples;
  }

  /**
   * Returns the samples of channel {@code c} of the block last decoded, in {@code [0, n)} where
   * {@code n} is what {@link #nextBlock} returned; the array is reused by the next block.
   */
  public long[] channel(int c) {
    return block[c];
  }

  /**
   * Decodes the next frame.
   *
   * @return its number of samples per channel, or -1 at the end of the stream (after which the MD5
   *     has been checked)
   * @throws WavFormatException if the frame is corrupt, the file ends early, or the MD5 differs
   * @throws IOException if reading fails
   */
  public int nextBlock() throws IOException {
    if (failure != null) {
      throw new WavFormatException(failure); // the stream cannot resume after a bad frame
    }
    try {
      return decodeNext();
    } catch (WavFormatException e) {
      failure = e.getMessage();
      throw e;
    }
  }

  private int decodeNext() throws IOException {
    if (finished) {
      return -1;
    }
    if (samples == totalSamples) {
      // Everything declared is decoded: bytes after the last frame (a trailing tag) are ignored.
      return finish();
    }
    if (bits.atEnd()) {
      if (totalSamples >= 0) {
        throw new WavFormatException(
            String.format(
                Locale.ROOT,
                "'%s' is truncated: it ends at byte %d after %d of the %d samples its STREAMINFO"
                    + " declares",
                name,
                bits.byteOffset(),
                samples,
                totalSamples));
      }
      return finish();
    }
    frameStart = bits.byteOffset();
    try {
      return frame();
    } catch (EOFException e) {
      throw new WavFormatException(
          String.format(
              Locale.ROOT,
              "'%s' is truncated: it ends at byte %d, inside frame %d (at byte %d)",
              name,
              bits.byteOffset(),
              frames,
              frameStart));
    }
  }

  private int finish() throws WavFormatException {
    finished = true;
    if (md5 != null) {
      byte[] got = digest.digest();
      if (!Arrays.equals(got, md5)) {
        throw new WavFormatException(
            String.format(
                Locale.ROOT,
                "'%s': the MD5 of the decoded audio is %s but STREAMINFO says %s; the file is"
                    + " corrupt",
                name,
                hex(got),
                hex(md5)));
      }
    }
    return -1;
  }

  private int frame() throws IOException {
    int mark = bits.startFrame();
    int sync = (int) bits.bits(16);
    if ((sync & 0xFFFE) != 0xFFF8) {
      throw corrupt(String.format(Locale.ROOT, "expected a frame sync code, found 0x%04X", sync));
    }
    int strat = sync & 1;
    int bsCode = (int) bits.bits(4);
    int srCode = (int) bits.bits(4);
    int chCode = (int) bits.bits(4);
    int ssCode = (int) bits.bits(3);
    int reserved = (int) bits.bits(1);
    long number = codedNumber();
    int blockSize;
    if (bsCode == 6) {
      blockSize = (int) bits.bits(8) + 1;
    } else if (bsCode == 7) {
      blockSize = (int) bits.bits(16) + 1;
    } else if (bsCode == 1) {
      blockSize = 192;
    } else if (bsCode >= 2 && bsCode <= 5) {
      blockSize = 144 << bsCode;
    } else {
      blockSize = bsCode == 0 ? 0 : 1 << bsCode;
    }
    int rate;
    if (srCode == 12) {
      rate = (int) bits.bits(8) * 1000;
    } else if (srCode == 13) {
      rate = (int) bits.bits(16);
    } else if (srCode == 14) {
      rate = (int) bits.bits(16) * 10;
    } else {
      rate = srCode < 12 ? SAMPLE_RATES[srCode] : -1;
    }
    int crc = bits.crc8(mark);
    int stored = (int) bits.bits(8);
    if (crc != stored) {
      throw corrupt(
          String.format(
              Locale.ROOT,
              "header CRC-8 is 0x%02X but the header says 0x%02X; the file is corrupt",
              crc,
              stored));
    }
    if (bsCode == 0 || srCode == 15 || chCode > 10 || ssCode == 3 || reserved != 0) {
      throw corrupt(
          String.format(
              Locale.ROOT,
              "reserved value in the frame header (block size code %d, sample rate code %d,"
                  + " channel assignment %d, sample size code %d, reserved bit %d)",
              bsCode,
              srCode,
              chCode,
              ssCode,
              reserved));
    }
    int ch = chCode < 8 ? chCode + 1 : 2;
    int bps = ssCode == 0 ? bitsPerSample : SAMPLE_SIZES[ssCode];
    if (ch != channels || bps != bitsPerSample || (rate > 0 && rate != sampleRate)) {
      throw corrupt(
          String.format(
              Locale.ROOT,
              "the frame has %d channels, %d bits, %s Hz but STREAMINFO says %d channels,"
                  + " %d bits, %d Hz",
              ch,
              bps,
              rate > 0 ? String.valueOf(rate) : "(STREAMINFO's)",
              channels,
              bitsPerSample,
              sampleRate));
    }
    if (strategy < 0) {
      strategy = strat;
    } else if (strat != strategy) {
      throw corrupt("the blocking strategy changes between fixed and variable block size");
    }
    long expected = strat == 0 ? frames : samples;
    if (number != expected) {
      throw corrupt(
          String.format(
              Locale.ROOT,
              "the frame says %s %d, expected %d (a frame is missing, repeated or out of order)",
              strat == 0 ? "frame number" : "first sample",
              number,
              expected));
    }
    if (totalSamples >= 0 && samples + blockSize > totalSamples) {
      throw corrupt(
          String.format(
              Locale.ROOT,
              "its %d samples run past the %d samples that STREAMINFO declares",
              blockSize,
              totalSamples));
    }
    ensureCapacity(blockSize);
    for (int c = 0; c < channels; c++) {
      boolean side = (chCode == 8 || chCode == 10) ? c == 1 : chCode == 9 && c == 0;
      subframe(block[c], blockSize, bps + (side ? 1 : 0), c);
    }
    bits.alignToByte();
    int crc16 = bits.crc16();
    int stored16 = (int) bits.bits(16);
    if (crc16 != stored16) {
      throw corrupt(
          String.format(
              Locale.ROOT,
              "frame CRC-16 is 0x%04X but the frame says 0x%04X; the file is corrupt",
              crc16,
              stored16));
    }
    decorrelate(chCode, blockSize);
    if (digest != null) {
      updateMd5(blockSize);
    }
    frames++;
    samples += blockSize;
    return blockSize;
  }

  /** The UTF-8-like coded frame or sample number (RFC 9639, section 9.1.5). */
  private long codedNumber() throws IOException {
    int first = (int) bits.bits(8);
    int extra;
    long v;
    if (first < 0x80) {
      return first;
    } else if (first >= 0xC0 && first < 0xE0) {
      extra = 1;
      v = first & 0x1F;
    } else if (first >= 0xE0 && first < 0xF0) {
      extra = 2;
      v = first & 0x0F;
    } else if (first >= 0xF0 && first < 0xF8) {
      extra = 3;
      v = first & 0x07;
    } else if (first >= 0xF8 && first < 0xFC) {
      extra = 4;
      v = first & 0x03;
    } else if (first >= 0xFC && first < 0xFE) {
      extra = 5;
      v = first & 0x01;
    } else if (first == 0xFE) {
      extra = 6;
      v = 0;
    } else {
      throw corrupt(String.format(Locale.ROOT, "malformed coded number, first byte 0x%02X", first));
    }
    for (int i = 0; i < extra; i++) {
      int b = (int) bits.bits(8);
      if ((b & 0xC0) != 0x80) {
        throw corrupt(
            String.format(Locale.ROOT, "malformed coded number, continuation byte 0x%02X", b));
      }
      v = (v << 6) | (b & 0x3F);
    }
    return v;
  }

  private void ensureCapacity(int blockSize) {
    if (block[0].length < blockSize) {
      for (int c = 0; c < channels; c++) {
        block[c] = new long[blockSize];
      }
      if (md5Buf != null) {
        md5Buf = new byte[blockSize * channels * bytesPerSample];
      }
    }
  }

  private void subframe(long[] s, int n, int sbps, int c) throws IOException {
    if (bits.bits(1) != 0) {
      throw corrupt(subframe(c) + "its padding bit is set");
    }
    int type = (int) bits.bits(6);
    int wasted = 0;
    if (bits.bits(1) != 0) {
      wasted = bits.unary(sbps) + 1;
      if (wasted >= sbps) {
        throw corrupt(
            String.format(
                Locale.ROOT,
                "%sclaims %s wasted bits of its %d-bit samples",
                subframe(c),
                wasted > sbps ? "more than " + sbps : String.valueOf(wasted),
                sbps));
      }
    }
    int b = sbps - wasted;
    if (type == 0) {
      Arrays.fill(s, 0, n, bits.signed(b));
    } else if (type == 1) {
      for (int i = 0; i < n; i++) {
        s[i] = bits.signed(b);
      }
    } else if (type >= 8 && type <= 12) {
      int order = type - 8;
      warmUp(s, n, order, b, c);
      residual(s, n, order, c);
      fixed(s, n, order);
    } else if (type >= 32) {
      int order = type - 31;
      warmUp(s, n, order, b, c);
      int precision = (int) bits.bits(4) + 1;
      if (precision == 16) {
        throw corrupt(subframe(c) + "has the invalid coefficient precision code 15");
      }
      int shift = (int) bits.signed(5);
      if (shift < 0) {
        throw corrupt(
            String.format(
                Locale.ROOT, "%shas a negative prediction shift (%d)", subframe(c), shift));
      }
      for (int j = 0; j < order; j++) {
        coefs[j] = bits.signed(precision);
      }
      residual(s, n, order, c);
      lpc(s, n, order, shift);
    } else {
      throw corrupt(
          String.format(Locale.ROOT, "%shas the reserved subframe type %d", subframe(c), type));
    }
    if (wasted > 0) {
      for (int i = 0; i < n; i++) {
        s[i] <<= wasted;
      }
    }
  }

  private void warmUp(long[] s, int n, int order, int b, int c) throws IOException {
    if (order > n) {
      throw corrupt(
          String.format(
              Locale.ROOT,
              "%shas predictor order %d, more than the block size %d",
              subframe(c),
              order,
              n));
    }
    for (int i = 0; i < order; i++) {
      s[i] = bits.signed(b);
    }
  }

  private void residual(long[] s, int n, int order, int c) throws IOException {
    int method = (int) bits.bits(2);
    if (method > 1) {
      throw corrupt(
          String.format(
              Locale.ROOT, "%shas the reserved residual coding method %d", subframe(c), method));
    }
    int paramBits = method == 0 ? 4 : 5;
    int escape = (1 << paramBits) - 1;
    int partitionOrder = (int) bits.bits(4);
    int per = n >> partitionOrder;
    if ((per << partitionOrder) != n || per < order) {
      throw corrupt(
          String.format(
              Locale.ROOT,
              "%shas partition order %d, which does not fit block size %d with predictor"
                  + " order %d",
              subframe(c),
              partitionOrder,
              n,
              order));
    }
    int i = order;
    for (int p = 0, parts = 1 << partitionOrder; p < parts; p++) {
      int end = i + (p == 0 ? per - order : per);
      int k = (int) bits.bits(paramBits);
      if (k == escape) {
        int raw = (int) bits.bits(5);
        if (raw == 0) {
          Arrays.fill(s, i, end, 0);
        } else {
          for (; i < end; i++) {
            s[i] = bits.signed(raw);
          }
        }
        i = end;
        continue;
      }
      // A residual is a 32-bit signed value (RFC 9639, 9.2.7): its folded form fits 32 bits.
      int maxQ = (int) Math.min(Integer.MAX_VALUE, 0xFFFFFFFFL >>> k);
      for (; i < end; i++) {
        int q = bits.unary(maxQ);
        if (q > maxQ) {
          throw corrupt(
              String.format(
                  Locale.ROOT,
                  "%shas a Rice code at sample %d whose value exceeds 32 bits",
                  subframe(c),
                  i));
        }
        long u = ((long) q << k) | bits.bits(k);
        s[i] = (u >>> 1) ^ -(u & 1);
      }
    }
  }

  private static void fixed(long[] s, int n, int order) {
    switch (order) {
      case 0:
        break;
      case 1:
        for (int i = 1; i < n; i++) {
          s[i] += s[i - 1];
        }
        break;
      case 2:
        for (int i = 2; i < n; i++) {
          s[i] += 2 * s[i - 1] - s[i - 2];
        }
        break;
      case 3:
        for (int i = 3; i < n; i++) {
          s[i] += 3 * s[i - 1] - 3 * s[i - 2] + s[i - 3];
        }
        break;
      default:
        for (int i = 4; i < n; i++) {
          s[i] += 4 * s[i - 1] - 6 * s[i - 2] + 4 * s[i - 3] - s[i - 4];
        }
        break;
    }
  }

  private void lpc(long[] s, int n, int order, int shift) {
    final long[] a = coefs;
    for (int i = order; i < n; i++) {
      long sum = 0;
      for (int j = 0; j < order; j++) {
        sum += a[j] * s[i - 1 - j];
      }
      s[i] += sum >> shift;
    }
  }

  private void decorrelate(int chCode, int n) {
    long[] a = block[0];
    long[] b = channels > 1 ? block[1] : null;
    switch (chCode) {
      case 8: // left, side: right = left - side
        for (int i = 0; i < n; i++) {
          b[i] = a[i] - b[i];
        }
        break;
      case 9: // side, right: left = side + right
        for (int i = 0; i < n; i++) {
          a[i] += b[i];
        }
        break;
      case 10: // mid, side
        for (int i = 0; i < n; i++) {
          long side = b[i];
          long mid = (a[i] << 1) | (side & 1);
          a[i] = (mid + side) >> 1;
          b[i] = (mid - side) >> 1;
        }
        break;
      default:
        break;
    }
  }

  /** MD5 input: interleaved little-endian samples of {@code ceil(bits / 8)} bytes each. */
  private void updateMd5(int n) {
    final byte[] out = md5Buf;
    final int bps = bytesPerSample;
    int p = 0;
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < channels; c++) {
        long v = block[c][i];
        for (int k = 0; k < bps; k++) {
          out[p++] = (byte) (v >> (8 * k));
        }
      }
    }
    digest.update(out, 0, p);
  }

  private String subframe(int c) {
    return "the subframe of channel " + c + " ";
  }

  private WavFormatException corrupt(String what) {
    return new WavFormatException(
        String.format(
            Locale.ROOT, "'%s': frame %d at byte %d: %s", name, frames, frameStart, what));
  }

  private static int u8(byte[] b, int p) {
    return b[p] & 0xFF;
  }

  private static int u16(byte[] b, int p) {
    return (u8(b, p) << 8) | u8(b, p + 1);
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static String hex(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (byte x : b) {
      sb.append(String.format(Locale.ROOT, "%02x", x & 0xFF));
    }
    return sb.toString();
  }
}
