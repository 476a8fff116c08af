package dev.stapes.bench.rt;

import java.nio.file.Path;

/**
 * Which pipeline to open and how: the name and the settings that the harness's command line and
 * {@code bench/budgets.json} can give.
 *
 * @param pipeline the pipeline's name, one of {@link Pipelines#NAMES}
 * @param chunkMs chunk duration in milliseconds, or 0 for the pipeline's own default
 * @param preset frontend preset for {@code features}, or {@code null} for the default
 * @param model model file for {@code infer} (and to override a pipeline's default model), or null
 * @param keyword wake word for {@code wakeword}, or null for the default
 */
public record PipelineSpec(
    String pipeline, double chunkMs, String preset, Path model, String keyword) {

  /** A spec with every setting at its default. */
  public static PipelineSpec of(String pipeline) {
    return new PipelineSpec(pipeline, 0, null, null, null);
  }

  /** This spec with another chunk duration. */
  public PipelineSpec withChunkMs(double ms) {
    return new PipelineSpec(pipeline, ms, preset, model, keyword);
  }

  /** This spec with another preset. */
  public PipelineSpec withPreset(String p) {
    return new PipelineSpec(pipeline, chunkMs, p, model, keyword);
  }

  /** A label for reports: {@code "features:kaldi-fbank@10ms"}. */
  public String label() {
    StringBuilder b = new StringBuilder(pipeline);
    if (preset != null) {
      b.append(':').append(preset);
    }
    if (keyword != null) {
      b.append(':').append(keyword);
    }
    if (model != null) {
      b.append(':').append(model.getFileName());
    }
    if (chunkMs > 0) {
      b.append('@').append(RtResult.fmt(chunkMs)).append("ms");
    }
    return b.toString();
  }
}
