package dev.stapes.models.enroll;

import dev.stapes.engine.SessionOptions;
import dev.stapes.models.wakeword.EmbeddingHeads;
import dev.stapes.models.wakeword.MelSource;
import dev.stapes.models.wakeword.WakeWordModel;
import dev.stapes.models.wakeword.WakeWordStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The shared base of enrollment: openWakeWord's embedding model on the Stapes mel frontend, exactly
 * as the detector runs it (one embedding per 80 ms chunk, the same warm-up), so that what the head
 * learns from is what it will see.
 *
 * <p>{@link #sequence} returns a clip's embeddings as one array: the {@link #WINDOW} warm-up
 * embeddings the stream starts with, then one per chunk. The window the detector scores after chunk
 * {@code c} (0-based) is {@code WINDOW} embeddings from index {@code c + 1}. Not thread-safe: one
 * thread at a time ({@link #close()} releases the stream and the model it owns).
 */
public final class Embedder implements AutoCloseable {

  /** Embeddings per window (openWakeWord's classifiers use 16, 1.28 s). */
  public static final int WINDOW = 16;

  /** Values per embedding. */
  public static final int DIM = 96;

  /** Samples per chunk (80 ms at 16 kHz). */
  public static final int CHUNK = WakeWordStream.CHUNK;

  /** The detector scores nothing in the first chunks of a stream (as openWakeWord). */
  public static final int SILENT_CHUNKS = 5;

  private static final EmbeddingHeads NONE =
      new EmbeddingHeads() {
        @Override
        public List<String> keywords() {
          return List.of();
        }

        @Override
        public int window() {
          return WINDOW;
        }

        @Override
        public void score(float[] embeddings, int offset, float[] dst, int dstOffset) {}
      };

  private final WakeWordModel model;
  private final WakeWordStream stream;

  private Embedder(WakeWordModel model) {
    this.model = model;
    this.stream = model.newStream();
  }

  /** Opens the embedding model file (Stapes mel frontend). */
  public static Embedder open(Path embeddingModel, SessionOptions options) throws IOException {
    return new Embedder(
        WakeWordModel.open(
            null, embeddingModel, List.of(), List.of(), NONE, MelSource.STAPES, options));
  }

  /** Chunks of a clip of {@code samples} samples (a last partial chunk is dropped). */
  public static int chunks(int samples) {
    return samples / CHUNK;
  }

  /**
   * The embeddings of {@code audio} (16 kHz mono float in [-1, 1]): {@code (WINDOW + chunks) * DIM}
   * values, warm-up first.
   */
  public float[] sequence(float[] audio) {
    int n = chunks(audio.length);
    float[] seq = new float[(WINDOW + n) * DIM];
    stream.reset();
    stream.copyEmbeddings(WINDOW, seq, 0);
    for (int c = 0; c < n; c++) {
      stream.process(audio, c * CHUNK);
      stream.copyEmbeddings(1, seq, (WINDOW + c) * DIM);
    }
    return seq;
  }

  @Override
  public void close() {
    stream.close();
    model.close();
  }
}
