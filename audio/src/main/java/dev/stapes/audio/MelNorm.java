package dev.stapes.audio;

/** Normalisation of mel triangles. */
public enum MelNorm {
  /** Peak 1. */
  NONE,
  /** Slaney area normalisation: each triangle scaled by {@code 2 / (f_right - f_left)}. */
  SLANEY;

  /** Parses {@code none} or {@code slaney}. */
  public static MelNorm parse(String name) {
    switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "none":
        return NONE;
      case "slaney":
        return SLANEY;
      default:
        throw new IllegalArgumentException(
            "melNorm='" + name + "', expected one of [none, slaney]");
    }
  }
}
