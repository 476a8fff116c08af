package dev.stapes.audio;

/** How samples outside {@code [0, n)} are made up when a frame reaches past either end. */
public enum PadMode {
  /** Mirror without repeating the edge sample ({@code x[1], x[0], x[1]}): torch/numpy "reflect". */
  REFLECT,
  /** Zeros: torch "constant". */
  ZEROS,
  /** Mirror repeating the edge sample ({@code x[0], x[0], x[1]}): Kaldi's non-snip-edges rule. */
  SYMMETRIC;

  /** Parses {@code reflect}, {@code zeros} (or {@code constant}), {@code symmetric}. */
  public static PadMode parse(String name) {
    switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "reflect":
        return REFLECT;
      case "zeros":
      case "zero":
      case "constant":
        return ZEROS;
      case "symmetric":
        return SYMMETRIC;
      default:
        throw new IllegalArgumentException(
            "padMode='" + name + "', expected one of [reflect, zeros, symmetric]");
    }
  }
}
