package dev.stapes.models.enhance;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.stapes.models.enhance.GtcrnDescriptor.StatePair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A loaded GTCRN model: immutable, shared between threads; each audio stream gets its own {@link
 * SpeechEnhancer} from {@link #newEnhancer()}.
 *
 * <p>Loading checks the model against {@link GtcrnDescriptor}: every input and output is there,
 * float, with the expected shape. A file that is not a readable ONNX model, or one whose caches do
 * not have the expected shapes, is refused with one line that names the file and what is wrong.
 */
public final class GtcrnModel implements AutoCloseable {

  private final OrtEnvironment env;
  private final OrtSession session;
  private final String name;
  private volatile boolean closed;

  private GtcrnModel(OrtEnvironment env, OrtSession session, String name) {
    this.env = env;
    this.session = session;
    this.name = name;
  }

  /**
   * Loads and checks the model file at {@code file}.
   *
   * @throws NoSuchFileException if there is no such file
   * @throws InvalidModelException if it is not a readable ONNX model or not a GTCRN streaming model
   *     (names, types or shapes differ)
   * @throws IOException if it cannot be read
   */
  public static GtcrnModel load(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "GTCRN model file not found");
    }
    byte[] bytes = Files.readAllBytes(file);
    return load(bytes, file.toString());
  }

  /**
   * Loads and checks a model from its bytes; {@code name} is used in messages.
   *
   * @throws InvalidModelException if the bytes are not a readable ONNX model or not a GTCRN
   *     streaming model
   */
  public static GtcrnModel load(byte[] bytes, String name) throws InvalidModelException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession session;
    try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
      // One stream is one hop every 16 ms of a 48k-parameter model: a single thread is fastest and
      // does not fight the audio thread for cores.
      opts.setIntraOpNumThreads(1);
      opts.setInterOpNumThreads(1);
      opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      opts.addConfigEntry("session.intra_op.allow_spinning", "0");
      session = env.createSession(bytes, opts);
    } catch (OrtException e) {
      throw new InvalidModelException(
          "model '" + name + "' is not a readable ONNX model: " + firstLine(e.getMessage()), e);
    }
    try {
      check(session, name);
    } catch (OrtException e) {
      closeQuietly(session);
      throw new InvalidModelException(
          "model '" + name + "' cannot be inspected: " + firstLine(e.getMessage()), e);
    } catch (InvalidModelException e) {
      closeQuietly(session);
      throw e;
    }
    return new GtcrnModel(env, session, name);
  }

  private static void check(OrtSession session, String name)
      throws OrtException, InvalidModelException {
    Map<String, long[]> wantIn = new LinkedHashMap<>();
    Map<String, long[]> wantOut = new LinkedHashMap<>();
    wantIn.put(GtcrnDescriptor.INPUT, GtcrnDescriptor.FRAME_SHAPE);
    wantOut.put(GtcrnDescriptor.OUTPUT, GtcrnDescriptor.FRAME_SHAPE);
    for (StatePair s : GtcrnDescriptor.STATES) {
      wantIn.put(s.input(), s.shape());
      wantOut.put(s.output(), s.shape());
    }
    checkSide("input", session.getInputInfo(), wantIn, name);
    checkSide("output", session.getOutputInfo(), wantOut, name);
  }

  private static void checkSide(
      String side, Map<String, NodeInfo> have, Map<String, long[]> want, String name)
      throws InvalidModelException {
    if (!have.keySet().equals(want.keySet())) {
      throw new InvalidModelException(
          "model '"
              + name
              + "' has "
              + side
              + "s "
              + have.keySet()
              + ", expected "
              + want.keySet()
              + " (GTCRN streaming model)");
    }
    for (Map.Entry<String, long[]> e : want.entrySet()) {
      NodeInfo info = have.get(e.getKey());
      if (!(info.getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.FLOAT) {
        throw new InvalidModelException(
            "model '"
                + name
                + "' "
                + side
                + " '"
                + e.getKey()
                + "' is "
                + info.getInfo()
                + ", expected a float tensor");
      }
      if (!Arrays.equals(t.getShape(), e.getValue())) {
        throw new InvalidModelException(
            "model '"
                + name
                + "' "
                + side
                + " '"
                + e.getKey()
                + "' has shape "
                + Arrays.toString(t.getShape())
                + ", expected "
                + Arrays.toString(e.getValue()));
      }
    }
  }

  /** The name given at load time (the file path, or the store name). */
  public String name() {
    return name;
  }

  /** A new enhancer for one audio stream; close it when the stream ends. */
  public SpeechEnhancer newEnhancer() {
    ensureOpen();
    return new SpeechEnhancer(this);
  }

  OrtEnvironment env() {
    return env;
  }

  OrtSession session() {
    ensureOpen();
    return session;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("GtcrnModel is closed");
    }
  }

  /**
   * Releases the native session; idempotent. Enhancers made from this model must be closed first.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    closeQuietly(session);
  }

  private static void closeQuietly(OrtSession s) {
    try {
      s.close();
    } catch (OrtException e) {
      // nothing useful to do: the session is gone either way
    }
  }

  static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).trim();
  }

  @Override
  public String toString() {
    return "GtcrnModel{name=" + name + ", closed=" + closed + "}";
  }
}
