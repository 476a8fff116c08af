package dev.stapes.bench.jmh;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.stapes.bench.rt.TestSignal;
import dev.stapes.engine.SessionOptions;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.vad.SileroVad;
import dev.stapes.models.vad.VadStream;
import java.nio.file.Path;
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

/**
 * Silero VAD v5 per 32 ms chunk (512 samples + 64 of context at 16 kHz), three ways, all on ONNX
 * Runtime 1.26.0 with one thread: Stapes' {@link VadStream}; the style of the official Silero Java
 * example (new Java arrays and new tensors for audio, state and rate on every call, the state read
 * back into a new array); and DJL's ONNX Runtime engine (new NDArrays per call).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class VadBenchmark {
  private static final int CHUNK = 512;
  private static final int CONTEXT = 64;

  private float[] signal;
  private int pos;
  private final float[] chunk = new float[CHUNK];

  private SileroVad vad;
  private VadStream stream;

  private OrtEnvironment env;
  private OrtSession session;
  private float[][][] state = new float[2][1][128];
  private float[] context = new float[CONTEXT];

  private ZooModel<NDList, NDList> djlModel;
  private Predictor<NDList, NDList> djlPredictor;
  private NDManager djlManager;
  private float[] djlState = new float[2 * 128];
  private float[] djlContext = new float[CONTEXT];

  /** Loads the model three times. */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Path model = BenchModels.store(ModelCatalog.SILERO_VAD_V5);
    env = BenchModels.environment();
    signal = TestSignal.generate(4, 16000);
    SessionOptions one = SessionOptions.builder().optIntraOpThreads(1).optInterOpThreads(1).build();
    vad = SileroVad.open(model, one);
    stream = vad.newStream(16000);
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(1);
      o.setInterOpNumThreads(1);
      session = env.createSession(model.toString(), o);
    }
    djlModel =
        Criteria.builder()
            .setTypes(NDList.class, NDList.class)
            .optModelPath(model)
            .optEngine("OnnxRuntime")
            .optOption("interOpNumThreads", "1")
            .optOption("intraOpNumThreads", "1")
            .build()
            .loadModel();
    djlPredictor = djlModel.newPredictor();
    djlManager = djlModel.getNDManager();
  }

  /** Closes everything. */
  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    djlPredictor.close();
    djlModel.close();
    session.close();
    stream.close();
    vad.close();
  }

  private float[] nextChunk() {
    if (pos + CHUNK > signal.length) {
      pos = 0;
    }
    System.arraycopy(signal, pos, chunk, 0, CHUNK);
    pos += CHUNK;
    return chunk;
  }

  /** Stapes: one {@code VadStream.process} into preallocated buffers. */
  @Benchmark
  public float stapes() {
    return stream.process(nextChunk(), 0);
  }

  /**
   * The official Silero Java example's style: the context and chunk copied into a new {@code
   * float[1][576]}, new tensors for audio, rate and state, a new map, results read back into new
   * Java arrays.
   */
  @Benchmark
  public float officialExampleStyle() throws Exception {
    float[] x = nextChunk();
    float[][] input = new float[1][CONTEXT + CHUNK];
    System.arraycopy(context, 0, input[0], 0, CONTEXT);
    System.arraycopy(x, 0, input[0], CONTEXT, CHUNK);
    try (OnnxTensor in = OnnxTensor.createTensor(env, input);
        OnnxTensor sr = OnnxTensor.createTensor(env, new long[] {16000});
        OnnxTensor st = OnnxTensor.createTensor(env, state)) {
      Map<String, OnnxTensor> feeds = new HashMap<>();
      feeds.put("input", in);
      feeds.put("sr", sr);
      feeds.put("state", st);
      try (OrtSession.Result r = session.run(feeds)) {
        float[][] out = (float[][]) r.get(0).getValue();
        state = (float[][][]) r.get(1).getValue();
        context = new float[CONTEXT];
        System.arraycopy(input[0], CHUNK, context, 0, CONTEXT);
        return out[0][0];
      }
    }
  }

  /** DJL's ONNX Runtime engine: new NDArrays for audio, state and rate per call. */
  @Benchmark
  public float djl() throws Exception {
    float[] x = nextChunk();
    float[] input = new float[CONTEXT + CHUNK];
    System.arraycopy(djlContext, 0, input, 0, CONTEXT);
    System.arraycopy(x, 0, input, CONTEXT, CHUNK);
    try (NDManager m = djlManager.newSubManager()) {
      NDArray in = m.create(input, new Shape(1, CONTEXT + CHUNK));
      in.setName("input");
      NDArray st = m.create(djlState, new Shape(2, 1, 128));
      st.setName("state");
      NDArray sr = m.create(16000L);
      sr.setName("sr");
      NDList out = djlPredictor.predict(new NDList(in, st, sr));
      float p = out.get(0).toFloatArray()[0];
      djlState = out.get(1).toFloatArray();
      System.arraycopy(input, CHUNK, djlContext, 0, CONTEXT);
      return p;
    }
  }
}
