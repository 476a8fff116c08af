package dev.stapes.bench.jmh;

import dev.stapes.bench.rt.EnrolledWordsPipeline;
import dev.stapes.bench.rt.TestSignal;
import dev.stapes.engine.SessionOptions;
import dev.stapes.models.enroll.EnrolledWords;
import dev.stapes.models.wakeword.MelSource;
import dev.stapes.models.wakeword.WakeWordModel;
import dev.stapes.models.wakeword.WakeWordStream;
import dev.stapes.store.ModelStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Enrolled wake words per 80 ms chunk: the pre-trained {@code hey_jarvis} pipeline of {@link
 * WakeWordBenchmark} (Stapes mel, embedding, classifier) plus {@code words} enrolled heads on the
 * same embedding ({@code 0} is the pre-trained single-word pipeline alone). Each head is a logistic
 * head of 1536 weights, random here (its cost does not depend on its values).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class EnrolledWordsBenchmark {
  /** Enrolled words beside the pre-trained one. */
  @Param({"0", "1", "10", "100"})
  public int words;

  private WakeWordModel model;
  private WakeWordStream stream;
  private EnrolledWords heads;
  private float[] signal;
  private float[] window;
  private float[] scores;
  private int pos;

  /** Loads the models (fetched into the model store on first use). */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    BenchModels.environment();
    heads = words == 0 ? null : EnrolledWordsPipeline.randomHeads(words);
    model =
        WakeWordModel.open(
            ModelStore.fromEnvironment(),
            List.of("hey_jarvis"),
            heads,
            MelSource.STAPES,
            SessionOptions.builder().optIntraOpThreads(1).optInterOpThreads(1).build());
    stream = model.newStream();
    signal = TestSignal.generate(4, 16000);
    window = new float[16 * 96];
    for (int i = 0; i < window.length; i++) {
      window[i] = signal[i];
    }
    scores = new float[Math.max(1, words)];
  }

  /** Closes everything. */
  @TearDown(Level.Trial)
  public void tearDown() {
    stream.close();
    model.close();
  }

  /** One 80 ms chunk through mel, embedding, the classifier and the enrolled heads. */
  @Benchmark
  public float chunk() {
    if (pos + WakeWordStream.CHUNK > signal.length) {
      pos = 0;
    }
    stream.process(signal, pos);
    pos += WakeWordStream.CHUNK;
    return stream.score(0);
  }

  /** The enrolled heads alone on one window (what each further word adds to a chunk). */
  @Benchmark
  public float headsOnly() {
    if (heads == null) {
      return 0f;
    }
    heads.score(window, 0, scores, 0);
    return scores[0];
  }
}
