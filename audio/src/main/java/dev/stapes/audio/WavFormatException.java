package dev.stapes.audio;

import java.io.IOException;

/**
 * A WAV file that cannot be decoded: not RIFF/WAVE, a header field out of range, an unsupported
 * encoding, a missing chunk, or a non-finite float sample.
 *
 * <p>The message is one line that names the file, the field, its value and the valid range or set,
 * for example {@code channels=0 in 'x.wav', expected 1..256}.
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
