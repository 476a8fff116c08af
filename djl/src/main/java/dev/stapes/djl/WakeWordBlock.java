package dev.stapes.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.stapes.models.wakeword.WakeWordDetection;
import dev.stapes.models.wakeword.WakeWordDetector;
import dev.stapes.models.wakeword.WakeWordModel;
import dev.stapes.models.wakeword.WakeWordSpotter;
import dev.stapes.models.wakeword.WakeWordStream;
import java.util.List;

/**
 * A DJL {@link ai.djl.nn.Block} that runs Stapes' streaming openWakeWord pipeline over a whole
 * clip: input float32 [N] of 16 kHz mono samples, outputs float32 [D, 3] detections ({@code keyword
 * index, time in seconds, score}) and float32 [K] maximum scores. The {@link WakeWordModel} stays
 * owned by the caller.
 */
public final class WakeWordBlock extends AbstractBlock {

  private final WakeWordModel model;
  private final float threshold;

  /** A block over {@code model} detecting at {@code threshold}. */
  public WakeWordBlock(WakeWordModel model, float threshold) {
    if (model == null) {
      throw new IllegalArgumentException("model must not be null");
    }
    if (!(threshold > 0 && threshold <= 1)) {
      throw new IllegalArgumentException("threshold=" + threshold + ", expected (0, 1]");
    }
    this.model = model;
    this.threshold = threshold;
  }

  /** The keywords, in the order of the keyword index. */
  public List<String> keywords() {
    return model.keywords();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    NDArray audio = inputs.singletonOrThrow();
    if (audio.getShape().dimension() != 1) {
      throw new IllegalArgumentException(
          "audio shape " + audio.getShape() + ", expected a 1-D array of 16 kHz samples");
    }
    WakeWordSpotter.Result r;
    try (WakeWordStream s = model.newStream()) {
      r =
          WakeWordSpotter.spot(
              s, audio.toFloatArray(), threshold, WakeWordDetector.DEFAULT_REARM_SECONDS);
    }
    List<WakeWordDetection> d = r.detections();
    float[] flat = new float[d.size() * 3];
    for (int i = 0; i < d.size(); i++) {
      flat[3 * i] = model.keywords().indexOf(d.get(i).keyword());
      flat[3 * i + 1] = (float) d.get(i).time();
      flat[3 * i + 2] = d.get(i).score();
    }
    return new NDList(
        audio.getManager().create(flat, new Shape(d.size(), 3)),
        audio.getManager().create(r.maxScores()));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(-1, 3), new Shape(model.keywords().size())};
  }
}
