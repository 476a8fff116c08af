package dev.stapes.models;

import dev.stapes.engine.SessionOptions;
import dev.stapes.store.ModelStore;
import java.nio.file.Path;

/**
 * How to open a {@link Pipeline}: from a model store or a model file, a variant, a chunk length and
 * ONNX Runtime options. Immutable; the {@code with...} methods return a copy.
 *
 * @param store where the pipeline's models come from when {@code model} is null; null: {@link
 *     ModelStore#fromEnvironment()} when first needed
 * @param model a model file to use instead of the store's (null: the store's)
 * @param variant the pipeline's variant: the wake word of {@code wakeword}, the preset of {@code
 *     features}; null: the pipeline's default
 * @param chunkMs the chunk (hop) in milliseconds; 0: the pipeline's own. Pipelines whose model has
 *     one fixed chunk accept only that value
 * @param options ONNX Runtime options for every model of the pipeline
 */
public record PipelineConfig(
    ModelStore store, Path model, String variant, double chunkMs, SessionOptions options) {

  public PipelineConfig {
    if (!(chunkMs >= 0)) { // NaN or negative would otherwise fall back to the default
      throw new IllegalArgumentException(
          "chunk=" + chunkMs + " ms, expected a positive duration (0: the pipeline's own)");
    }
    if (options == null) {
      options = SessionOptions.builder().optIntraOpThreads(1).optInterOpThreads(1).build();
    }
  }

  /** Every setting at its default: the environment's store, one ONNX Runtime thread per model. */
  public static PipelineConfig defaults() {
    return new PipelineConfig(null, null, null, 0, null);
  }

  /** This configuration with models from {@code s}. */
  public PipelineConfig withStore(ModelStore s) {
    return new PipelineConfig(s, model, variant, chunkMs, options);
  }

  /** This configuration with the model file {@code m} (null: the store's). */
  public PipelineConfig withModel(Path m) {
    return new PipelineConfig(store, m, variant, chunkMs, options);
  }

  /** This configuration with variant {@code v}. */
  public PipelineConfig withVariant(String v) {
    return new PipelineConfig(store, model, v, chunkMs, options);
  }

  /** This configuration with a chunk of {@code ms} milliseconds (0: the pipeline's own). */
  public PipelineConfig withChunkMs(double ms) {
    return new PipelineConfig(store, model, variant, ms, options);
  }

  /** This configuration with ONNX Runtime options {@code o}. */
  public PipelineConfig withOptions(SessionOptions o) {
    return new PipelineConfig(store, model, variant, chunkMs, o);
  }

  /** The store: the given one, else the environment's. */
  public ModelStore storeOrDefault() {
    return store != null ? store : ModelStore.fromEnvironment();
  }

  /**
   * The chunk in samples at {@code rate}: from {@link #chunkMs()}, else {@code defaultMs}.
   *
   * @throws IllegalArgumentException outside 1 sample to 10 s
   */
  public int chunkSamples(double defaultMs, int rate) {
    double ms = chunkMs > 0 ? chunkMs : defaultMs;
    long n = Math.round(ms * rate / 1000.0);
    if (n < 1 || n > 10L * rate) {
      throw new IllegalArgumentException(
          "chunk=" + ms + " ms at " + rate + " Hz, expected 1 sample to 10 s");
    }
    return (int) n;
  }

  /**
   * Refuses a chunk other than the model's fixed one.
   *
   * @param pipeline the pipeline's name, for the message
   * @param fixedMs the model's chunk in milliseconds
   * @param what the model, for the message ({@code "Silero v5"})
   * @throws IllegalArgumentException if {@link #chunkMs()} is set to another value
   */
  public void requireChunkMs(String pipeline, double fixedMs, String what) {
    if (chunkMs > 0 && Math.abs(chunkMs - fixedMs) > 1e-9) {
      throw new IllegalArgumentException(
          "chunk="
              + chunkMs
              + " ms, expected "
              + (fixedMs == Math.rint(fixedMs) ? String.valueOf((long) fixedMs) : fixedMs)
              + " ms"
              + (what.isEmpty() ? "" : " (" + what + ")")
              + " for pipeline '"
              + pipeline
              + "'");
    }
  }
}
