package dev.stapes.bench.jmh;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
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
 * What a runtime costs per call around a model that does nothing: an Identity node over 512 floats
 * (one Silero chunk). The rows are ONNX Runtime's Java API as its samples use it (a new tensor per
 * call), the same with one tensor reused, and DJL's ONNX Runtime engine (a new NDArray per call, as
 * its Predictor API is used); and Stapes' engine ({@code Stream.process} into pinned buffers). All
 * run ONNX Runtime 1.26.0 with one intra-op and one inter-op thread.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class EngineOverheadBenchmark {
  /** Samples per call: one Silero VAD chunk at 16 kHz. */
  public static final int N = 512;

  private OrtEnvironment env;
  private OrtSession session;
  private FloatBuffer direct;
  private OnnxTensor reused;
  private Map<String, OnnxTensor> reusedFeeds;
  private final float[] samples = new float[N];
  private final long[] shape = {1, N};

  private dev.stapes.engine.Session stapesSession;
  private dev.stapes.engine.Stream stapesStream;

  private ZooModel<NDList, NDList> djlModel;
  private Predictor<NDList, NDList> djlPredictor;
  private NDManager djlManager;

  /** Opens the sessions. */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Path model = BenchModels.bundled("identity.onnx");
    env = BenchModels.environment();
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(1);
      o.setInterOpNumThreads(1);
      session = env.createSession(model.toString(), o);
    }
    for (int i = 0; i < N; i++) {
      samples[i] = (float) Math.sin(i * 0.01);
    }
    direct = ByteBuffer.allocateDirect(4 * N).order(ByteOrder.nativeOrder()).asFloatBuffer();
    reused = OnnxTensor.createTensor(env, direct, shape);
    reusedFeeds = Map.of("x", reused);

    stapesSession =
        dev.stapes.engine.Session.open(
            model,
            dev.stapes.engine.SessionOptions.builder()
                .optIntraOpThreads(1)
                .optInterOpThreads(1)
                .build());
    stapesStream =
        stapesSession.newStream(
            dev.stapes.engine.StreamSpec.builder()
                .setAudioInput("x")
                .setChunkSamples(N)
                .optAudioShape(1, N)
                .build());

    Criteria<NDList, NDList> criteria =
        Criteria.builder()
            .setTypes(NDList.class, NDList.class)
            .optModelPath(model)
            .optEngine("OnnxRuntime")
            .optOption("interOpNumThreads", "1")
            .optOption("intraOpNumThreads", "1")
            .build();
    djlModel = criteria.loadModel();
    djlPredictor = djlModel.newPredictor();
    djlManager = djlModel.getNDManager();
  }

  /** Closes everything. */
  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    djlPredictor.close();
    djlModel.close();
    reused.close();
    stapesStream.close();
    stapesSession.close();
    session.close();
  }

  /** ONNX Runtime Java as its samples use it: a new tensor from a float[][] per call. */
  @Benchmark
  public float ortNewTensorPerCall() throws Exception {
    try (OnnxTensor x = OnnxTensor.createTensor(env, new float[][] {samples});
        OrtSession.Result r = session.run(Map.of("x", x))) {
      return ((float[][]) r.get(0).getValue())[0][N - 1];
    }
  }

  /**
   * ONNX Runtime Java with one direct-buffer tensor reused; the result is still created per call.
   */
  @Benchmark
  public float ortReusedTensor() throws Exception {
    direct.clear();
    direct.put(samples);
    try (OrtSession.Result r = session.run(reusedFeeds)) {
      return ((OnnxTensor) r.get(0)).getFloatBuffer().get(N - 1);
    }
  }

  /** Stapes' engine: a {@code Stream} with pinned input and output buffers. */
  @Benchmark
  public float stapesStream() {
    stapesStream.process(samples);
    return stapesStream.outputFloat("y", N - 1);
  }

  /** DJL's ONNX Runtime engine: a new NDArray per call through a Predictor. */
  @Benchmark
  public float djlPredictor() throws Exception {
    try (NDManager m = djlManager.newSubManager()) {
      NDList out = djlPredictor.predict(new NDList(m.create(samples, new Shape(1, N))));
      float v = out.singletonOrThrow().toFloatArray()[N - 1];
      out.close();
      return v;
    }
  }
}
