package dev.stapes.models.enhance;

import dev.stapes.engine.ElementType;
import dev.stapes.engine.ModelFormatException;
import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.ValueInfo;
import dev.stapes.models.ModelDescriptors;
import dev.stapes.models.enhance.GtcrnDescriptor.StatePair;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A loaded GTCRN model: an engine {@link Session}, immutable and shared between threads; each audio
 * stream gets its own {@link SpeechEnhancer} from {@link #newEnhancer()}.
 *
 * <p>Loading checks the model against {@link GtcrnDescriptor}: every input and output is there,
 * float32, with the expected shape. A file that is not a readable ONNX model, or one whose caches
 * do not have the expected shapes, is refused with a {@link ModelFormatException} of one line that
 * names the file and what is wrong.
 */
public final class GtcrnModel implements AutoCloseable {

  private final Session session;

  private GtcrnModel(Session session) {
    this.session = session;
  }

  /**
   * Session options for one hearable stream: one intra-op and one inter-op thread (one hop of a
   * 48k-parameter model is far too small to split, and a single thread leaves the other cores to
   * the audio path), all graph optimisations.
   */
  public static SessionOptions defaultOptions() {
    return SessionOptions.builder().optIntraOpThreads(1).optInterOpThreads(1).build();
  }

  /**
   * Opens and checks the model file at {@code file} (the store's is {@code
   * store.path(GtcrnDescriptor.STORE_NAME)}; the {@code enhance} pipeline opens it so).
   *
   * @param options ONNX Runtime options; {@link #defaultOptions()} is the embedded setting
   * @throws java.nio.file.NoSuchFileException if there is no such file
   * @throws ModelFormatException if it is not a readable ONNX model or not a GTCRN streaming model
   *     (names, types or shapes differ)
   */
  public static GtcrnModel open(Path file, SessionOptions options) throws IOException {
    return checked(Session.open(file, options));
  }

  private static GtcrnModel checked(Session session) throws ModelFormatException {
    try {
      Map<String, long[]> wantIn = new LinkedHashMap<>();
      Map<String, long[]> wantOut = new LinkedHashMap<>();
      wantIn.put(GtcrnDescriptor.INPUT, GtcrnDescriptor.frameShape());
      wantOut.put(GtcrnDescriptor.OUTPUT, GtcrnDescriptor.frameShape());
      for (StatePair s : GtcrnDescriptor.STATES) {
        wantIn.put(s.input(), s.shape());
        wantOut.put(s.output(), s.shape());
      }
      checkSide("input", session.inputs(), wantIn, session.name());
      checkSide("output", session.outputs(), wantOut, session.name());
      return new GtcrnModel(session);
    } catch (ModelFormatException | RuntimeException e) {
      session.close();
      throw e;
    }
  }

  private static void checkSide(
      String side, Map<String, ValueInfo> have, Map<String, long[]> want, String name)
      throws ModelFormatException {
    if (!have.keySet().equals(want.keySet())) {
      throw new ModelFormatException(
          name
              + ": not a GTCRN streaming model: "
              + side
              + "s "
              + have.keySet()
              + ", expected "
              + want.keySet());
    }
    for (Map.Entry<String, long[]> e : want.entrySet()) {
      ValueInfo info = have.get(e.getKey());
      if (info.kind() != ValueInfo.Kind.TENSOR || info.type() != ElementType.FLOAT) {
        throw new ModelFormatException(
            name
                + ": "
                + side
                + " '"
                + e.getKey()
                + "' is "
                + info
                + ", expected a float32 tensor");
      }
      if (!Arrays.equals(info.shape(), e.getValue())) {
        throw new ModelFormatException(
            name
                + ": "
                + side
                + " '"
                + e.getKey()
                + "' has shape "
                + Arrays.toString(info.shape())
                + ", expected "
                + Arrays.toString(e.getValue()));
      }
    }
  }

  /** The name given at load time (the file path). */
  public String name() {
    return session.name();
  }

  /** The engine session. */
  public Session session() {
    return session;
  }

  /** A new enhancer for one audio stream; close it when the stream ends. */
  public SpeechEnhancer newEnhancer() {
    return new SpeechEnhancer(this, session.newStream(ModelDescriptors.gtcrn()));
  }

  /** Releases the native session; idempotent. Close this model's enhancers first. */
  @Override
  public void close() {
    session.close();
  }

  @Override
  public String toString() {
    return "GtcrnModel{name=" + session.name() + ", closed=" + session.isClosed() + "}";
  }
}
