package dev.stapes.bench.rt;

import dev.stapes.engine.SessionOptions;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.enroll.EnrolledWords;
import dev.stapes.models.enroll.LogisticHead;
import dev.stapes.models.enroll.WakeWordTask;
import dev.stapes.models.wakeword.MelSource;
import dev.stapes.models.wakeword.WakeWordModel;
import dev.stapes.models.wakeword.WakeWordStream;
import dev.stapes.store.ModelStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The pre-trained {@code hey_jarvis} wake-word pipeline (Stapes mel, the shared embedding, its
 * classifier) with {@code words} enrolled heads on the same embedding, per 80 ms chunk, on one
 * intra-op thread: {@code enrolled-0} is the single-word pipeline alone, the baseline of {@code
 * enrolled-1}, {@code enrolled-10} and {@code enrolled-100}. The heads are random logistic heads of
 * the enrolled shape (their cost does not depend on their values).
 */
public final class EnrolledWordsPipeline implements ChunkPipeline {
  private final WakeWordModel model;
  private final WakeWordStream stream;
  private final int words;
  private double sum;

  /** {@code n} random heads of the enrolled shape (16 x 96 weights each). */
  public static EnrolledWords randomHeads(int n) {
    SplittableRandom rnd = new SplittableRandom(1);
    List<WakeWordTask> tasks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] w = new float[16 * 96];
      for (int j = 0; j < w.length; j++) {
        w[j] = (float) (rnd.nextDouble() - 0.5) * 0.01f;
      }
      tasks.add(
          new WakeWordTask(
              "word" + i,
              new LogisticHead(w, 0f),
              0,
              ModelCatalog.OWW_EMBEDDING,
              WakeWordTask.currentBaseSha256(),
              Map.of()));
    }
    return new EnrolledWords(tasks);
  }

  EnrolledWordsPipeline(int words) {
    if (words < 0 || words > 1000) {
      throw new IllegalArgumentException(
          "pipeline=enrolled-" + words + ", expected enrolled-N with N in 0..1000");
    }
    this.words = words;
    try {
      model =
          WakeWordModel.open(
              ModelStore.fromEnvironment(),
              List.of("hey_jarvis"),
              words == 0 ? null : randomHeads(words),
              MelSource.STAPES,
              SessionOptions.builder().optIntraOpThreads(1).optInterOpThreads(1).build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    stream = model.newStream();
  }

  @Override
  public String name() {
    return "enrolled-" + words;
  }

  @Override
  public int sampleRate() {
    return 16000;
  }

  @Override
  public int chunkSamples() {
    return WakeWordStream.CHUNK;
  }

  @Override
  public void process(float[] chunk) {
    stream.process(chunk, 0);
    sum += stream.score(0);
  }

  @Override
  public double checksum() {
    return sum;
  }

  @Override
  public void close() {
    stream.close();
    model.close();
  }
}
