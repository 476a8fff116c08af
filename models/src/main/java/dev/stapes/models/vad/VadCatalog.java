package dev.stapes.models.vad;

import dev.stapes.models.Pipeline;
import dev.stapes.models.PipelineConfig;
import dev.stapes.models.PipelineProvider;
import dev.stapes.store.ModelEntry;
import java.io.IOException;
import java.util.List;

/** The store entries of the voice-activity family: Silero VAD v5. */
public final class VadCatalog implements PipelineProvider {

  /** Store name of Silero VAD v5. */
  public static final String SILERO_VAD_V5 = "silero-vad-v5";

  /** Licence of Silero VAD. */
  static final String SILERO_LICENCE =
      "MIT (Silero VAD, snakers4/silero-vad; npm package @ricky0123/vad-web is ISC)";

  @Override
  public String name() {
    return "vad";
  }

  @Override
  public String description() {
    return "Silero VAD v5: speech segments of 16 kHz audio (32 ms chunks)";
  }

  @Override
  public Pipeline open(PipelineConfig config) throws IOException {
    config.requireChunkMs(name(), 32, "Silero v5");
    return VadPipeline.open(config);
  }

  /** Needed by {@link java.util.ServiceLoader}. */
  public VadCatalog() {}

  @Override
  public List<ModelEntry> models() {
    return List.of(
        ModelEntry.npm(
            SILERO_VAD_V5,
            "@ricky0123/vad-web",
            "0.0.31",
            "dist/silero_vad_v5.onnx",
            "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f",
            SILERO_LICENCE,
            "Silero VAD v5: speech probability per 32 ms chunk at 16 kHz (16 ms at 8 kHz)"));
  }
}
