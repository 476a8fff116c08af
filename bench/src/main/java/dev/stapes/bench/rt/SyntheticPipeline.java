package dev.stapes.bench.rt;

/**
 * A pipeline of plain Java arithmetic whose cost is known and stable: a {@code taps}-tap FIR filter
 * over each chunk. It needs no model, allocates nothing, and serves as the reference that the
 * budget check measures in the same run as the real pipelines, so that budgets are ratios that hold
 * on any machine rather than absolute times that drift.
 */
public final class SyntheticPipeline implements ChunkPipeline {

  /** Default number of filter taps. */
  public static final int DEFAULT_TAPS = 64;

  private final int sampleRate;
  private final int chunk;
  private final float[] taps;
  private final float[] history;
  private double sum;

  /**
   * @param sampleRate sample rate in Hz, positive
   * @param chunkSamples samples per chunk, positive
   * @param taps filter length, positive
   */
  public SyntheticPipeline(int sampleRate, int chunkSamples, int taps) {
    if (sampleRate <= 0 || chunkSamples <= 0 || taps <= 0) {
      throw new IllegalArgumentException(
          "sampleRate="
              + sampleRate
              + " Hz, chunkSamples="
              + chunkSamples
              + ", taps="
              + taps
              + ": expected all positive");
    }
    this.sampleRate = sampleRate;
    this.chunk = chunkSamples;
    this.taps = new float[taps];
    for (int i = 0; i < taps; i++) {
      this.taps[i] = (float) (Math.sin(0.1 * (i + 1)) / taps);
    }
    this.history = new float[taps - 1 + chunkSamples];
  }

  @Override
  public String name() {
    return "synthetic";
  }

  @Override
  public int sampleRate() {
    return sampleRate;
  }

  @Override
  public int chunkSamples() {
    return chunk;
  }

  @Override
  public void process(float[] in) {
    int n = taps.length;
    System.arraycopy(history, chunk, history, 0, n - 1);
    System.arraycopy(in, 0, history, n - 1, chunk);
    float acc = 0;
    for (int i = 0; i < chunk; i++) {
      float y = 0;
      for (int k = 0; k < n; k++) {
        y += taps[k] * history[i + k];
      }
      acc += y;
    }
    sum += acc;
  }

  @Override
  public double checksum() {
    return sum;
  }

  @Override
  public void close() {}
}
