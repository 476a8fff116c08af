package dev.stapes.models.kws;

import dev.stapes.models.Pipeline;
import dev.stapes.models.PipelineConfig;
import dev.stapes.models.PipelineProvider;
import dev.stapes.store.ModelEntry;
import java.io.IOException;
import java.util.List;

/** The store entries of the keyword-spotting family: KWT-1. */
public final class KwsCatalog implements PipelineProvider {

  /** Store name of KWT-1, the Keyword Transformer (TFLite, imported to ONNX on fetch). */
  public static final String KWT1 = "kwt1";

  /** Licence of KWT-1. */
  static final String KWT1_LICENCE = "Apache-2.0 (ARM-software/keyword-transformer, LICENSE.txt)";

  @Override
  public String name() {
    return "kws";
  }

  @Override
  public String description() {
    return "KWT-1: Speech Commands keywords in 16 kHz audio (1 s windows, 100 ms hop)";
  }

  @Override
  public Pipeline open(PipelineConfig config) throws IOException {
    return KwsPipeline.open(config);
  }

  /** Needed by {@link java.util.ServiceLoader}. */
  public KwsCatalog() {}

  @Override
  public List<ModelEntry> models() {
    return List.of(
        ModelEntry.https(
            KWT1,
            "kwt1_non_stream.tflite",
            "b7dc15b422494adbdd1b721c4a0f073af36a4d93331e96299512eb1561278327",
            KWT1_LICENCE,
            16L << 20,
            "github.com/ARM-software/keyword-transformer at commit"
                + " 237e4097afd4f6851e0b82f0a8d65c2dfe8eae30, file"
                + " models_data_v2_12_labels/kwt1/tflite_non_stream/non_stream.tflite",
            "KWT-1 keyword transformer (Speech Commands v2, 12 labels): 1 s of 16 kHz audio"
                + " -> logits; TFLite, imported to ONNX on fetch",
            "https://raw.githubusercontent.com/ARM-software/keyword-transformer/"
                + "237e4097afd4f6851e0b82f0a8d65c2dfe8eae30/models_data_v2_12_labels/kwt1/"
                + "tflite_non_stream/non_stream.tflite",
            "https://github.com/ARM-software/keyword-transformer/raw/"
                + "237e4097afd4f6851e0b82f0a8d65c2dfe8eae30/models_data_v2_12_labels/kwt1/"
                + "tflite_non_stream/non_stream.tflite"));
  }
}
