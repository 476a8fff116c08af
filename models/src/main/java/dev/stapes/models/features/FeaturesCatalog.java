package dev.stapes.models.features;

import dev.stapes.models.Pipeline;
import dev.stapes.models.PipelineConfig;
import dev.stapes.models.PipelineProvider;
import java.io.IOException;

/** The catalog entry of the features pipeline: no model, a frontend preset. */
public final class FeaturesCatalog implements PipelineProvider {

  /** Needed by {@link java.util.ServiceLoader}. */
  public FeaturesCatalog() {}

  @Override
  public String name() {
    return "features";
  }

  @Override
  public String description() {
    return "Streaming features (a dev.stapes.audio preset; default kaldi-fbank), frames out";
  }

  @Override
  public Pipeline open(PipelineConfig config) throws IOException {
    return FeaturesPipeline.open(config);
  }
}
