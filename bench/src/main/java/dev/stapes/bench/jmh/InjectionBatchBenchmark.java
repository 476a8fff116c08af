package dev.stapes.bench.jmh;

import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.Tensor;
import dev.stapes.engine.inject.InjectedModel;
import dev.stapes.engine.inject.Injector;
import dev.stapes.engine.inject.LoraAdapter;
import dev.stapes.engine.inject.SyntheticTransformer;
import dev.stapes.engine.inject.Task;
import dev.stapes.engine.inject.TaskTensors;
import java.util.HashMap;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * A batch whose rows use different tasks, and the cost of building an injected session, on the
 * model of {@link InjectionBenchmark} (Whisper-like encoder, 12 layers, d_model 256, 100 frames per
 * row; rank-8 LoRAs on q_proj and v_proj). Rows: 8 rows over 4 LoRA tasks in one call ({@code
 * Injector.Mode.PER_ROW}: per-row weights gathered by a task index), against the same 8 rows run
 * one by one through a bound model with a task switch before each; a plain session open, against
 * the injector's rewrite plus session open, bound and merged.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@State(Scope.Thread)
public class InjectionBatchBenchmark {
  private static final int LAYERS = 12;
  private static final int D = 256;
  private static final int FFN = 1024;
  private static final int MELS = 80;
  private static final int FRAMES = 100;
  private static final int BATCH = 8;
  private static final String[] TASKS = {"a", "b", "c", "d"};

  private final SessionOptions one =
      SessionOptions.builder().optIntraOpThreads(1).optInterOpThreads(1).build();
  private ai.onnx.proto.OnnxMl.ModelProto proto;
  private LoraAdapter[] loras;
  private Session perRow;
  private TaskTensors perRowTasks;
  private TaskTensors.TaskIndex taskIndex;
  private Session bound;
  private TaskTensors boundTasks;
  private Tensor batch;
  private Tensor row;
  private final Map<String, Tensor> batchFeeds = new HashMap<>();
  private final Map<String, Tensor> rowFeeds = new HashMap<>();

  /** Builds the per-row and the bound model over the same four tasks. */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    BenchModels.environment();
    proto = SyntheticTransformer.whisperLike(LAYERS, D, 4, FFN, MELS, 1);
    loras = new LoraAdapter[TASKS.length];
    Injector.Builder rows = Injector.builder().model(proto).mode(Injector.Mode.PER_ROW);
    Injector.Builder one = Injector.builder().model(proto).mode(Injector.Mode.BOUND);
    for (int t = 0; t < TASKS.length; t++) {
      loras[t] =
          SyntheticTransformer.randomLora(
              "lora-" + TASKS[t], LAYERS, D, FFN, 8, 16f, 10 + t, "q_proj", "v_proj");
      rows.task(Task.of(TASKS[t], loras[t]));
      one.task(Task.of(TASKS[t], loras[t]));
    }
    InjectedModel rowModel = rows.build();
    perRow = rowModel.openSession("per-row", this.one);
    perRowTasks = TaskTensors.of(rowModel);
    taskIndex = perRowTasks.newTaskIndex(BATCH);
    for (int i = 0; i < BATCH; i++) {
      taskIndex.set(i, TASKS[i % TASKS.length]);
    }
    InjectedModel boundModel = one.build();
    bound = boundModel.openSession("bound", this.one);
    boundTasks = TaskTensors.of(boundModel);

    float[] mel = new float[FRAMES * MELS];
    for (int i = 0; i < mel.length; i++) {
      mel[i] = (float) Math.sin(i * 0.013);
    }
    float[] mel8 = new float[mel.length * BATCH];
    for (int i = 0; i < BATCH; i++) {
      System.arraycopy(mel, 0, mel8, i * mel.length, mel.length);
    }
    batch = Tensor.ofFloats(mel8, BATCH, FRAMES, MELS);
    row = Tensor.ofFloats(mel, 1, FRAMES, MELS);
    batchFeeds.put("mel", batch);
    taskIndex.putInto(batchFeeds);
    rowFeeds.put("mel", row);
  }

  /** Closes everything. */
  @TearDown(Level.Trial)
  public void tearDown() {
    row.close();
    batch.close();
    boundTasks.close();
    bound.close();
    taskIndex.close();
    perRowTasks.close();
    perRow.close();
  }

  /** 8 rows over 4 tasks in one call: per-row LoRA weights gathered by the task index. */
  @Benchmark
  public void mixedBatchOneCall(Blackhole bh) throws Exception {
    try (Session.Outputs o = perRow.run(batchFeeds)) {
      bh.consume(o);
    }
  }

  /** The same 8 rows one by one, switching the bound task before each. */
  @Benchmark
  public void mixedRowsOneByOne(Blackhole bh) throws Exception {
    for (int i = 0; i < BATCH; i++) {
      boundTasks.putInto(rowFeeds, TASKS[i % TASKS.length]);
      try (Session.Outputs o = bound.run(rowFeeds)) {
        bh.consume(o);
      }
    }
  }
}
