package dev.stapes.models.wakeword;

import dev.stapes.engine.Stream;
import dev.stapes.models.ModelDescriptors;
import java.nio.FloatBuffer;

/**
 * One audio stream through a {@link WakeWordModel}: owns the mel and embedding buffers and one
 * stream per model. Feed 1280 samples (80 ms at 16 kHz, float in [-1, 1]) per {@link #process}
 * call, then read {@link #score(int)}. Allocates nothing per chunk in steady state. One thread at a
 * time; {@link #close()} is idempotent.
 */
public final class WakeWordStream implements AutoCloseable {

  /** Samples per chunk. */
  public static final int CHUNK = ModelDescriptors.OWW_CHUNK;

  private static final int BINS = MelFrontend.BINS;
  private static final int WIN = ModelDescriptors.OWW_EMBEDDING_WINDOW;
  private static final int DIM = ModelDescriptors.OWW_EMBEDDING_DIM;
  private static final int SILENT_CHUNKS = 5;

  private final WakeWordModel model;
  private final MelFrontend mel;
  private final Stream embedding;
  private final Stream[] classifiers;
  private final String[] outputs;
  private final int[] windows;
  private final int maxWindow;
  private final float[] newFrames = new float[ModelDescriptors.OWW_MEL_FRAMES_PER_CALL * BINS];
  private final float[] melWindow = new float[WIN * BINS]; // oldest frame first
  private final float[] embeddings; // the latest maxWindow embeddings, oldest first
  private final float[] scores;
  private final boolean[] enabled;
  private final EmbeddingHeads heads; // null: none
  private long chunks;
  private boolean closed;

  WakeWordStream(WakeWordModel model) {
    this.model = model;
    int k = model.classifierCount();
    this.heads = model.heads();
    this.maxWindow = model.maxWindow();
    this.embeddings = new float[maxWindow * DIM];
    this.scores = new float[model.keywords().size()];
    this.enabled = new boolean[scores.length];
    java.util.Arrays.fill(enabled, true);
    this.windows = new int[k];
    this.outputs = new String[k];
    this.classifiers = new Stream[k];
    MelFrontend m = null;
    Stream e = null;
    try {
      m = model.newMelFrontend();
      e = model.newEmbeddingStream();
      for (int i = 0; i < k; i++) {
        classifiers[i] = model.newClassifierStream(i);
        windows[i] = model.window(i);
        outputs[i] = model.classifierOutput(i);
      }
    } catch (RuntimeException ex) {
      if (m != null) {
        m.close();
      }
      if (e != null) {
        e.close();
      }
      for (Stream s : classifiers) {
        if (s != null) {
          s.close();
        }
      }
      throw ex;
    }
    this.mel = m;
    this.embedding = e;
    reset();
  }

  /** The keywords, in score order. */
  public java.util.List<String> keywords() {
    return model.keywords();
  }

  /**
   * Processes one chunk of {@link #CHUNK} samples from {@code offset}; afterwards {@link
   * #score(int)} holds each keyword's score for the latest chunk.
   *
   * @throws IllegalArgumentException when fewer than {@link #CHUNK} samples remain
   * @throws IllegalStateException after {@link #close()}
   */
  public void process(float[] samples, int offset) {
    if (closed) {
      throw new IllegalStateException("WakeWordStream is closed");
    }
    if (offset < 0 || offset > samples.length - CHUNK) {
      throw new IllegalArgumentException(
          "offset="
              + offset
              + " length="
              + samples.length
              + ": a chunk needs "
              + CHUNK
              + " samples, expected 0 <= offset <= "
              + (samples.length - CHUNK));
    }
    int n = mel.process(samples, offset, newFrames);
    // shift the mel window left by n frames and append the new ones, rescaled
    int keep = (WIN - n) * BINS;
    System.arraycopy(melWindow, n * BINS, melWindow, 0, keep);
    for (int i = 0; i < n * BINS; i++) {
      melWindow[keep + i] = newFrames[i] / 10f + 2f;
    }
    embedding.process(melWindow, 0);
    FloatBuffer e = embedding.outputFloats("conv2d_19");
    System.arraycopy(embeddings, DIM, embeddings, 0, (maxWindow - 1) * DIM);
    int base = (maxWindow - 1) * DIM;
    for (int i = 0; i < DIM; i++) {
      embeddings[base + i] = e.get(i);
    }
    boolean silent = chunks < SILENT_CHUNKS;
    for (int k = 0; k < classifiers.length; k++) {
      if (enabled[k]) {
        classifiers[k].process(embeddings, (maxWindow - windows[k]) * DIM);
        scores[k] = silent ? 0f : classifiers[k].outputFloat(outputs[k], 0);
      }
    }
    if (heads != null) {
      heads.score(embeddings, (maxWindow - heads.window()) * DIM, scores, classifiers.length);
      for (int k = classifiers.length; k < scores.length; k++) {
        if (silent || !enabled[k]) {
          scores[k] = 0f;
        }
      }
    }
    chunks++;
  }

  /**
   * Switches keyword {@code k} on or off for this stream only, from the next chunk: a keyword that
   * is off scores 0 and its classifier does not run. Nothing is rebuilt. All are on at first.
   */
  public void setEnabled(int k, boolean on) {
    if (k < 0 || k >= enabled.length) {
      throw new IllegalArgumentException(
          "k=" + k + ", expected 0 to " + (enabled.length - 1) + " for " + keywords());
    }
    enabled[k] = on;
    if (!on) {
      scores[k] = 0f;
    }
  }

  /**
   * Copies the latest {@code count} embeddings (96 values each, oldest first) to {@code dst} from
   * {@code dstOffset}: the window the classifiers saw in the latest chunk.
   *
   * @throws IllegalArgumentException when {@code count} exceeds the stream's window
   */
  public void copyEmbeddings(int count, float[] dst, int dstOffset) {
    if (count < 0 || count > maxWindow) {
      throw new IllegalArgumentException(
          "count=" + count + " embeddings, expected 0 to " + maxWindow);
    }
    System.arraycopy(embeddings, (maxWindow - count) * DIM, dst, dstOffset, count * DIM);
  }

  /** The score of keyword {@code k} (index in {@link #keywords()}) for the latest chunk. */
  public float score(int k) {
    return scores[k];
  }

  /** Chunks processed since creation or {@link #reset()}. */
  public long chunksProcessed() {
    return chunks;
  }

  /** Back to the initial state: mel buffer of ones, warm-up embeddings, scores 0. */
  public void reset() {
    mel.reset();
    embedding.reset();
    for (Stream s : classifiers) {
      s.reset();
    }
    java.util.Arrays.fill(melWindow, 1f);
    System.arraycopy(model.warmup(), 0, embeddings, 0, embeddings.length);
    java.util.Arrays.fill(scores, 0f);
    chunks = 0;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    mel.close();
    embedding.close();
    for (Stream s : classifiers) {
      s.close();
    }
  }
}
