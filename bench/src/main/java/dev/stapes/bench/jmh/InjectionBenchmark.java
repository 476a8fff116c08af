package dev.stapes.bench.jmh;

import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.Stream;
import dev.stapes.engine.StreamSpec;
import dev.stapes.engine.inject.InjectedModel;
import dev.stapes.engine.inject.Injector;
import dev.stapes.engine.inject.LoraAdapter;
import dev.stapes.engine.inject.OrtAdapterFile;
import dev.stapes.engine.inject.SyntheticTransformer;
import dev.stapes.engine.inject.Task;
import dev.stapes.engine.inject.TaskTensors;
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
 * An injected transformer per call: a Whisper-like encoder generated in Java ({@code
 * SyntheticTransformer.whisperLike}: 12 layers, d_model 256, 4 heads, FFN 1024, 80 mel bins; 100
 * frames per call), with rank-8 LoRAs on all 72 Linear layers of the encoder layers (q_proj,
 * k_proj, v_proj, out_proj, fc1, fc2). Rows: the base model; bound LoRA (weights as graph inputs);
 * merged LoRA (folded into W at load); ONNX Runtime's own multi-LoRA path on the bound graph (the
 * task exported as an {@code .onnx_adapter} file, fed by {@code OrtLoraAdapter} and {@code
 * RunOptions.addActiveLoraAdapter}); a task switch alone (two tasks' prebuilt tensors swapped into
 * the stream); a task switch followed by a call. All on one thread; every row but {@code ortLora}
 * through Stapes' {@code Stream}. Set-up checks that bound, merged and ortLora agree.
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

  /** The Linear layers of every encoder layer that the LoRAs target. */
  static final String[] TARGETS = {"q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2"};

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
  private ai.onnxruntime.OrtSession ort;
  private ai.onnxruntime.OrtLoraAdapter ortAdapter;
  private ai.onnxruntime.OrtSession.RunOptions ortRun;
  private ai.onnxruntime.OnnxTensor ortMel;
  private Map<String, ai.onnxruntime.OnnxTensor> ortFeed;

  /** The benchmark's base model: the 12-layer Whisper-like encoder, seed 1. */
  public static ai.onnx.proto.OnnxMl.ModelProto baseModel() {
    return SyntheticTransformer.whisperLike(LAYERS, D, 4, FFN, MELS, 1);
  }

  /** A random rank-8 LoRA (alpha 16) on all 72 Linear layers of {@link #baseModel()}. */
  public static LoraAdapter allLinearLora(String name, long seed) {
    try {
      return SyntheticTransformer.randomLora(name, LAYERS, D, FFN, 8, 16f, seed, TARGETS);
    } catch (dev.stapes.engine.inject.InvalidAdapterException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The model's input {@code mel} [1, 100, 80] as one stream chunk. */
  public static StreamSpec melSpec() {
    return StreamSpec.builder()
        .setAudioInput("mel")
        .setChunkSamples(FRAMES * MELS)
        .optAudioShape(1, FRAMES, MELS)
        .build();
  }

  /** Builds the three models and their streams. */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    ai.onnxruntime.OrtEnvironment env = BenchModels.environment();
    ai.onnx.proto.OnnxMl.ModelProto proto = baseModel();
    byte[] model = proto.toByteArray();
    LoraAdapter a = allLinearLora("lora-a", 2);
    LoraAdapter b = allLinearLora("lora-b", 3);
    SessionOptions one = SessionOptions.builder().optIntraOpThreads(1).optInterOpThreads(1).build();
    for (int i = 0; i < mel.length; i++) {
      mel[i] = (float) Math.sin(i * 0.013);
    }
    StreamSpec spec = melSpec();
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

    ai.onnxruntime.OrtSession.SessionOptions so = new ai.onnxruntime.OrtSession.SessionOptions();
    so.setIntraOpNumThreads(1);
    so.setInterOpNumThreads(1);
    so.setOptimizationLevel(ai.onnxruntime.OrtSession.SessionOptions.OptLevel.ALL_OPT);
    ort = env.createSession(boundModel.modelBytes(), so);
    ortAdapter =
        ai.onnxruntime.OrtLoraAdapter.create(OrtAdapterFile.fromTask(boundModel, "a").toBytes());
    ortRun = new ai.onnxruntime.OrtSession.RunOptions();
    ortRun.addActiveLoraAdapter(ortAdapter);
    ortMel =
        ai.onnxruntime.OnnxTensor.createTensor(
            env, java.nio.FloatBuffer.wrap(mel), new long[] {1, FRAMES, MELS});
    ortFeed = Map.of("mel", ortMel);
    float yb = bound();
    float ym = merged();
    float yo = ortLora();
    if (Math.abs(yb - ym) > 1e-4 || Math.abs(yb - yo) > 1e-5) {
      throw new IllegalStateException(
          "InjectionBenchmark: first output bound="
              + yb
              + " merged="
              + ym
              + " ortLora="
              + yo
              + ", expected bound within 1e-4 of merged and 1e-5 of ortLora");
    }
  }

  /** Closes everything. */
  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    ortMel.close();
    ortRun.close();
    ortAdapter.close();
    ort.close();
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

  /**
   * ONNX Runtime's multi-LoRA path on the bound graph: task "a" as an {@code OrtLoraAdapter}
   * activated through {@code RunOptions}, ORT's Java API's own result objects per call.
   */
  @Benchmark
  public float ortLora() throws ai.onnxruntime.OrtException {
    try (ai.onnxruntime.OrtSession.Result r = ort.run(ortFeed, ortRun)) {
      return ((ai.onnxruntime.OnnxTensor) r.get(0)).getFloatBuffer().get(0);
    }
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
