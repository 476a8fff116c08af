package dev.stapes.bench.jmh;

import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.inject.InjectedModel;
import dev.stapes.engine.inject.Injector;
import dev.stapes.engine.inject.LoraAdapter;
import dev.stapes.engine.inject.SyntheticTransformer;
import dev.stapes.engine.inject.Task;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The cost of building an injected session on the model of {@link InjectionBenchmark}: a plain
 * session open over the base model, against the injector's rewrite (one rank-8 LoRA task on q_proj
 * and v_proj of 12 layers) plus the session open, bound and merged.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@State(Scope.Thread)
public class InjectionBuildBenchmark {
  private static final int LAYERS = 12;
  private static final int D = 256;
  private static final int FFN = 1024;
  private static final int MELS = 80;

  private final SessionOptions one =
      SessionOptions.builder().optIntraOpThreads(1).optInterOpThreads(1).build();
  private ai.onnx.proto.OnnxMl.ModelProto proto;
  private byte[] baseModel;
  private LoraAdapter lora;

  /** Generates the model and the adapter. */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    BenchModels.environment();
    proto = SyntheticTransformer.whisperLike(LAYERS, D, 4, FFN, MELS, 1);
    baseModel = proto.toByteArray();
    lora =
        SyntheticTransformer.randomLora("lora-a", LAYERS, D, FFN, 8, 16f, 10, "q_proj", "v_proj");
  }

  /** A plain session over the base model, opened and closed. */
  @Benchmark
  public void openPlainSession(Blackhole bh) throws Exception {
    try (Session s = Session.fromBytes(baseModel, "base", null, one)) {
      bh.consume(s);
    }
  }

  /** The injector's rewrite (one bound LoRA task) and the session over its result. */
  @Benchmark
  public void buildAndOpenBound(Blackhole bh) throws Exception {
    InjectedModel m = Injector.builder().model(proto).task(Task.of("a", lora)).build();
    try (Session s = m.openSession("bound", one)) {
      bh.consume(s);
    }
  }

  /** The injector's rewrite with the LoRA merged into the weights, and the session over it. */
  @Benchmark
  public void buildAndOpenMerged(Blackhole bh) throws Exception {
    InjectedModel m =
        Injector.builder().model(proto).mode(Injector.Mode.BAKED).task(Task.of("a", lora)).build();
    try (Session s = m.openSession("merged", one)) {
      bh.consume(s);
    }
  }
}
