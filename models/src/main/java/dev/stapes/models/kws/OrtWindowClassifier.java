package dev.stapes.models.kws;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * Runs a one-second classifier ONNX model (input {@code [1, 16000]}, output {@code [1, C]}) with
 * ONNX Runtime on one thread. The input tensor is bound once over a direct buffer that each call
 * refills.
 */
public final class OrtWindowClassifier implements WindowClassifier {

  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;
  private final FloatBuffer input;
  private final OnnxTensor inputTensor;
  private final String inputName;
  private final Map<String, OnnxTensor> feed;
  private boolean closed;

  /** Loads {@code model} (an ONNX file) for single-threaded inference. */
  public OrtWindowClassifier(Path model) throws IOException {
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setIntraOpNumThreads(1);
      so.setInterOpNumThreads(1);
      so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      session = env.createSession(model.toString(), so);
      inputName = session.getInputNames().iterator().next();
      input =
          ByteBuffer.allocateDirect(4 * KwsOptions.WINDOW_SAMPLES)
              .order(ByteOrder.nativeOrder())
              .asFloatBuffer();
      inputTensor = OnnxTensor.createTensor(env, input, new long[] {1, KwsOptions.WINDOW_SAMPLES});
      feed = Map.of(inputName, inputTensor);
    } catch (OrtException e) {
      throw new IOException("cannot load " + model + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void classify(float[] window, int offset, float[] logits) throws IOException {
    if (closed) {
      throw new IllegalStateException("OrtWindowClassifier is closed");
    }
    input.clear();
    input.put(window, offset, KwsOptions.WINDOW_SAMPLES);
    input.clear();
    try (OrtSession.Result r = session.run(feed)) {
      FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
      if (out.remaining() != logits.length) {
        throw new IOException(
            "model output has " + out.remaining() + " values, expected " + logits.length);
      }
      out.get(logits);
    } catch (OrtException e) {
      throw new IOException("inference failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      inputTensor.close();
      try {
        session.close();
      } catch (OrtException e) {
        // Nothing left to release on a failed close.
      }
    }
  }
}
