package dev.stapes.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.stapes.engine.InferenceException;
import dev.stapes.models.PipelineSink;
import dev.stapes.models.PipelineStream;
import dev.stapes.models.vad.SegmenterOptions;
import dev.stapes.models.vad.SileroVad;
import dev.stapes.models.vad.SpeechSegment;
import dev.stapes.models.vad.VadPipeline;
import java.util.ArrayList;
import java.util.List;

/**
 * A DJL {@link ai.djl.nn.Block} that runs Stapes' streaming Silero VAD over a whole clip: input a
 * float32 [N] array of 16 kHz mono samples in [-1, 1], output a float32 [S, 2] array of speech
 * segments ({@code start, end} in seconds). Each forward call uses its own {@link
 * dev.stapes.models.PipelineStream}, so the block can serve several predictors. The {@link
 * SileroVad} stays owned by the caller.
 */
public final class VadBlock extends AbstractBlock {

  private final SileroVad vad;
  private final SegmenterOptions options;

  /** A block over {@code vad} with segmenting {@code options}. */
  public VadBlock(SileroVad vad, SegmenterOptions options) {
    if (vad == null || options == null) {
      throw new IllegalArgumentException("vad and options must not be null");
    }
    this.vad = vad;
    this.options = options;
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
    List<SpeechSegment> segs = new ArrayList<>();
    // the vad pipeline's streaming contract, over the caller's shared model
    try (PipelineStream s =
        VadPipeline.stream(vad, options, PipelineSink.collect(SpeechSegment.class, segs))) {
      s.push(x, 0, x.length);
      s.endOfInput();
    } catch (InferenceException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    float[] flat = new float[segs.size() * 2];
    for (int i = 0; i < segs.size(); i++) {
      flat[2 * i] = (float) segs.get(i).start();
      flat[2 * i + 1] = (float) segs.get(i).end();
    }
    NDManager m = audio.getManager();
    return new NDList(m.create(flat, new Shape(segs.size(), 2)));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(-1, 2)};
  }
}
