package dev.stapes.audio;

/** Mel scales and the way triangles are laid on them. */
public enum MelScale {
  /**
   * HTK: {@code mel = 2595 log10(1 + f/700)}; triangles linear in Hz between mel-spaced corners
   * (torchaudio {@code melscale_fbanks(mel_scale="htk")}).
   */
  HTK,
  /**
   * Slaney (Auditory Toolbox, librosa default): linear below 1 kHz, logarithmic above; triangles
   * linear in Hz (torchaudio {@code mel_scale="slaney"}, librosa {@code htk=False}).
   */
  SLANEY,
  /**
   * Kaldi: {@code mel = 1127 ln(1 + f/700)}; triangles linear in mel, evaluated at bin frequencies
   * {@code k * rate / nFft} for {@code k < nFft/2}, Nyquist bin weight 0
   * (torchaudio.compliance.kaldi {@code get_mel_banks}).
   */
  KALDI;

  /** Parses {@code htk}, {@code slaney}, {@code kaldi}. */
  public static MelScale parse(String name) {
    switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "htk":
        return HTK;
      case "slaney":
        return SLANEY;
      case "kaldi":
        return KALDI;
      default:
        throw new IllegalArgumentException(
            "melScale='" + name + "', expected one of [htk, slaney, kaldi]");
    }
  }
}
