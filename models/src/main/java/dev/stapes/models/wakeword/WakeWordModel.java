package dev.stapes.models.wakeword;

import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.Stream;
import dev.stapes.engine.ValueInfo;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.ModelDescriptors;
import dev.stapes.store.ModelStore;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The openWakeWord pipeline, loaded once and shared (immutable, thread-safe): a mel spectrogram
 * ({@link MelSource}), the embedding model and one classifier per keyword. Each audio stream gets
 * its own {@link WakeWordStream}.
 *
 * <p>The pipeline, as openWakeWord's {@code AudioFeatures} and {@code Model.predict} define it: 80
 * ms chunks of 16 kHz audio; 32-bin mel frames (512-sample windows every 160 samples), rescaled
 * {@code x / 10 + 2}, kept in a buffer of 76 frames that starts as all ones; per chunk one
 * embedding (96 values) of the latest 76 frames; per chunk each classifier scores the latest {@code
 * W} embeddings ({@code W} = 16 for most, read from the model). openWakeWord starts the embedding
 * buffer with embeddings of 4 s of random int16 noise in [-1000, 1000); Stapes uses the same kind
 * of noise from a fixed seed, so that runs are repeatable. Scores of the first 5 chunks are 0, as
 * in openWakeWord.
 */
public final class WakeWordModel implements AutoCloseable {

  /** Seed of the warm-up noise. */
  static final long WARMUP_SEED = 0x5eedL;

  private final MelSource melSource;
  private final Session mel; // null for MelSource.STAPES
  private final Session embedding;
  private final List<String> keywords;
  private final List<Session> classifiers;
  private final EmbeddingHeads heads; // null: none
  private final int[] windows;
  private final String[] classifierInputs;
  private final String[] classifierOutputs;
  private final int maxWindow;
  private final float[] warmup; // last maxWindow warm-up embeddings, oldest first

  private WakeWordModel(
      MelSource melSource,
      Session mel,
      Session embedding,
      List<String> keywords,
      List<Session> classifiers,
      EmbeddingHeads heads) {
    this.melSource = melSource;
    this.mel = mel;
    this.embedding = embedding;
    this.heads = heads;
    List<String> all = new ArrayList<>(keywords);
    if (heads != null) {
      all.addAll(heads.keywords());
    }
    if (new java.util.HashSet<>(all).size() != all.size()) {
      throw new IllegalArgumentException(
          "keywords="
              + all
              + " name a word twice (a pre-trained classifier and an enrolled word?), expected"
              + " distinct names; enroll under another name");
    }
    this.keywords = List.copyOf(all);
    this.classifiers = List.copyOf(classifiers);
    int k = classifiers.size();
    this.windows = new int[k];
    this.classifierInputs = new String[k];
    this.classifierOutputs = new String[k];
    int max = 1;
    for (int i = 0; i < k; i++) {
      Session c = classifiers.get(i);
      if (c.inputs().size() != 1 || c.outputs().size() != 1) {
        throw new IllegalArgumentException(
            c.name()
                + ": not an openWakeWord classifier: expected 1 input [1, W, 96] and 1 output,"
                + " found inputs "
                + c.inputs().keySet()
                + " outputs "
                + c.outputs().keySet());
      }
      ValueInfo in = c.inputs().values().iterator().next();
      long[] s = in.shape();
      if (s.length != 3 || s[1] <= 0 || s[2] != ModelDescriptors.OWW_EMBEDDING_DIM) {
        throw new IllegalArgumentException(
            c.name()
                + ": classifier input "
                + in.name()
                + " has shape "
                + in.shapeString()
                + ", expected [1, W, 96]");
      }
      windows[i] = (int) s[1];
      classifierInputs[i] = in.name();
      classifierOutputs[i] = c.outputs().keySet().iterator().next();
      max = Math.max(max, windows[i]);
    }
    if (heads != null) {
      if (heads.window() <= 0 || heads.window() > 1024) {
        throw new IllegalArgumentException(
            "heads.window()=" + heads.window() + " embeddings, expected 1 to 1024");
      }
      max = Math.max(max, heads.window());
    }
    this.maxWindow = max;
    checkEmbedding(embedding);
    this.warmup = warmupEmbeddings();
  }

  private static void checkEmbedding(Session embedding) {
    if (!embedding.inputs().containsKey("input_1")
        || !embedding.outputs().containsKey("conv2d_19")) {
      throw new IllegalArgumentException(
          embedding.name()
              + ": not openWakeWord's embedding model: expected input input_1 and output"
              + " conv2d_19, found inputs "
              + embedding.inputs().keySet()
              + " outputs "
              + embedding.outputs().keySet());
    }
  }

  /**
   * Opens the models for the pre-trained {@code keywords} (may be empty) and further {@code heads}
   * (may be null) scored on the same embeddings, from the model store (fetching on first use). The
   * {@code wakeword} pipeline ({@code Pipelines.open("wakeword", config)}) opens its models this
   * way.
   *
   * @throws IllegalArgumentException for an unknown keyword (the message lists the valid ones), or
   *     when there is no keyword at all
   */
  public static WakeWordModel open(
      ModelStore store,
      List<String> keywords,
      EmbeddingHeads heads,
      MelSource melSource,
      SessionOptions options)
      throws IOException {
    List<Path> cls = new ArrayList<>();
    for (String k : keywords) {
      cls.add(store.path(ModelCatalog.wakeword(k)));
    }
    Path melPath = melSource == MelSource.ONNX ? store.path(ModelCatalog.OWW_MELSPECTROGRAM) : null;
    return open(
        melPath, store.path(ModelCatalog.OWW_EMBEDDING), keywords, cls, heads, melSource, options);
  }

