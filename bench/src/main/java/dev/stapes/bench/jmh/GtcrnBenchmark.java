package dev.stapes.bench.jmh;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.stapes.bench.rt.TestSignal;
import dev.stapes.models.enhance.GtcrnDescriptor;
import dev.stapes.models.enhance.GtcrnModel;
import dev.stapes.models.enhance.SpeechEnhancer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
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
 * GTCRN streaming enhancement per 16 ms hop (256 samples at 16 kHz). {@code stapes}: one hop
 * through {@link SpeechEnhancer} (streaming STFT, the model with its three caches carried, inverse
 * STFT with overlap-add). {@code naiveOrt}: the model call alone, driven the way a first Java
 * version does it: new heap arrays and new tensors for the frame and the three caches on every hop,
 * the new caches copied out of the result into new arrays. The Stapes row does more work (both
 * STFTs), so its ratio understates the difference.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class GtcrnBenchmark {
  private static final int HOP = GtcrnDescriptor.HOP;

  private GtcrnModel model;
  private SpeechEnhancer enhancer;
  private float[] signal;
  private final float[] out = new float[2 * HOP];
  private int pos;

  private OrtEnvironment env;
  private OrtSession session;
  private float[] frame;
  private final float[][] caches = new float[3][];
  private final long[][] cacheShapes = new long[3][];
  private final String[] cacheIn = new String[3];
  private final String[] cacheOut = new String[3];

  /** Finds the model (the model store's mirror, or {@code ../shared/models/gtcrn}). */
  static Path modelPath() {
    Path shared = BenchModels.shared("models", "gtcrn", GtcrnDescriptor.FILE);
    if (Files.isRegularFile(shared)) {
      return shared;
    }
    return BenchModels.store(GtcrnDescriptor.STORE_NAME);
  }

  /** Loads the model twice. */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    env = BenchModels.environment();
    Path file = modelPath();
    model = GtcrnModel.open(file, GtcrnModel.defaultOptions());
    enhancer = model.newEnhancer();
    signal = TestSignal.generate(4, 16000);
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(1);
      o.setInterOpNumThreads(1);
      session = env.createSession(file.toString(), o);
    }
    frame = new float[GtcrnDescriptor.BINS * 2];
    for (int i = 0; i < frame.length; i++) {
      frame[i] = (float) Math.sin(i * 0.37) * 0.1f;
    }
    for (int i = 0; i < 3; i++) {
      GtcrnDescriptor.StatePair s = GtcrnDescriptor.STATES.get(i);
      cacheIn[i] = s.input();
      cacheOut[i] = s.output();
      cacheShapes[i] = s.shape();
      long n = 1;
      for (long d : s.shape()) {
        n *= d;
      }
      caches[i] = new float[(int) n];
    }
  }

  /** Closes everything. */
  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    session.close();
    enhancer.close();
    model.close();
  }

  /** One hop through Stapes' streaming enhancer (STFT, model, inverse STFT). */
  @Benchmark
  public float stapes() {
    if (pos + HOP > signal.length) {
      pos = 0;
    }
    int n = enhancer.process(signal, pos, HOP, out, 0);
    pos += HOP;
    return n > 0 ? out[0] : 0f;
  }

  /** The model call alone with new arrays and tensors every hop. */
  @Benchmark
  public float naiveOrt() throws Exception {
    Map<String, OnnxTensor> feeds = new HashMap<>();
    try {
      feeds.put(
          GtcrnDescriptor.INPUT,
          OnnxTensor.createTensor(
              env, FloatBuffer.wrap(frame.clone()), GtcrnDescriptor.FRAME_SHAPE));
      for (int i = 0; i < 3; i++) {
        feeds.put(
            cacheIn[i],
            OnnxTensor.createTensor(env, FloatBuffer.wrap(caches[i].clone()), cacheShapes[i]));
      }
      try (OrtSession.Result r = session.run(feeds)) {
        float[] enh = new float[frame.length];
        ((OnnxTensor) r.get(GtcrnDescriptor.OUTPUT).get()).getFloatBuffer().get(enh);
        for (int i = 0; i < 3; i++) {
          float[] c = new float[caches[i].length];
          ((OnnxTensor) r.get(cacheOut[i]).get()).getFloatBuffer().get(c);
          caches[i] = c;
        }
        return enh[0];
      }
    } finally {
      for (OnnxTensor t : feeds.values()) {
        t.close();
      }
    }
  }
}
