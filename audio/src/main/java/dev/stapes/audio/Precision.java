package dev.stapes.audio;

/**
 * Arithmetic of the per-frame path (windowing, FFT, power, mel, log); output is float32 either way.
 */
public enum Precision {
  /** float32 throughout: fastest; as torch and Kaldi compute by default. */
  FLOAT32,
  /**
   * float64 up to the log: for int16-scaled, pre-emphasised frames (kaldi-fbank) whose quiet mel
   * bins lie 1e-9 below the frame energy, where float32 rounding alone moves the log by 5e-3.
   */
  FLOAT64;

  /** Parses {@code float32} or {@code float64}. */
  public static Precision parse(String name) {
    switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "float32":
      case "float":
        return FLOAT32;
      case "float64":
      case "double":
        return FLOAT64;
      default:
        throw new IllegalArgumentException(
            "precision='" + name + "', expected one of [float32, float64]");
    }
  }
}
