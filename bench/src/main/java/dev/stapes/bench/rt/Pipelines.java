package dev.stapes.bench.rt;

import java.util.List;

/**
 * Opens the pipelines that the harness and the budget check can drive, by name.
 *
 * <p>{@code synthetic} is plain Java arithmetic (the in-run baseline of the budget check); the
 * others are Stapes' own pipelines.
 */
public final class Pipelines {

  /** Every pipeline name {@link #open} knows. */
  public static final List<String> NAMES =
      List.of(
          "synthetic",
          "features",
          "stft",
          "vad",
          "wakeword",
          "enhance",
          "kws",
          "infer",
          "hearable");

  private static final int DEFAULT_RATE = 16000;

  private Pipelines() {}

  /**
   * Opens the pipeline that {@code spec} names.
   *
   * @throws IllegalArgumentException for an unknown name or bad settings
   * @throws java.io.UncheckedIOException when a model file cannot be read
   */
  public static ChunkPipeline open(PipelineSpec spec) {
    if (!(spec.chunkMs() >= 0)) { // NaN or negative would otherwise fall back to the default
      throw new IllegalArgumentException(
          "chunk=" + spec.chunkMs() + " ms, expected a positive duration (0: the pipeline's own)");
    }
    switch (spec.pipeline()) {
      case "synthetic":
        return new SyntheticPipeline(
            DEFAULT_RATE, samples(spec, 10, DEFAULT_RATE), SyntheticPipeline.DEFAULT_TAPS);
      case "features":
        return new FeaturesPipeline(spec.preset(), spec.chunkMs());
      case "stft":
        return new StftPipeline(samples(spec, 10, DEFAULT_RATE));
      case "vad":
        if (spec.chunkMs() > 0 && Math.abs(spec.chunkMs() - 32) > 1e-9) {
          throw new IllegalArgumentException(
              "chunk=" + spec.chunkMs() + " ms, expected 32 ms for pipeline 'vad' (Silero v5)");
        }
        return new VadPipeline(spec.model());
      case "wakeword":
        if (spec.chunkMs() > 0 && Math.abs(spec.chunkMs() - 80) > 1e-9) {
          throw new IllegalArgumentException(
              "chunk=" + spec.chunkMs() + " ms, expected 80 ms for pipeline 'wakeword'");
        }
        return new WakeWordPipeline(spec.keyword());
      case "enhance":
        if (spec.chunkMs() > 0 && Math.abs(spec.chunkMs() - 16) > 1e-9) {
          throw new IllegalArgumentException(
              "chunk=" + spec.chunkMs() + " ms, expected 16 ms (one hop) for pipeline 'enhance'");
        }
        return new EnhancePipeline(spec.model());
      case "kws":
        return new KwsPipeline(spec.model(), samples(spec, 100, DEFAULT_RATE));
      case "infer":
        if (spec.model() == null) {
          throw new IllegalArgumentException("pipeline=infer needs --model M.onnx");
        }
        return new InferPipeline(spec.model(), spec.chunkMs());
      case "hearable":
        if (spec.chunkMs() > 0) {
          throw new IllegalArgumentException(
              "chunk=" + spec.chunkMs() + " ms: pipeline 'hearable' takes the model's own chunk");
        }
        return new HearablePipeline(spec.model());
      default:
        throw new IllegalArgumentException(
            "pipeline=" + spec.pipeline() + ", expected one of " + NAMES);
    }
  }

  /** The chunk length in samples for {@code spec}, from its chunk duration or the default. */
  static int samples(PipelineSpec spec, double defaultMs, int rate) {
    double ms = spec.chunkMs() > 0 ? spec.chunkMs() : defaultMs;
    long n = Math.round(ms * rate / 1000.0);
    if (n < 1 || n > 10 * rate) {
      throw new IllegalArgumentException(
          "chunk=" + ms + " ms at " + rate + " Hz, expected 1 sample to 10 s");
    }
    return (int) n;
  }
}
