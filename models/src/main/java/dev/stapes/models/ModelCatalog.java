package dev.stapes.models;

import dev.stapes.models.enhance.EnhanceCatalog;
import dev.stapes.models.kws.KwsCatalog;
import dev.stapes.models.vad.VadCatalog;
import dev.stapes.models.wakeword.WakeWordCatalog;
import dev.stapes.store.ModelEntry;
import dev.stapes.store.ModelRegistry;
import java.util.ArrayList;
import java.util.List;

/**
 * The third-party models that Stapes knows, each with a pinned SHA-256, a licence note and a
 * source. None of them is committed to the repository: {@link dev.stapes.store.ModelStore} fetches
 * them on first use.
 *
 * <p>The entries are contributed by the model families ({@link VadCatalog}, {@link
 * WakeWordCatalog}, {@link KwsCatalog}, {@link EnhanceCatalog}) through {@link
 * dev.stapes.store.CatalogContributor}; this class names the well-known ones and answers wake-word
 * questions. To add a model family, write its contributor in the family's package and list it in
 * {@code META-INF/services/dev.stapes.store.CatalogContributor}.
 */
public final class ModelCatalog {

  /** Prefix of the store names of openWakeWord classifiers: keyword {@code K} is {@code oww-K}. */
  public static final String WAKEWORD_PREFIX = WakeWordCatalog.WAKEWORD_PREFIX;

  /** Store name of Silero VAD v5. */
  public static final String SILERO_VAD_V5 = VadCatalog.SILERO_VAD_V5;

  /** Store name of openWakeWord's mel spectrogram model. */
  public static final String OWW_MELSPECTROGRAM = WakeWordCatalog.OWW_MELSPECTROGRAM;

  /** Store name of KWT-1, the Keyword Transformer (TFLite, imported to ONNX on fetch). */
  public static final String KWT1 = KwsCatalog.KWT1;

  /** Store name of openWakeWord's embedding model. */
  public static final String OWW_EMBEDDING = WakeWordCatalog.OWW_EMBEDDING;

  /** Store name of GTCRN, the streaming speech-enhancement model. */
  public static final String GTCRN = EnhanceCatalog.GTCRN;

  private ModelCatalog() {}

  /** Every entry, in catalog order. */
  public static List<ModelEntry> entries() {
    return ModelRegistry.entries();
  }

  /**
   * The entry called {@code name}.
   *
   * @throws IllegalArgumentException if there is none; the message lists the valid names
   */
  public static ModelEntry get(String name) {
    return ModelRegistry.get(name);
  }

  /** The keywords that have a wake-word classifier in the catalog ({@code alexa}, ...). */
  public static List<String> wakewords() {
    List<String> out = new ArrayList<>();
    for (ModelEntry e : entries()) {
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
    return get(WAKEWORD_PREFIX + wakewordKeyword(keyword));
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
