package dev.stapes.bench.jmh;

import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.Stream;
import dev.stapes.engine.StreamSpec;
import dev.stapes.engine.inject.InjectedModel;
import dev.stapes.engine.inject.Injector;
import dev.stapes.engine.inject.LoraAdapter;
import dev.stapes.engine.inject.SyntheticTransformer;
import dev.stapes.engine.inject.Task;
import dev.stapes.engine.inject.TaskTensors;
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
 * An injected transformer per call: a Whisper-like encoder generated in Java ({@code
 * SyntheticTransformer.whisperLike}: 12 layers, d_model 256, 4 heads, FFN 1024, 80 mel bins; 100
 * frames per call), with rank-8 LoRAs on q_proj and v_proj of every layer. Rows: the base model;
 * bound LoRA (weights as graph inputs); merged LoRA (folded into W at load); a task switch alone
 * (two tasks' prebuilt tensors swapped into the stream); a task switch followed by a call. All
 * through Stapes' {@code Stream} on one thread.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class InjectionBenchmark {
  private static final int LAYERS = 12;
  private static final int D = 256;
  private static final int FFN = 1024;
  private static final int MELS = 80;
  private static final int FRAMES = 100;

  private Session base;
  private Session bound;
  private Session merged;
  private Stream baseStream;
  private Stream boundStream;
  private Stream mergedStream;
  private TaskTensors tasks;
  private final float[] mel = new float[FRAMES * MELS];
  private boolean flip;
  private String out;

  /** Builds the three models and their streams. */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    BenchModels.environment();
    ai.onnx.proto.OnnxMl.ModelProto proto =
        SyntheticTransformer.whisperLike(LAYERS, D, 4, FFN, MELS, 1);
    byte[] model = proto.toByteArray();
    LoraAdapter a =
        SyntheticTransformer.randomLora("lora-a", LAYERS, D, FFN, 8, 16f, 2, "q_proj", "v_proj");
    LoraAdapter b =
        SyntheticTransformer.randomLora("lora-b", LAYERS, D, FFN, 8, 16f, 3, "q_proj", "v_proj");
    SessionOptions one = SessionOptions.builder().optIntraOpThreads(1).optInterOpThreads(1).build();
    for (int i = 0; i < mel.length; i++) {
      mel[i] = (float) Math.sin(i * 0.013);
    }
    StreamSpec spec =
        StreamSpec.builder()
            .setAudioInput("mel")
            .setChunkSamples(FRAMES * MELS)
            .optAudioShape(1, FRAMES, MELS)
            .build();
    base = Session.fromBytes(model, "base", null, one);
    baseStream = base.newStream(spec);
    out = base.outputs().keySet().iterator().next();
    InjectedModel boundModel =
        Injector.builder()
            .model(proto)
            .mode(Injector.Mode.BOUND)
            .task(Task.of("a", a))
            .task(Task.of("b", b))
            .build();
    bound = boundModel.openSession("bound", one);
    tasks = TaskTensors.of(boundModel);
    boundStream = bound.newStream(spec);
    tasks.bind(boundStream, "a");
    InjectedModel mergedModel =
        Injector.builder().model(proto).mode(Injector.Mode.BAKED).task(Task.of("a", a)).build();
    merged = mergedModel.openSession("merged", one);
    mergedStream = merged.newStream(spec);
  }

  /** Closes everything. */
  @TearDown(Level.Trial)
  public void tearDown() {
    mergedStream.close();
    merged.close();
    boundStream.close();
    tasks.close();
    bound.close();
    baseStream.close();
    base.close();
  }

  /** The base model. */
  @Benchmark
  public float base() {
    baseStream.process(mel);
    return baseStream.outputFloat(out, 0);
  }

  /** Bound LoRA: the adapter's weights are graph inputs. */
  @Benchmark
  public float bound() {
    boundStream.process(mel);
    return boundStream.outputFloat(out, 0);
  }

  /** Merged LoRA: folded into the base weights at load time. */
  @Benchmark
  public float merged() {
    mergedStream.process(mel);
    return mergedStream.outputFloat(out, 0);
  }

  /** A task switch alone: the other task's prebuilt tensors bound into the stream. */
  @Benchmark
  public boolean taskSwitch() {
    flip = !flip;
    tasks.bind(boundStream, flip ? "b" : "a");
    return flip;
  }

  /** A task switch, then a call. */
  @Benchmark
  public float taskSwitchAndCall() {
    flip = !flip;
    tasks.bind(boundStream, flip ? "b" : "a");
    boundStream.process(mel);
    return boundStream.outputFloat(out, 0);
  }
}
