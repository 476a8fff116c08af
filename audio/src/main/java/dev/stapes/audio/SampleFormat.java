package dev.stapes.audio;

/**
 * How one sample is stored: in a WAV data chunk (always little-endian), or compressed in a FLAC
 * stream.
 */
public enum SampleFormat {
  /** Unsigned 8-bit PCM, 128 is silence; decoded as {@code (b - 128) / 128}. */
  PCM_U8(1, "PCM u8"),
  /** Signed 16-bit PCM; decoded as {@code s / 32768}. */
  PCM_S16(2, "PCM s16le"),
  /** Signed 24-bit PCM, packed in 3 bytes; decoded as {@code s / 2^23}. */
  PCM_S24(3, "PCM s24le"),
  /** Signed 32-bit PCM; decoded as {@code s / 2^31}. */
  PCM_S32(4, "PCM s32le"),
  /** IEEE 754 binary32; passed through unscaled (values beyond [-1, 1] are kept). */
  FLOAT32(4, "IEEE float32le"),
  /** IEEE 754 binary64; rounded to float32, unscaled. */
  FLOAT64(8, "IEEE float64le"),
  /** ITU-T G.711 A-law, 8 bits; decoded to the 13-bit linear value over 2^15. */
  ALAW(1, "G.711 A-law"),
  /** ITU-T G.711 mu-law, 8 bits; decoded to the 14-bit linear value over 2^15. */
  MULAW(1, "G.711 mu-law"),
  /**
   * FLAC, lossless: integers of {@link WavInfo#bitsPerSample()} bits (4..32), decoded as {@code s /
   * 2^(bits-1)}; {@link #bytesPerSample()} is 0, the size of a sample varying from frame to frame.
   */
  FLAC(0, "FLAC");

  private final int bytes;
  private final String description;

  SampleFormat(int bytes, String description) {
    this.bytes = bytes;
    this.description = description;
  }

  /** Returns the bytes one sample of one channel occupies; 0 for {@link #FLAC}. */
  public int bytesPerSample() {
    return bytes;
  }

  /** Returns whether the samples are IEEE floating point. */
  public boolean isFloat() {
    return this == FLOAT32 || this == FLOAT64;
  }

  /** Returns a short human-readable name, e.g. {@code PCM s16le}. */
  public String description() {
    return description;
  }
}
