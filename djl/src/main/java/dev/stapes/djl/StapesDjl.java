package dev.stapes.djl;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import dev.stapes.models.vad.SegmenterOptions;
import dev.stapes.models.vad.SileroVad;
import dev.stapes.models.vad.SpeechSegment;
import dev.stapes.models.wakeword.WakeWordDetection;
import dev.stapes.models.wakeword.WakeWordModel;
import java.util.List;

/**
 * Stapes pipelines as DJL models and predictors, for code that already speaks DJL ({@code Model}
 * -&gt; {@code Predictor} -&gt; {@code Translator}). DJL is an optional dependency: add {@code
 * ai.djl:api} and an engine (for example {@code ai.djl.onnxruntime:onnxruntime-engine}); the engine
 * only provides DJL's arrays, the audio runs through Stapes.
 *
 * <pre>{@code
 * ModelStore store = ModelStore.fromEnvironment();
 * try (SileroVad vad =
 *         SileroVad.open(store.path(ModelCatalog.SILERO_VAD_V5), SessionOptions.defaults());
 *     Model model = StapesDjl.vadModel(vad, SegmenterOptions.defaults());
 *     Predictor<float[], List<SpeechSegment>> p = model.newPredictor(new VadTranslator())) {
 *   List<SpeechSegment> speech = p.predict(AudioFiles.readMono(wav, 16000));
 * }
 * }</pre>
 */
public final class StapesDjl {

  private StapesDjl() {}

  /**
   * Creates DJL's default engine now. With DJL's ONNX Runtime engine this must happen before any
   * Stapes session exists, because that engine creates the process-wide ONNX Runtime environment
   * itself and fails when one exists.
   *
   * @return the engine's name
   */
  public static String initEngine() {
    try {
      return Engine.getInstance().getEngineName();
    } catch (ExceptionInInitializerError | NoClassDefFoundError e) {
      throw engineFailure(e);
    }
  }

  /** A DJL model whose block is Stapes' streaming Silero VAD; close it when done. */
  public static Model vadModel(SileroVad vad, SegmenterOptions options) {
    Model m = newModel("stapes-silero-vad-v5");
    m.setBlock(new VadBlock(vad, options));
    return m;
  }

  /** A DJL model whose block is Stapes' streaming openWakeWord pipeline; close it when done. */
  public static Model wakeWordModel(WakeWordModel wake, float threshold) {
    Model m = newModel("stapes-openwakeword");
    m.setBlock(new WakeWordBlock(wake, threshold));
    return m;
  }

  private static Model newModel(String name) {
    try {
      return Model.newInstance(name);
    } catch (ExceptionInInitializerError | NoClassDefFoundError e) {
      throw engineFailure(e);
    }
  }

  private static IllegalStateException engineFailure(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return new IllegalStateException(
        "DJL's engine failed to start ("
            + root.getMessage()
            + "); with DJL's ONNX Runtime engine call StapesDjl.initEngine() before opening any"
            + " Stapes model",
        e);
  }

  /** A VAD predictor on {@code model} (made by {@link #vadModel}). */
  public static Predictor<float[], List<SpeechSegment>> vadPredictor(Model model) {
    return model.newPredictor(new VadTranslator());
  }

  /** A wake-word predictor on {@code model} (made by {@link #wakeWordModel}). */
  public static Predictor<float[], List<WakeWordDetection>> wakeWordPredictor(Model model) {
    if (!(model.getBlock() instanceof WakeWordBlock b)) {
      throw new IllegalArgumentException(
          "model " + model.getName() + " has no WakeWordBlock; make it with wakeWordModel()");
    }
    return model.newPredictor(new WakeWordTranslator(b.keywords()));
  }
}
