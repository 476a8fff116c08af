package dev.stapes.bench.rt;

import dev.stapes.bench.jmh.BenchModels;
import dev.stapes.models.PipelineConfig;
import dev.stapes.models.enhance.GtcrnDescriptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens the pipelines that the harness and the budget check can drive, by name: every Stapes
 * pipeline ({@link dev.stapes.models.Pipelines}, through one adapter), plus the harness's own
 * baselines.
 *
 * <p>{@code synthetic} is plain Java arithmetic (the in-run baseline of the budget check), {@code
 * stft} the bare frontend transform, {@code infer} any ONNX file given with {@code --model}, {@code
 * hearable} a multi-channel streaming model, {@code enrolled-N} the wake word with N enrolled
 * heads, {@code vad-batch-N} N Silero VAD streams stepped together by one {@link
 * dev.stapes.engine.BatchRunner}, {@code injected} bound LoRA on every Linear layer of a 12-layer
 * transformer.
 */
public final class Pipelines {

  /** The harness's own pipelines, which are not Stapes pipelines. */
  private static final List<String> OWN =
      List.of(
          "synthetic",
          "stft",
          "infer",
          "injected",
          "hearable",
          "enrolled-0",
          "enrolled-1",
          "enrolled-10",
          "enrolled-100",
          "vad-batch-32");

  /** Every pipeline name {@link #open} knows: the harness's own, then every Stapes pipeline. */
  public static final List<String> NAMES = names();

  private static final int DEFAULT_RATE = 16000;

  private Pipelines() {}

  private static List<String> names() {
    List<String> n = new ArrayList<>(OWN);
    n.addAll(dev.stapes.models.Pipelines.names());
    return List.copyOf(n);
  }

  /**
   * Opens the pipeline that {@code spec} names.
   *
   * @throws IllegalArgumentException for an unknown name or bad settings
   * @throws PipelineUnavailableException when a model is not available
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
      case "stft":
        return new StftPipeline(samples(spec, 10, DEFAULT_RATE));
      case "infer":
        if (spec.model() == null) {
          throw new IllegalArgumentException("pipeline=infer needs --model M.onnx");
        }
        return new InferPipeline(spec.model(), spec.chunkMs());
      case "injected":
        return new InjectedPipeline(spec.chunkMs());
      case "hearable":
        if (spec.chunkMs() > 0) {
          throw new IllegalArgumentException(
              "chunk=" + spec.chunkMs() + " ms: pipeline 'hearable' takes the model's own chunk");
        }
        return new HearablePipeline(spec.model());
      default:
        if (spec.pipeline().startsWith("enrolled-")) {
          int n = count(spec.pipeline(), "enrolled-", 0, 1000);
          if (spec.chunkMs() > 0 && spec.chunkMs() != 80) {
            throw new IllegalArgumentException(
                "chunk=" + spec.chunkMs() + " ms: pipeline 'enrolled-N' takes 80 ms chunks");
          }
          return new EnrolledWordsPipeline(n);
        }
        if (spec.pipeline().startsWith("vad-batch-")) {
          int n = count(spec.pipeline(), "vad-batch-", 1, VadBatchPipeline.MAX_LANES);
          if (spec.chunkMs() > 0 && spec.chunkMs() != 32) {
            throw new IllegalArgumentException(
                "chunk=" + spec.chunkMs() + " ms: pipeline 'vad-batch-N' takes 32 ms chunks");
          }
          return new VadBatchPipeline(n, spec.model());
        }
        return stapes(spec);
    }
  }

  /**
   * Opens {@code model} on one intra-op and one inter-op thread, as every harness pipeline runs.
   *
   * @throws UncheckedIOException when the file cannot be read
   */
  static dev.stapes.engine.Session oneThread(Path model) {
    try {
      return dev.stapes.engine.Session.open(
          model,
          dev.stapes.engine.SessionOptions.builder()
              .optIntraOpThreads(1)
              .optInterOpThreads(1)
              .build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The N of a pipeline named {@code prefix + N}, N in min..max (the harness's counted pipelines).
   */
  private static int count(String name, String prefix, int min, int max) {
    int n = -1;
    try {
      n = Integer.parseInt(name.substring(prefix.length()));
    } catch (NumberFormatException e) {
      // reported below
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(
          "pipeline=" + name + ", expected " + prefix + "N with N in " + min + ".." + max);
    }
    return n;
  }

  /** A Stapes pipeline, with the bench's defaults: hey_jarvis, the shared KWT-1 and GTCRN files. */
  private static ChunkPipeline stapes(PipelineSpec spec) {
    String name = spec.pipeline();
    dev.stapes.models.PipelineProvider provider;
    try {
      provider = dev.stapes.models.Pipelines.provider(name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("pipeline=" + name + ", expected one of " + NAMES);
    }
    String variant = spec.preset() != null ? spec.preset() : spec.keyword();
    if (variant == null && name.equals("wakeword")) {
      variant = "hey_jarvis";
    }
    Path model = spec.model();
    if (model == null && name.equals("kws")) {
      model = BenchModels.kwt1();
    }
    if (model == null && name.equals("enhance")) {
      Path shared = BenchModels.shared("models", "gtcrn", GtcrnDescriptor.FILE);
      model = Files.isRegularFile(shared) ? shared : BenchModels.store(GtcrnDescriptor.STORE_NAME);
    }
    if (model == null && name.equals("vad")) {
      model = BenchModels.store(dev.stapes.models.ModelCatalog.SILERO_VAD_V5);
    }
    PipelineConfig config =
        PipelineConfig.defaults().withModel(model).withVariant(variant).withChunkMs(spec.chunkMs());
    dev.stapes.models.Pipeline p;
    try {
      p = provider.open(config);
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (IOException e) {
      if (model != null) {
        throw new UncheckedIOException(e);
      }
      throw new PipelineUnavailableException(
          name + " models unavailable (./stapes models fetch): " + e.getMessage(), e);
    }
    return new StreamPipeline(p, p.chunkSamples());
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
