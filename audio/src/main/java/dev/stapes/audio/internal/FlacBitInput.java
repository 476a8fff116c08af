package dev.stapes.audio.internal;

import java.io.EOFException;
import java.io.IOException;

/**
 * The bit reader under {@link FlacDecoder}: MSB-first bits from a {@link RiffInput} through one 64
 * KiB buffer and a 64-bit cache, with the frame checksums of RFC 9639 (CRC-8 of a frame header,
 * CRC-16 of a whole frame) computed over the bytes consumed. The end of the input inside a read is
 * an {@link EOFException}, which the decoder turns into a message naming the file and the frame.
 *
 * <p>Cost model: allocates nothing after construction. Not thread-safe.
 */
final class FlacBitInput {
  /** The longest frame header, in bytes: sync 2, codes 2, number 7, block size 2, rate 2, CRC 1. */
  static final int MAX_HEADER_BYTES = 16;

  private static final int[] CRC8 = new int[256];
  private static final int[] CRC16 = new int[256];

  static {
    for (int i = 0; i < 256; i++) {
      int c8 = i;
      int c16 = i << 8;
      for (int b = 0; b < 8; b++) {
        c8 = (c8 & 0x80) != 0 ? ((c8 << 1) ^ 0x07) & 0xFF : (c8 << 1) & 0xFF;
        c16 = (c16 & 0x8000) != 0 ? ((c16 << 1) ^ 0x8005) & 0xFFFF : (c16 << 1) & 0xFFFF;
      }
      CRC8[i] = c8;
      CRC16[i] = c16;
    }
  }

  private final RiffInput in;
  private final byte[] buf = new byte[1 << 16];
  private long base; // file offset of buf[0]
  private int limit; // bytes valid in buf
  private int pos; // next byte of buf to enter the cache
  private long cache; // valid bits left-aligned, the bits below them zero
  private int cacheBits;
  private boolean eof;
  private int crc16;
  private int crcFrom; // buf index from which crc16 is not yet updated

  FlacBitInput(RiffInput in) {
    this.in = in;
    this.base = in.position();
  }

  /** Returns the file offset of the next unread bit's byte. */
  long byteOffset() {
    return base + pos - ((cacheBits + 7) >> 3);
  }

  /** Returns the buffer index of the first byte not wholly consumed. */
  private int consumedIndex() {
    return pos - ((cacheBits + 7) >> 3);
  }

  /**
   * At a byte boundary between frames: makes at least {@link #MAX_HEADER_BYTES} bytes available
   * where the input has them, and returns whether the input has ended.
   */
  boolean atEnd() throws IOException {
    if (limit - consumedIndex() < MAX_HEADER_BYTES && !eof) {
      refill();
    }
    return consumedIndex() == limit;
  }

  /** Starts the CRC-16 of a frame at the current (byte-aligned) position; returns a mark. */
  int startFrame() {
    crc16 = 0;
    crcFrom = consumedIndex();
    return crcFrom;
  }

  /**
   * Returns the CRC-8 of the bytes from {@code mark} (from {@link #startFrame}) to the current
   * byte-aligned position; valid only within {@link #MAX_HEADER_BYTES} of the mark, which {@link
   * #atEnd} guarantees to lie in the buffer.
   */
  int crc8(int mark) {
    int c = 0;
    for (int i = mark, end = consumedIndex(); i < end; i++) {
      c = CRC8[c ^ (buf[i] & 0xFF)];
    }
    return c;
  }

  /** Returns the CRC-16 of the frame so far, up to the current byte-aligned position. */
  int crc16() {
    updateCrc();
    return crc16;
  }

  private void updateCrc() {
    int c = crc16;
    for (int i = crcFrom, end = consumedIndex(); i < end; i++) {
      c = ((c << 8) & 0xFFFF) ^ CRC16[(c >>> 8) ^ (buf[i] & 0xFF)];
    }
    crc16 = c;
    crcFrom = Math.max(crcFrom, consumedIndex());
  }

  /** Drops the bits up to the next byte boundary. */
  void alignToByte() {
    int drop = cacheBits & 7;
    cache <<= drop;
    cacheBits -= drop;
  }

  /** Reads {@code n} bits, 0..32, as an unsigned value. */
  long bits(int n) throws IOException {
    if (n == 0) {
      return 0;
    }
    if (cacheBits < n) {
      fill(n);
    }
    long v = cache >>> (64 - n);
    cache <<= n;
    cacheBits -= n;
    return v;
  }

  /** Reads {@code n} bits, 1..33, as a two's complement value. */
  long signed(int n) throws IOException {
    if (n > 32) {
      long hi = bits(n - 32);
      long v = (hi << 32) | bits(32);
      return (v << (64 - n)) >> (64 - n);
    }
    long v = bits(n);
    return (v << (64 - n)) >> (64 - n);
  }

  /**
   * Reads a unary number: the count of 0 bits before the next 1 bit, which is consumed too. Stops
   * early, returning a value above {@code max}, once the count exceeds {@code max}.
   */
  int unary(int max) throws IOException {
    int q = 0;
    while (true) {
      if (cacheBits == 0) {
        fill(1);
      }
      if (cache == 0) {
        q += cacheBits;
        cacheBits = 0;
        if (q > max) {
          return q;
        }
        continue;
      }
      int z = Long.numberOfLeadingZeros(cache);
      cache <<= z;
      cache <<= 1;
      cacheBits -= z + 1;
      return q + z;
    }
  }

  private void fill(int need) throws IOException {
    while (cacheBits < need) {
      if (pos == limit && !refill()) {
        throw new EOFException();
      }
      while (cacheBits <= 56 && pos < limit) {
        cache |= (buf[pos++] & 0xFFL) << (56 - cacheBits);
        cacheBits += 8;
      }
    }
  }

  /** Moves the unconsumed bytes to the front and reads more; returns whether any came. */
  private boolean refill() throws IOException {
    if (eof) {
      return false;
    }
    updateCrc();
    int keep = Math.min(crcFrom, pos);
    if (keep > 0) {
      System.arraycopy(buf, keep, buf, 0, limit - keep);
      base += keep;
      pos -= keep;
      limit -= keep;
      crcFrom -= keep;
    }
    int n = in.readFully(buf, limit, buf.length - limit);
    if (n < buf.length - limit) {
      eof = true;
    }
    limit += n;
    return n > 0;
  }
}
