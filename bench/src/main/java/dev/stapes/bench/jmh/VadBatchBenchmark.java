package dev.stapes.bench.jmh;

import dev.stapes.bench.rt.TestSignal;
import dev.stapes.engine.BatchRunner;
import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.Stream;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.ModelDescriptors;
import java.nio.file.Path;
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
 * N Silero VAD v5 streams advanced by one 32 ms chunk each, on one session with one ONNX Runtime
 * thread: one {@link Stream#process} call per stream (how sherpa-onnx and most services step
 * streams), against one {@link BatchRunner} step over all N lanes. Streams per core at real time =
 * 32 ms / (time per operation / N).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class VadBatchBenchmark {
  private static final int CHUNK = ModelDescriptors.SILERO_CHUNK_16K;

  /** Streams advanced per operation. */
  @Param({"1", "8", "32", "128"})
  public int streams;

  private Session session;
  private Stream[] solo;
  private BatchRunner runner;
  private BatchRunner.Lane[] lanes;
  private float[] signal;
  private int pos;

  /** One session, N solo streams and a runner with N lanes. */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Path model = BenchModels.store(ModelCatalog.SILERO_VAD_V5);
    BenchModels.environment();
    signal = TestSignal.generate(4, 16000);
    SessionOptions one = SessionOptions.builder().optIntraOpThreads(1).optInterOpThreads(1).build();
    session = Session.open(model, one);
    solo = new Stream[streams];
    runner = new BatchRunner(session, ModelDescriptors.sileroVad(16000), streams);
    lanes = new BatchRunner.Lane[streams];
    for (int i = 0; i < streams; i++) {
      solo[i] = session.newStream(ModelDescriptors.sileroVad(16000));
      lanes[i] = runner.newLane();
    }
  }

  /** Closes everything. */
  @TearDown(Level.Trial)
  public void tearDown() {
    runner.close();
    for (Stream s : solo) {
      s.close();
    }
    session.close();
  }

  private int next() {
    if (pos + CHUNK * 2 > signal.length) {
      pos = 0;
    }
    pos += CHUNK / 4;
    return pos;
  }

  /** Every stream one chunk, one model call each. */
  @Benchmark
  public float oneByOne() {
    int at = next();
    float sum = 0;
    for (Stream s : solo) {
      s.process(signal, at);
      sum += s.outputFloat("output", 0);
    }
    return sum;
  }

  /** Every stream one chunk, all in one batched model call. */
  @Benchmark
  public float batched() {
    int at = next();
    for (BatchRunner.Lane l : lanes) {
      l.push(signal, at);
    }
    runner.step();
    float sum = 0;
    for (BatchRunner.Lane l : lanes) {
      sum += l.outputFloat("output", 0);
    }
    return sum;
  }
}
