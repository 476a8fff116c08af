package dev.stapes.bench.jmh;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.stapes.bench.rt.KwsPipeline;
import dev.stapes.bench.rt.TestSignal;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * KWT-1 (12-layer keyword transformer, imported from TFLite by Stapes) per 1 s window, one thread.
 * {@code stapes}: a streaming window (100 ms hop plus 900 ms of carried context) through Stapes'
 * engine; {@code naiveOrt}: a new {@code float[1][16000]} and tensor per window, logits read back
 * into a new array. For scale, TensorFlow Lite with XNNPACK on one thread is quoted at about 4.4 ms
 * per window on this kind of machine (not measured here: tensorflow is not installable).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class KwtBenchmark {
  private KwsPipeline pipeline;
  private OrtEnvironment env;
  private OrtSession session;
  private String input;
  private float[] signal;
  private final float[] hop = new float[1600];
  private int pos;

  /** Imports KWT-1 and opens it twice. */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    env = BenchModels.environment();
    Path model = BenchModels.kwt1();
    pipeline = new KwsPipeline(model, 1600);
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(1);
      o.setInterOpNumThreads(1);
      session = env.createSession(model.toString(), o);
    }
    input = session.getInputNames().iterator().next();
    signal = TestSignal.generate(4, 16000);
  }

  /** Closes everything. */
  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    session.close();
    pipeline.close();
  }

  private int next() {
    if (pos + 16000 > signal.length) {
      pos = 0;
    }
    int p = pos;
    pos += 1600;
    return p;
  }

  /** One window through Stapes' engine (streaming: 100 ms new, 900 ms carried). */
  @Benchmark
  public double stapes() {
    System.arraycopy(signal, next(), hop, 0, 1600);
    pipeline.process(hop);
    return pipeline.checksum();
  }

  /** One window with a new array and tensor per call. */
  @Benchmark
  public float naiveOrt() throws Exception {
    float[][] x = new float[1][16000];
    System.arraycopy(signal, next(), x[0], 0, 16000);
    try (OnnxTensor t = OnnxTensor.createTensor(env, x);
        OrtSession.Result r = session.run(Map.of(input, t))) {
      return ((float[][]) r.get(0).getValue())[0][0];
    }
  }
}
