package dev.stapes.models.wakeword;

import dev.stapes.engine.Session;
import dev.stapes.engine.Stream;
import dev.stapes.models.ModelDescriptors;
import java.nio.FloatBuffer;

/**
 * {@link MelFrontend} on openWakeWord's own {@code melspectrogram.onnx}: each call runs the model
 * on the last 1760 samples (480 carried + 1280 new, int16-scaled) and gets 8 frames. On the first
 * chunk the carried samples are zeros and the 3 frames that reach into them are dropped.
 */
final class OnnxMelFrontend implements MelFrontend {

  private static final int FRAMES = ModelDescriptors.OWW_MEL_FRAMES_PER_CALL;

  private final Stream stream;
  private boolean first = true;

  OnnxMelFrontend(Session melSession) {
    this.stream = melSession.newStream(ModelDescriptors.owwMelspectrogram());
  }

  @Override
  public int process(float[] samples, int offset, float[] dst) {
    stream.process(samples, offset);
    FloatBuffer out = stream.outputFloats("output");
    int skip = first ? 3 : 0;
    first = false;
    int n = FRAMES - skip;
    int base = skip * BINS;
    for (int i = 0; i < n * BINS; i++) {
      dst[i] = out.get(base + i);
    }
    return n;
  }

  @Override
  public void reset() {
    stream.reset();
    first = true;
  }

  @Override
  public void close() {
    stream.close();
  }
}
