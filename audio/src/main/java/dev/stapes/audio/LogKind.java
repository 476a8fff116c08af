package dev.stapes.audio;

/**
 * The compression applied to mel energies {@code m}: {@code y = f(max(m + logOffset, logFloor))}.
 */
public enum LogKind {
  /** No compression: {@code y = m}. */
  NONE,
  /** Natural log (Kaldi, {@code ln(m + 1e-6)}). */
  LN,
  /** Base-10 log (Whisper). */
  LOG10,
  /** Power to decibels: {@code 10 log10(.)} (torchaudio AmplitudeToDB("power"), librosa). */
  DB;

  /** Parses {@code none}, {@code ln} (or {@code log}), {@code log10}, {@code db}. */
  public static LogKind parse(String name) {
    switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "none":
        return NONE;
      case "ln":
      case "log":
        return LN;
      case "log10":
        return LOG10;
      case "db":
        return DB;
      default:
        throw new IllegalArgumentException(
            "log='" + name + "', expected one of [none, ln, log10, db]");
    }
  }
}
