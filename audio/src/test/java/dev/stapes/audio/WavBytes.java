package dev.stapes.audio;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Builds WAV files byte by byte for tests, independently of {@link WavWriter}: any format tag, bit
 * depth, channel count, extra chunks, and wrong size fields.
 */
final class WavBytes {
  int formatTag = 1;
  int channels = 1;
  int sampleRate = 16000;
  int bitsPerSample = 16;
  int blockAlign = -1; // -1: computed
  boolean extensible;
  int subFormat = 1;
  byte[] guidTail = {
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
  long dataSizeOverride = -1;
  long riffSizeOverride = -1;
  final ByteArrayOutputStream before = new ByteArrayOutputStream();
  final ByteArrayOutputStream after = new ByteArrayOutputStream();

  /** Adds a chunk before fmt (true) or between fmt and data (false). */
  WavBytes chunk(String id, byte[] payload, boolean beforeFmt) {
    ByteArrayOutputStream o = beforeFmt ? before : after;
    o.writeBytes(id.getBytes(StandardCharsets.US_ASCII));
    o.writeBytes(le32(payload.length));
    o.writeBytes(payload);
    if ((payload.length & 1) == 1) {
      o.write(0);
    }
    return this;
  }

  byte[] build(byte[] data) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    int bytes = (bitsPerSample + 7) / 8;
    int align = blockAlign >= 0 ? blockAlign : channels * bytes;
    ByteBuffer fmt =
        ByteBuffer.allocate(extensible ? 40 : formatTag == 3 ? 18 : 16)
            .order(ByteOrder.LITTLE_ENDIAN);
    fmt.putShort((short) (extensible ? 0xFFFE : formatTag));
    fmt.putShort((short) channels).putInt(sampleRate).putInt(sampleRate * align);
    fmt.putShort((short) align).putShort((short) bitsPerSample);
    if (extensible) {
      fmt.putShort((short) 22).putShort((short) bitsPerSample).putInt(0);
      fmt.putShort((short) subFormat).put(guidTail);
    } else if (formatTag == 3) {
      fmt.putShort((short) 0);
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(ascii("WAVE"));
    body.writeBytes(before.toByteArray());
    body.writeBytes(ascii("fmt "));
    body.writeBytes(le32(fmt.capacity()));
    body.writeBytes(fmt.array());
    body.writeBytes(after.toByteArray());
    body.writeBytes(ascii("data"));
    body.writeBytes(le32(dataSizeOverride >= 0 ? dataSizeOverride : data.length));
    body.writeBytes(data);
    if ((data.length & 1) == 1) {
      body.write(0);
    }
    o.writeBytes(ascii("RIFF"));
    o.writeBytes(le32(riffSizeOverride >= 0 ? riffSizeOverride : body.size()));
    o.writeBytes(body.toByteArray());
    return o.toByteArray();
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] le32(long v) {
    return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
  }

  /** Encodes interleaved samples in [-1, 1] the way common writers do (round, clip). */
  static byte[] encode(double[] x, int bits, boolean isFloat) {
    ByteBuffer b = ByteBuffer.allocate(x.length * bits / 8).order(ByteOrder.LITTLE_ENDIAN);
    for (double v : x) {
      if (isFloat) {
        if (bits == 32) {
          b.putFloat((float) v);
        } else {
          b.putDouble(v);
        }
        continue;
      }
      long q = Math.round(v * (1L << (bits - 1)));
      q = Math.max(-(1L << (bits - 1)), Math.min((1L << (bits - 1)) - 1, q));
      switch (bits) {
        case 8:
          b.put((byte) (q + 128));
          break;
        case 16:
          b.putShort((short) q);
          break;
        case 24:
          b.put((byte) q).put((byte) (q >> 8)).put((byte) (q >> 16));
          break;
        case 32:
          b.putInt((int) q);
          break;
        default:
          throw new IllegalArgumentException("bits=" + bits);
      }
    }
    return b.array();
  }
}
