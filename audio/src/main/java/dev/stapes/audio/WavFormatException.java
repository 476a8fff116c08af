package dev.stapes.audio;

import java.io.IOException;

/**
 * An audio file that cannot be decoded: a WAV file that is not RIFF/WAVE, has a header field out of
 * range, an unsupported encoding, a missing chunk or a non-finite float sample; a FLAC file that is
 * truncated or corrupt (a CRC or MD5 mismatch, a reserved code); or a file in a format Stapes does
 * not read (MP3, Ogg, ...), with a converter command in the message.
 *
 * <p>The message is one line that names the file, the field, its value and the valid range or set,
 * for example {@code channels=0 in 'x.wav', expected 1..256}; for FLAC also the byte offset, {@code
 * 'x.flac': frame 3 at byte 9120: frame CRC-16 is 0x1A2B but the frame says 0x3C4D; the file is
 * corrupt}.
 */
public class WavFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message one line naming the file, the problem and the valid range
   */
  public WavFormatException(String message) {
    super(message);
  }
}
