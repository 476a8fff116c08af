package dev.stapes.models.kws;

import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.StreamSpec;
import dev.stapes.models.store.ModelCatalog;
import dev.stapes.models.store.ModelStore;
import java.io.IOException;
import java.nio.file.Path;

/**
 * KWT-1, the Keyword Transformer (ARM-software/keyword-transformer, Apache-2.0), as Stapes serves
 * it: the TFLite file from the model store, imported to ONNX once and cached. Entry point for
 * pipelines and benchmarks.
 *
 * <p>Input {@value #INPUT}: {@code [1, 16000]} float32, one second of 16 kHz audio in [-1, 1]
 * (feature extraction is inside the graph). Output {@value #OUTPUT}: {@code [1, 12]} logits in
 * {@link KeywordSpotter#LABELS} order.
 */
public final class Kwt1 {

  /** The model's input name (kept from TFLite). */
  public static final String INPUT = "input_1";

  /** The model's output name (kept from TFLite). */
  public static final String OUTPUT = "sequential_12/dense_73/BiasAdd";

  private Kwt1() {}

  /** The imported ONNX file, fetched and imported on first use. */
  public static Path onnx(ModelStore store) throws IOException {
    return store.onnx(ModelCatalog.KWT1);
  }

  /** A session on KWT-1 from {@code store}. */
  public static Session open(ModelStore store, SessionOptions options) throws IOException {
    return Session.open(onnx(store), options);
  }

  /** Single-threaded session options (intra- and inter-op threads 1), as the CLI uses. */
  public static SessionOptions singleThreaded() {
    return SessionOptions.builder().optIntraOpThreads(1).optInterOpThreads(1).build();
  }

  /**
   * The streaming contract of KWT-1 for one window every {@code hopSamples}: chunks of one hop,
   * {@code 16000 - hopSamples} samples of context carried.
   */
  public static StreamSpec streamSpec(int hopSamples) {
    if (hopSamples < 1 || hopSamples > KwsOptions.WINDOW_SAMPLES) {
      throw new IllegalArgumentException(
          "hopSamples=" + hopSamples + ", expected 1.." + KwsOptions.WINDOW_SAMPLES);
    }
    return StreamSpec.builder()
        .setAudioInput(INPUT)
        .setChunkSamples(hopSamples)
        .optContextSamples(KwsOptions.WINDOW_SAMPLES - hopSamples)
        .optAudioShape(1, KwsOptions.WINDOW_SAMPLES)
        .addOutput(OUTPUT)
        .optSampleRate(KwsOptions.SAMPLE_RATE)
        .build();
  }
}
