// ONNX Runtime session settings against the Silero VAD v5 tail: the default session, the CPU arena
// off, memory patterns off, denormals as zero, each timed in thread CPU time per run (immune to
// preemption) in 12 rounds whose order rotates, 2,000 runs per round after 5,000 warm-up runs each.
// Raw ONNX Runtime Java, no Stapes code. Run from the project root, best pinned:
//   chrt -f 80 taskset -c 1 java -cp bench/target/benchmarks.jar bench/scripts/OrtVadOptions.java [MODEL]
// (docs/performance.md, "Silero VAD against sherpa-onnx").
import ai.onnxruntime.*;
import java.nio.FloatBuffer;
import java.lang.management.*;
import java.util.*;

public class OrtVadOptions {
  public static void main(String[] a) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    String model = a.length > 0 ? a[0] : System.getProperty("user.home") + "/.cache/stapes/silero-vad-v5/silero_vad_v5.onnx";
    if (!new java.io.File(model).isFile()) {
      System.err.println("OrtVadOptions: " + model + ": no such file (./stapes models fetch silero-vad-v5)");
      System.exit(2);
    }
    String[] names = {"default", "noArena", "noMemPattern", "denormalZero"};
    OrtSession[] s = new OrtSession[names.length];
    for (int i = 0; i < names.length; i++) {
      OrtSession.SessionOptions o = new OrtSession.SessionOptions();
      o.setIntraOpNumThreads(1); o.setInterOpNumThreads(1);
      if (i == 1) o.setCPUArenaAllocator(false);
      if (i == 2) o.setMemoryPatternOptimization(false);
      if (i == 3) o.addConfigEntry("session.set_denormal_as_zero", "1");
      s[i] = env.createSession(model, o);
    }
    float[] x = new float[576]; Random r = new Random(1); for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian() * 0.1f;
    OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {1, 576});
    OnnxTensor st = OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[256]), new long[] {2, 1, 128});
    OnnxTensor sr = OnnxTensor.createTensor(env, new long[] {16000});
    Map<String, OnnxTensor> feed = Map.of("input", in, "state", st, "sr", sr);
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    List<List<Long>> p50 = new ArrayList<>(), p99 = new ArrayList<>();
    for (int i = 0; i < names.length; i++) { p50.add(new ArrayList<>()); p99.add(new ArrayList<>()); }
    for (int w = 0; w < 5000; w++) for (OrtSession q : s) q.run(feed).close();
    long[] t = new long[2000];
    for (int round = 0; round < 12; round++) {
      for (int k = 0; k < names.length; k++) {
        int i = (k + round) % names.length;
        for (int j = 0; j < t.length; j++) {
          long c0 = mx.getCurrentThreadCpuTime();
          s[i].run(feed).close();
          t[j] = mx.getCurrentThreadCpuTime() - c0;
        }
        long[] c = t.clone(); Arrays.sort(c);
        p50.get(i).add(c[1000]); p99.get(i).add(c[1980]);
      }
    }
    for (int i = 0; i < names.length; i++) {
      List<Long> a50 = p50.get(i), a99 = p99.get(i); Collections.sort(a50); Collections.sort(a99);
      System.out.printf("%-13s thread CPU per run: median of 12 round p50s %.1f us (min %.1f), median round p99 %.1f us%n",
          names[i], a50.get(6) / 1e3, a50.get(0) / 1e3, a99.get(6) / 1e3);
    }
  }
}
