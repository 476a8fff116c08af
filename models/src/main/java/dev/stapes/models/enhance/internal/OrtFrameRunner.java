package dev.stapes.models.enhance.internal;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.stapes.models.enhance.GtcrnDescriptor;
import dev.stapes.models.enhance.GtcrnDescriptor.StatePair;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs GTCRN once per frame with every tensor preallocated: the frame and the enhanced frame live
 * in direct buffers that ORT reads and writes in place, and the caches ping-pong between two sets
 * of direct buffers, the outputs of one run (bound as pinned outputs) being the inputs of the next,
 * so nothing is copied and no tensor is created per frame.
 *
 * <p>Not thread-safe: one audio thread at a time.
 */
public final class OrtFrameRunner implements AutoCloseable {

  private final OrtSession session;
  private final FloatBuffer frameIn;
  private final FloatBuffer frameOut;
  private final FloatBuffer[][] states; // [set][pair]
  private final OnnxTensor[] owned;
  private final Map<String, OnnxTensor>[] inputs; // [set]: reads states[set]
  private final Map<String, OnnxValue>[] outputs; // [set]: writes states[1 - set]
  private int current;
  private boolean closed;

  /** Preallocates the tensors of one stream on {@code session}. */
  @SuppressWarnings("unchecked")
  public OrtFrameRunner(OrtEnvironment env, OrtSession session) throws OrtException {
    this.session = session;
    List<StatePair> pairs = GtcrnDescriptor.STATES;
    int frameElems = GtcrnDescriptor.BINS * 2;
    frameIn = direct(frameElems);
    frameOut = direct(frameElems);
    states = new FloatBuffer[2][pairs.size()];
    owned = new OnnxTensor[2 + 2 * pairs.size()];
    inputs = new Map[2];
    outputs = new Map[2];
    int k = 0;
    try {
      OnnxTensor in = OnnxTensor.createTensor(env, frameIn, GtcrnDescriptor.FRAME_SHAPE);
      owned[k++] = in;
      OnnxTensor out = OnnxTensor.createTensor(env, frameOut, GtcrnDescriptor.FRAME_SHAPE);
      owned[k++] = out;
      OnnxTensor[][] st = new OnnxTensor[2][pairs.size()];
      for (int set = 0; set < 2; set++) {
        for (int p = 0; p < pairs.size(); p++) {
          states[set][p] = direct(pairs.get(p).elements());
          st[set][p] = OnnxTensor.createTensor(env, states[set][p], pairs.get(p).shape());
          owned[k++] = st[set][p];
        }
      }
      for (int set = 0; set < 2; set++) {
        Map<String, OnnxTensor> i = new LinkedHashMap<>();
        Map<String, OnnxValue> o = new LinkedHashMap<>();
        i.put(GtcrnDescriptor.INPUT, in);
        o.put(GtcrnDescriptor.OUTPUT, out);
        for (int p = 0; p < pairs.size(); p++) {
          i.put(pairs.get(p).input(), st[set][p]);
          o.put(pairs.get(p).output(), st[1 - set][p]);
        }
        inputs[set] = i;
        outputs[set] = o;
      }
    } catch (OrtException | RuntimeException e) {
      for (int j = 0; j < k; j++) {
        owned[j].close();
      }
      throw e;
    }
  }

  private static FloatBuffer direct(int n) {
    return ByteBuffer.allocateDirect(n * Float.BYTES)
        .order(ByteOrder.nativeOrder())
        .asFloatBuffer();
  }

  /** The frame the next {@link #run()} reads: element {@code 2k + c}, bin k, c = 0 real, 1 imag. */
  public FloatBuffer frameIn() {
    return frameIn;
  }

  /** The enhanced frame the last {@link #run()} wrote, same layout as {@link #frameIn()}. */
  public FloatBuffer frameOut() {
    return frameOut;
  }

  /** Runs the model on {@link #frameIn()}, carrying the caches. */
  public void run() throws OrtException {
    if (closed) {
      throw new IllegalStateException("OrtFrameRunner is closed");
    }
    int set = current;
    try (OrtSession.Result r = session.run(inputs[set], outputs[set])) {
      // pinned outputs: the values are ours, the result owns nothing
    }
    current = 1 - set;
  }

  /** Sets every cache back to zero, as at the start of a stream. */
  public void reset() {
    for (FloatBuffer[] set : states) {
      for (FloatBuffer b : set) {
        for (int i = 0, n = b.capacity(); i < n; i++) {
          b.put(i, 0f);
        }
      }
    }
    current = 0;
  }

  /** Releases the tensors; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (OnnxTensor t : owned) {
      t.close();
    }
  }
}
