package dev.stapes.audio;

/** Where frames lie and how the window sits in the FFT frame. */
public enum Framing {
  /**
   * Kaldi: frames of {@code win} samples (start {@code i*hop} with snip-edges, {@code i*hop + hop/2
   * - win/2} without, outside samples mirrored with the edge repeated); DC removal and pre-emphasis
   * per frame; the windowed frame goes to the start of the FFT buffer, zeros after.
   */
  KALDI,
  /**
   * torch.stft: frames of {@code nFft} samples, the {@code win}-sample window centred in them; with
   * {@code center} the signal is padded by {@code nFft/2} on both sides.
   */
  TORCH;

  /** Parses {@code kaldi} or {@code torch}. */
  public static Framing parse(String name) {
    switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "kaldi":
        return KALDI;
      case "torch":
        return TORCH;
      default:
        throw new IllegalArgumentException(
            "framing='" + name + "', expected one of [kaldi, torch]");
    }
  }
}
