package dev.stapes.models.enhance;

import dev.stapes.models.Pipeline;
import dev.stapes.models.PipelineConfig;
import dev.stapes.models.PipelineProvider;
import dev.stapes.store.ModelEntry;
import java.io.IOException;
import java.util.List;

/** The store entries of the speech-enhancement family: GTCRN. */
public final class EnhanceCatalog implements PipelineProvider {

  /** Store name of GTCRN, the streaming speech-enhancement model. */
  public static final String GTCRN = "gtcrn";

  @Override
  public String name() {
    return "enhance";
  }

  @Override
  public String description() {
    return "GTCRN: speech enhancement of 16 kHz audio (16 ms hops), audio out";
  }

  @Override
  public Pipeline open(PipelineConfig config) throws IOException {
    config.requireChunkMs(name(), 16, "one hop");
    return EnhancePipeline.open(config);
  }

  /** Needed by {@link java.util.ServiceLoader}. */
  public EnhanceCatalog() {}

  @Override
  public List<ModelEntry> models() {
    return List.of(
        ModelEntry.https(
            GTCRN,
            "gtcrn_simple.onnx",
            "b4718df6228e7bdf1a8a435cf98f838636eb2fd331acabf86ba87c5192ebcb87",
            "MIT (GTCRN, Xiaobin Rong)",
            4L << 20,
            "github.com/Xiaobin-Rong/gtcrn@3862c44808dca492ea5a8a145d2dc2a1028d08c8"
                + " stream/onnx_models/gtcrn_simple.onnx",
            "GTCRN: streaming speech enhancement, one 16 ms STFT hop per run at 16 kHz",
            "https://raw.githubusercontent.com/Xiaobin-Rong/gtcrn/"
                + "3862c44808dca492ea5a8a145d2dc2a1028d08c8/stream/onnx_models/gtcrn_simple.onnx",
            "https://github.com/Xiaobin-Rong/gtcrn/raw/"
                + "3862c44808dca492ea5a8a145d2dc2a1028d08c8/stream/onnx_models/gtcrn_simple.onnx"));
  }
}