  /**
   * Opens the models from files (a classifier trained by the caller, a copy outside the store),
   * with further {@code heads} (may be null) scored on the same embeddings after the classifiers;
   * {@code keywords} may then be empty. {@code melModel} may be null for {@link MelSource#STAPES}.
   *
   * @throws IllegalArgumentException when the files are not the expected models, the lists differ
   *     in length, or there is no keyword at all
   */
  public static WakeWordModel open(
      Path melModel,
      Path embeddingModel,
      List<String> keywords,
      List<Path> classifierModels,
      EmbeddingHeads heads,
      MelSource melSource,
      SessionOptions options)
      throws IOException {
    if (keywords.size() != classifierModels.size() || (keywords.isEmpty() && heads == null)) {
      throw new IllegalArgumentException(
          "keywords="
              + keywords
              + " and classifierModels="
              + classifierModels
              + ", expected the same number of each, and at least one keyword or head");
    }
    List<Session> opened = new ArrayList<>();
    try {
      Session mel = null;
      if (melSource == MelSource.ONNX) {
        if (melModel == null) {
          throw new IllegalArgumentException("melModel=null, expected a path for MelSource.ONNX");
        }
        mel = Session.open(melModel, options);
        opened.add(mel);
      }
      Session emb = Session.open(embeddingModel, options);
      opened.add(emb);
      List<Session> cls = new ArrayList<>();
      for (Path p : classifierModels) {
        Session c = Session.open(p, options);
        opened.add(c);
        cls.add(c);
      }
      return new WakeWordModel(melSource, mel, emb, keywords, cls, heads);
    } catch (IOException | RuntimeException e) {
      for (Session s : opened) {
        s.close();
      }
      throw e;
    }
  }

  /** The keywords, in the order of {@link WakeWordStream#score(int)}. */
  public List<String> keywords() {
    return keywords;
  }

  /** The mel spectrogram in use. */
  public MelSource melSource() {
    return melSource;
  }

  /** Embeddings per classifier window, per keyword. */
  public int window(int keyword) {
    return keyword < windows.length ? windows[keyword] : heads.window();
  }

  /** Number of pre-trained classifiers (the first keywords); the heads' keywords follow. */
  public int classifierCount() {
    return classifiers.size();
  }

  /** The further heads, or null. */
  public EmbeddingHeads heads() {
    return heads;
  }

  /** A new stream. */
  public WakeWordStream newStream() {
    return new WakeWordStream(this);
  }

  MelFrontend newMelFrontend() {
    return melSource == MelSource.ONNX ? new OnnxMelFrontend(mel) : new StapesMelFrontend();
  }

  Stream newEmbeddingStream() {
    return embedding.newStream(ModelDescriptors.owwEmbedding());
  }

  Stream newClassifierStream(int k) {
    return classifiers
        .get(k)
        .newStream(
            ModelDescriptors.owwClassifier(classifierInputs[k], classifierOutputs[k], windows[k]));
  }

  String classifierOutput(int k) {
    return classifierOutputs[k];
  }

  int maxWindow() {
    return maxWindow;
  }

  /** The warm-up embeddings (a copy is not made: read only). */
  float[] warmup() {
    return warmup;
  }

  /**
   * Embeddings of 4 s of uniform int16 noise in [-1000, 1000) from a fixed seed: mel frames over
   * the whole clip, windows of 76 frames every 8 frames; the last {@code maxWindow} are kept.
   */
  private float[] warmupEmbeddings() {
    int samples = 16000 * 4;
    float[] noise = new float[samples];
    SplittableRandom rnd = new SplittableRandom(WARMUP_SEED);
    for (int i = 0; i < samples; i++) {
      noise[i] = rnd.nextInt(-1000, 1000) / 32768f;
    }
    int bins = MelFrontend.BINS;
    int chunk = ModelDescriptors.OWW_CHUNK;
    float[] frames = new float[(samples / 160) * bins];
    float[] tmp = new float[ModelDescriptors.OWW_MEL_FRAMES_PER_CALL * bins];
    int nFrames = 0;
    try (MelFrontend f = newMelFrontend()) {
      for (int off = 0; off + chunk <= samples; off += chunk) {
        int n = f.process(noise, off, tmp);
        for (int i = 0; i < n * bins; i++) {
          frames[nFrames * bins + i] = tmp[i] / 10f + 2f;
        }
        nFrames += n;
      }
    }
    int win = ModelDescriptors.OWW_EMBEDDING_WINDOW;
    List<float[]> embs = new ArrayList<>();
    try (Stream e = newEmbeddingStream()) {
      for (int start = 0; start + win <= nFrames; start += 8) {
        e.process(frames, start * bins);
        FloatBuffer out = e.outputFloats("conv2d_19");
        float[] v = new float[ModelDescriptors.OWW_EMBEDDING_DIM];
        out.get(0, v);
        embs.add(v);
      }
    }
    float[] w = new float[maxWindow * ModelDescriptors.OWW_EMBEDDING_DIM];
    List<float[]> last = embs.subList(Math.max(0, embs.size() - maxWindow), embs.size());
    int pad = maxWindow - last.size();
    for (int i = 0; i < last.size(); i++) {
      System.arraycopy(
          last.get(i),
          0,
          w,
          (pad + i) * ModelDescriptors.OWW_EMBEDDING_DIM,
          ModelDescriptors.OWW_EMBEDDING_DIM);
    }
    return w;
  }

  /** The sessions (mel first when present, then embedding, then classifiers). */
  List<Session> sessions() {
    List<Session> all = new ArrayList<>();
    if (mel != null) {
      all.add(mel);
    }
    all.add(embedding);
    all.addAll(classifiers);
    return Collections.unmodifiableList(all);
  }

  @Override
  public void close() {
    for (Session s : sessions()) {
      s.close();
    }
  }
}
