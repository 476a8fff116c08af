package dev.stapes.audio;

/**
 * Features of a whole signal: {@code frames} rows of {@code bins} values, row-major in {@code data}
 * ({@code [frames, bins]}, the layout of the .npy files the command line writes).
 */
public record FeatureMatrix(int frames, int bins, float[] data) {
  public FeatureMatrix {
    if (frames < 0 || bins < 1 || data.length != (long) frames * bins) {
      throw new IllegalArgumentException(
          "frames="
              + frames
              + " bins="
              + bins
              + " data length="
              + data.length
              + ", expected frames*bins");
    }
  }

  /** Value at frame {@code f}, bin {@code b}. */
  public float get(int f, int b) {
    return data[f * bins + b];
  }

  /** A copy as {@code [frames][bins]}. */
  public float[][] toArray() {
    float[][] a = new float[frames][bins];
    for (int f = 0; f < frames; f++) {
      System.arraycopy(data, f * bins, a[f], 0, bins);
    }
    return a;
  }
}
