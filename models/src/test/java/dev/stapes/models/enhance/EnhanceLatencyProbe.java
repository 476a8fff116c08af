package dev.stapes.models.enhance;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.stapes.models.enhance.GtcrnDescriptor.StatePair;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Per-hop latency and allocation of the enhancement path, beside ONNX Runtime driven naively from
 * Java (new arrays and tensors every hop). Not a unit test: run it on purpose with
 *
 * <pre>
 * mvn -B -q -o -pl models -am test -Dtest=EnhanceLatencyProbe -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dstapes.probe=true [-Dstapes.probe.hops=20000]
 * </pre>
 */
public class EnhanceLatencyProbe {

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  @Test
  void measure() throws Exception {
    assumeTrue(Boolean.getBoolean("stapes.probe"), "set -Dstapes.probe=true to measure");
    measure(Integer.getInteger("stapes.probe.hops", 20_000));
  }

  /** Stand-alone: {@code java -cp ... EnhanceLatencyProbe HOPS} with STAPES_MODEL_MIRROR set. */
  public static void main(String[] args) throws Exception {
    System.out.println(
        "java "
            + System.getProperty("java.vm.version")
            + ", ORT "
            + ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion()
            + ", cores "
            + Runtime.getRuntime().availableProcessors());
    measure(args.length > 0 ? Integer.parseInt(args[0]) : 20_000);
  }

  static void measure(int hops) throws Exception {
    int warm = Math.min(2_000, hops / 5);
    float[] mix = TestData.readPcm16Mono(TestData.gtcrnDir().resolve("mix.wav"));
    int hop = GtcrnDescriptor.HOP;
    try (GtcrnModel model = GtcrnModel.open(TestData.modelFile(), GtcrnModel.defaultOptions())) {
      // 1. the pipeline, in 16 ms blocks as an audio callback delivers them
      try (SpeechEnhancer e = model.newEnhancer()) {
        float[] out = new float[2 * hop];
        long[] t = new long[hops];
        int blocks = mix.length / hop;
        for (int i = 0; i < warm; i++) {
          e.process(mix, (i % blocks) * hop, hop, out, 0);
        }
        long a0 = THREADS.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < hops; i++) {
          long s = System.nanoTime();
          e.process(mix, (i % blocks) * hop, hop, out, 0);
          t[i] = System.nanoTime() - s;
        }
        long a1 = THREADS.getCurrentThreadAllocatedBytes();
        report("stapes SpeechEnhancer.process (STFT + ORT + iSTFT)", t, (a1 - a0) / (double) hops);
      }
      // 2. the model call alone, as the pipeline makes it: the engine's Stream (pinned buffers,
      // ping-pong caches)
      try (dev.stapes.engine.Stream r =
          model.session().newStream(dev.stapes.models.ModelDescriptors.gtcrn())) {
        float[] frame = new float[GtcrnDescriptor.FRAME_FLOATS];
        long[] t = new long[hops];
        long a0 = 0;
        for (int i = -warm; i < hops; i++) {
          if (i == 0) {
            a0 = THREADS.getCurrentThreadAllocatedBytes();
          }
          frame[0] = mix[Math.floorMod(i, mix.length)];
          long st = System.nanoTime();
          r.process(frame, 0);
          if (i >= 0) {
            t[i] = System.nanoTime() - st;
          }
        }
        long a1 = THREADS.getCurrentThreadAllocatedBytes();
        report("engine Stream.process alone (ORT run, pinned)", t, (a1 - a0) / (double) hops);
      }
      // 3. ONNX Runtime naively: fresh Java arrays and tensors every hop, outputs copied back
      // one thread, like the pipeline, so that only the binding differs
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
        so.setIntraOpNumThreads(1);
        so.setInterOpNumThreads(1);
        try (OrtSession s =
            env.createSession(java.nio.file.Files.readAllBytes(TestData.modelFile()), so)) {
          float[][][][] frame = new float[1][GtcrnDescriptor.BINS][1][2];
          Object[] caches = {
            new float[2][1][16][16][33], new float[2][3][1][1][16], new float[2][1][33][16]
          };
          long[] t = new long[hops];
          long a0 = 0;
          for (int i = -warm; i < hops; i++) {
            if (i == 0) {
              a0 = THREADS.getCurrentThreadAllocatedBytes();
            }
            long st = System.nanoTime();
            float[][][][] f = new float[1][GtcrnDescriptor.BINS][1][2];
            for (int k = 0; k < GtcrnDescriptor.BINS; k++) {
              f[0][k][0][0] = mix[(Math.floorMod(i, 500) * hop + k) % mix.length];
            }
            Map<String, OnnxTensor> in = new HashMap<>();
            in.put(GtcrnDescriptor.INPUT, OnnxTensor.createTensor(env, f));
            for (int p = 0; p < 3; p++) {
              StatePair sp = GtcrnDescriptor.STATES.get(p);
              in.put(sp.input(), OnnxTensor.createTensor(env, caches[p]));
            }
            try (OrtSession.Result r = s.run(in)) {
              frame = (float[][][][]) r.get(0).getValue();
              for (int p = 0; p < 3; p++) {
                caches[p] = r.get(1 + p).getValue();
              }
            }
            for (OnnxTensor x : in.values()) {
              x.close();
            }
            if (i >= 0) {
              t[i] = System.nanoTime() - st;
            }
          }
          long a1 = THREADS.getCurrentThreadAllocatedBytes();
          report("ORT from Java, naive (new tensors every hop)", t, (a1 - a0) / (double) hops);
          if (frame[0][0][0][0] == 12345f) {
            System.out.println("(sink)");
          }
        }
      }
    }
  }

  private static void report(String what, long[] t, double bytesPerHop) {
    long[] s = t.clone();
    Arrays.sort(s);
    System.out.printf(
        Locale.ROOT,
        "%-55s hops=%d p50=%.3f ms p99=%.3f ms p99.9=%.3f ms max=%.3f ms mean=%.3f ms"
            + " alloc=%.0f B/hop%n",
        what,
        s.length,
        pct(s, 0.50) / 1e6,
        pct(s, 0.99) / 1e6,
        pct(s, 0.999) / 1e6,
        s[s.length - 1] / 1e6,
        Arrays.stream(s).average().orElse(0) / 1e6,
        bytesPerHop);
  }

  private static double pct(long[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
