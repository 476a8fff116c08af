package dev.stapes.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.stapes.engine.InferenceException;
import dev.stapes.models.PipelineStream;
import dev.stapes.models.wakeword.WakeWordDetection;
import dev.stapes.models.wakeword.WakeWordModel;
import dev.stapes.models.wakeword.WakeWordPipeline;
import dev.stapes.models.wakeword.WakeWordSpotter;
import java.util.List;

/**
 * A DJL {@link ai.djl.nn.Block} that runs Stapes' streaming openWakeWord pipeline over a whole
 * clip: input float32 [N] of 16 kHz mono samples, outputs float32 [D, 3] detections ({@code keyword
 * index, time in seconds, score}: the time the score crossed the threshold, the utterance's peak
 * score) and float32 [K] maximum scores. Each forward call uses its own {@link
 * dev.stapes.models.PipelineStream} of the {@code wakeword} pipeline, so the block can serve
 * several predictors. The {@link WakeWordModel} stays owned by the caller.
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
    float[] x = audio.toFloatArray();
    WakeWordSpotter.Collector found = new WakeWordSpotter.Collector(model.keywords());
    // the wakeword pipeline's streaming contract, over the caller's shared model
    try (PipelineStream s = WakeWordPipeline.stream(model, threshold, found)) {
      s.push(x, 0, x.length);
      s.endOfInput();
    } catch (InferenceException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    WakeWordSpotter.Result r = found.result();
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
