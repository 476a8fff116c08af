package dev.stapes.models.vad;

import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.ValueInfo;
import dev.stapes.models.ModelDescriptors;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Silero VAD v5, loaded once and shared: immutable and thread-safe. Each audio stream gets its own
 * {@link VadStream} from {@link #newStream(int)}.
 *
 * <p>{@link #close()} is idempotent; streams must be closed before it.
 */
public final class SileroVad implements AutoCloseable {

  private final Session session;

  private SileroVad(Session session) {
    this.session = session;
    // fail at load time, in one line, if the file is not a Silero VAD v5 model
    for (String name : new String[] {"input", "state", "sr"}) {
      if (!session.inputs().containsKey(name)) {
        String msg =
            session.name()
                + ": not a Silero VAD v5 model: input '"
                + name
                + "' missing, expected inputs [input, state, sr] but the model has "
                + session.inputs().keySet();
        session.close();
        throw new IllegalArgumentException(msg);
      }
    }
    ValueInfo out = session.outputs().get("output");
    if (out == null || !session.outputs().containsKey("stateN")) {
      String msg =
          session.name()
              + ": not a Silero VAD v5 model: expected outputs [output, stateN] but the model has "
              + session.outputs().keySet();
      session.close();
      throw new IllegalArgumentException(msg);
    }
  }

  /**
   * Opens the model at {@code model} (the store's is {@code
   * store.path(ModelCatalog.SILERO_VAD_V5)}; the {@code vad} pipeline opens it so).
   *
   * @throws java.nio.file.NoSuchFileException if it does not exist
   * @throws dev.stapes.engine.ModelFormatException if it is not a valid ONNX model
   * @throws IllegalArgumentException if it is not Silero VAD v5 (inputs and outputs differ)
   */
  public static SileroVad open(Path model, SessionOptions options) throws IOException {
    return new SileroVad(Session.open(model, options));
  }

  /**
   * A new stream at {@code sampleRate}: 16000 Hz (512-sample chunks) or 8000 Hz (256-sample
   * chunks).
   *
   * @throws IllegalArgumentException for any other rate
   */
  public VadStream newStream(int sampleRate) {
    return new VadStream(session.newStream(ModelDescriptors.sileroVad(sampleRate)), sampleRate);
  }

  /** The underlying session. */
  public Session session() {
    return session;
  }

  @Override
  public void close() {
    session.close();
  }
}
