package dev.stapes.bench.jmh;

import dev.stapes.engine.Json;
import dev.stapes.engine.Npy;
import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.Stream;
import dev.stapes.engine.StreamSpec;
import dev.stapes.engine.inject.InjectedModel;
import dev.stapes.engine.inject.Injector;
import dev.stapes.engine.inject.LoraAdapter;
import dev.stapes.engine.inject.Task;
import dev.stapes.engine.inject.TaskTensors;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
 * An injected transformer from torch's dynamo exporter, per call: a 12-layer {@code
 * transformers.WhisperForAudioClassification} (d_model 256, 4 heads, FFN 1024, 80 mel bins, 200 mel
 * frames in, 100 encoder positions) exported with {@code torch.onnx.export(..., dynamo=True)}
 * (weights in {@code model.onnx.data}), and two adapters saved by PEFT: rank-8 LoRA on all 72
 * Linear layers of the 12 encoder layers (q_proj, k_proj, v_proj, out_proj, fc1, fc2) with {@code
 * modules_to_save=["classifier"]}, each task with its own head. Rows: the base model; bound (both
 * tasks, LoRA weights and heads as graph inputs); merged (task_a folded in at load); a task switch
 * alone (the other task's prebuilt tensors, heads included, bound into the stream); a task switch
 * followed by a call. All through Stapes' {@code Stream} on one thread.
 *
 * <p>The export is not committed (41 MB): {@code /tmp/fixvenv/bin/python
 * engine/src/test/python/make_peft_fixtures.py --large bench/target/dynamo-12l} writes it; the
 * system property {@code stapes.bench.dynamo} names another folder. Set-up checks every model's
 * output against PyTorch's / PEFT's (the generator's {@code expected/*.npy}), so no row measures a
 * wrong graph.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class InjectionDynamoBenchmark {
  /** The system property naming the export's folder. */
  public static final String DIR_PROPERTY = "stapes.bench.dynamo";

  /** The command that writes the export, less its folder. */
  public static final String GENERATOR_COMMAND =
      "/tmp/fixvenv/bin/python engine/src/test/python/make_peft_fixtures.py --large ";

  /** The command that writes the export into the default folder. */
  public static final String GENERATOR = GENERATOR_COMMAND + "bench/target/dynamo-12l";

  private static final String A = "task_a";
  private static final String B = "task_b";

  private Session base;
  private Session bound;
  private Session merged;
  private Stream baseStream;
  private Stream boundStream;
  private Stream mergedStream;
  private TaskTensors tasks;
  private float[] mel;
  private boolean flip;
  private String out;

  /**
   * The export's folder: {@code -Dstapes.bench.dynamo=DIR}, else {@code bench/target/dynamo-12l}
   * under the project root.
   */
  public static Path dir() {
    String p = System.getProperty(DIR_PROPERTY);
    return p != null && !p.isBlank()
        ? Path.of(p).toAbsolutePath()
        : BenchModels.projectRoot().resolve("bench/target/dynamo-12l");
  }

  /** Builds the three models and their streams and checks each against PEFT's output. */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    BenchModels.environment();
    Path dir = dir();
    Path manifestFile = dir.resolve("manifest.json");
    if (!Files.isRegularFile(manifestFile)) {
      throw new IllegalStateException(
          "InjectionDynamoBenchmark: no dynamo export at "
              + dir
              + " (manifest.json missing); generate it with `"
              + GENERATOR_COMMAND
              + dir
              + "` or point -D"
              + DIR_PROPERTY
              + "=DIR at one (jmh: -jvmArgsAppend -D"
              + DIR_PROPERTY
              + "=DIR)");
    }
    Map<?, ?> manifest = (Map<?, ?>) Json.parse(Files.readString(manifestFile));
    Map<?, ?> input = (Map<?, ?>) manifest.get("input");
    Map<?, ?> adapters = (Map<?, ?>) manifest.get("adapters");
    double tolerance = ((Number) manifest.get("tolerance")).doubleValue();
    Path model = dir.resolve((String) ((Map<?, ?>) manifest.get("model")).get("file"));
    String in = (String) input.get("name");
    out = (String) ((Map<?, ?>) manifest.get("output")).get("name");
    List<?> shapeList = (List<?>) input.get("shape");
    long[] shape = new long[shapeList.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = ((Number) shapeList.get(i)).longValue();
    }
    mel = Npy.read(dir.resolve((String) input.get("file"))).toFloatArray();
    LoraAdapter a = LoraAdapter.readPeft(dir.resolve(adapterField(adapters, A, "dir")));
    LoraAdapter b = LoraAdapter.readPeft(dir.resolve(adapterField(adapters, B, "dir")));

    SessionOptions one = SessionOptions.builder().optIntraOpThreads(1).optInterOpThreads(1).build();
    StreamSpec spec =
        StreamSpec.builder()
            .setAudioInput(in)
            .setChunkSamples(mel.length)
            .optAudioShape(shape)
            .build();
    base = Session.open(model, one);
    baseStream = base.newStream(spec);
    InjectedModel boundModel =
        Injector.builder()
            .model(model)
            .mode(Injector.Mode.BOUND)
            .task(Task.of(A, a))
            .task(Task.of(B, b))
            .build();
    bound = boundModel.openSession("bound", one);
    tasks = TaskTensors.of(boundModel);
    boundStream = bound.newStream(spec);
    InjectedModel mergedModel =
        Injector.builder().model(model).mode(Injector.Mode.BAKED).task(Task.of(A, a)).build();
    merged = mergedModel.openSession("merged", one);
    mergedStream = merged.newStream(spec);

    check("base", baseStream, dir.resolve((String) manifest.get("base")), tolerance);
    tasks.bind(boundStream, B);
    check(
        "bound task_b", boundStream, dir.resolve(adapterField(adapters, B, "expected")), tolerance);
    tasks.bind(boundStream, A);
    check(
        "bound task_a", boundStream, dir.resolve(adapterField(adapters, A, "expected")), tolerance);
    check(
        "merged task_a",
        mergedStream,
        dir.resolve(adapterField(adapters, A, "expected")),
        tolerance);
  }

  private static String adapterField(Map<?, ?> adapters, String task, String field) {
    Map<?, ?> a = (Map<?, ?>) adapters.get(task);
    if (a == null) {
      throw new IllegalStateException(
          "InjectionDynamoBenchmark: manifest.json has no adapter '"
              + task
              + "', expected "
              + List.of(A, B)
              + "; regenerate with `"
              + GENERATOR_COMMAND
              + dir()
              + "`");
    }
    return (String) a.get(field);
  }

  /** Runs one call on {@code s} and compares its output with the generator's {@code expected}. */
  private void check(String what, Stream s, Path expected, double tolerance) throws IOException {
    float[] want = Npy.read(expected).toFloatArray();
    s.process(mel);
    FloatBuffer got = s.outputFloats(out);
    if (got.remaining() != want.length) {
      throw new IllegalStateException(
          what
              + ": output "
              + out
              + " has "
              + got.remaining()
              + " values, expected "
              + want.length);
    }
    double err = 0;
    for (int i = 0; i < want.length; i++) {
      err = Math.max(err, Math.abs((double) got.get(i) - want[i]));
    }
    if (!(err <= tolerance)) {
      throw new IllegalStateException(
          what
              + ": max |stapes - peft| = "
              + err
              + " > tolerance "
              + tolerance
              + " ("
              + expected
              + ")");
    }
    System.out.printf("# InjectionDynamoBenchmark check %s: max |stapes - peft| %.3g%n", what, err);
  }

  /** Closes everything. */
  @TearDown(Level.Trial)
  public void tearDown() {
    close(mergedStream);
    close(merged);
    close(boundStream);
    close(tasks);
    close(bound);
    close(baseStream);
    close(base);
  }

  private static void close(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** The base model. */
  @Benchmark
  public float base() {
    baseStream.process(mel);
    return baseStream.outputFloat(out, 0);
  }

  /** Bound LoRA and head: the adapters' weights are graph inputs. */
  @Benchmark
  public float bound() {
    boundStream.process(mel);
    return boundStream.outputFloat(out, 0);
  }

  /** Merged LoRA and head: task_a folded into the base weights at load time. */
  @Benchmark
  public float merged() {
    mergedStream.process(mel);
    return mergedStream.outputFloat(out, 0);
  }

  /** A task switch alone: the other task's prebuilt tensors, its head included, bound. */
  @Benchmark
  public boolean taskSwitch() {
    flip = !flip;
    tasks.bind(boundStream, flip ? B : A);
    return flip;
  }

  /** A task switch, then a call. */
  @Benchmark
  public float taskSwitchAndCall() {
    flip = !flip;
    tasks.bind(boundStream, flip ? B : A);
    boundStream.process(mel);
    return boundStream.outputFloat(out, 0);
  }

  /** The number of tensors one task switch binds (LoRA A and B, the head). */
  int boundInputsPerTask() {
    return boundStream.boundInputs().size();
  }
}
