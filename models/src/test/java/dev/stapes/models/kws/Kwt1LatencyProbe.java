package dev.stapes.models.kws;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.Stream;
import java.lang.management.ManagementFactory;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Per-window latency of KWT-1 through Stapes (one window = one second of audio, classified every
 * hop), beside ONNX Runtime driven directly from Java. Not a unit test: run it on purpose with
 *
 * <pre>
 * mvn -B -q -o -pl models -am test -Dtest=Kwt1LatencyProbe -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dstapes.probe=true [-Dstapes.probe.windows=2000]
 * </pre>
 */
class Kwt1LatencyProbe {

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  @Test
  void measure() throws Exception {
    assumeTrue(Boolean.getBoolean("stapes.probe"), "set -Dstapes.probe=true to measure");
    int windows = Integer.getInteger("stapes.probe.windows", 2000);
    int warm = Math.max(50, windows / 10);
    float[] audio = KwsFixtures.corpus("silero_test.wav");
    int hop = 1600;
    for (int threads : new int[] {1, 0}) {
      SessionOptions so =
          SessionOptions.builder().optIntraOpThreads(threads).optInterOpThreads(1).build();
      String label = threads == 1 ? "1 thread" : "default threads";
      try (Session session = Session.open(KwsFixtures.kwt1(), so)) {
        // 1. the engine stream alone: one hop in, one window classified
        try (Stream stream = session.newStream(Kwt1.streamSpec(hop))) {
          int blocks = audio.length / hop;
          for (int i = 0; i < warm; i++) {
            stream.process(audio, (i % blocks) * hop);
          }
          long[] t = new long[windows];
          long a0 = THREADS.getCurrentThreadAllocatedBytes();
          for (int i = 0; i < windows; i++) {
            long s = System.nanoTime();
            stream.process(audio, (i % blocks) * hop);
            t[i] = System.nanoTime() - s;
          }
          long a1 = THREADS.getCurrentThreadAllocatedBytes();
          report("Stream.process (KWT-1, " + label + ")", t, (a1 - a0) / (double) windows);
        }
        // 2. the whole spotter: hop in, smoothing and decisions, detections out
        try (KeywordSpotter spotter = new KeywordSpotter(session, KwsOptions.defaults())) {
          List<KeywordDetection> out = new ArrayList<>();
          int blocks = audio.length / hop;
          for (int i = 0; i < warm; i++) {
            spotter.accept(audio, (i % blocks) * hop, hop, out);
          }
          long[] t = new long[windows];
          long a0 = THREADS.getCurrentThreadAllocatedBytes();
          for (int i = 0; i < windows; i++) {
            long s = System.nanoTime();
            spotter.accept(audio, (i % blocks) * hop, hop, out);
            t[i] = System.nanoTime() - s;
            if (out.size() > 1000) {
              out.clear();
            }
          }
          long a1 = THREADS.getCurrentThreadAllocatedBytes();
          report(
              "KeywordSpotter.accept, 100 ms hop (" + label + ")", t, (a1 - a0) / (double) windows);
        }
      }
      // 3. ONNX Runtime directly: a new tensor per window, output copied to a Java array
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
        o.setIntraOpNumThreads(threads);
        o.setInterOpNumThreads(1);
        try (OrtSession s = env.createSession(KwsFixtures.kwt1().toString(), o)) {
          float[] w = new float[16000];
          int blocks = (audio.length - 16000) / hop;
          long[] t = new long[windows];
          for (int i = 0; i < warm + windows; i++) {
            System.arraycopy(audio, (i % blocks) * hop, w, 0, 16000);
            long st = System.nanoTime();
            try (OnnxTensor x =
                    OnnxTensor.createTensor(env, FloatBuffer.wrap(w), new long[] {1, 16000});
                OrtSession.Result r = s.run(Map.of(Kwt1.INPUT, x))) {
              float[][] y = (float[][]) r.get(0).getValue();
              if (y[0].length != 12) {
                throw new AssertionError();
              }
            }
            if (i >= warm) {
              t[i - warm] = System.nanoTime() - st;
            }
          }
          report("ORT Java direct, new tensor per window (" + label + ")", t, Double.NaN);
        }
      }
    }
  }

  private static void report(String what, long[] ns, double bytesPerWindow) {
    long[] s = ns.clone();
    Arrays.sort(s);
    double mean = Arrays.stream(s).average().orElse(0) / 1e6;
    System.out.printf(
        Locale.ROOT,
        "kwt1 latency %-55s n=%d p50=%.3f ms p90=%.3f ms p99=%.3f ms mean=%.3f ms alloc=%.0f B/window%n",
        what,
        s.length,
        s[s.length / 2] / 1e6,
        s[(int) (s.length * 0.9)] / 1e6,
        s[(int) (s.length * 0.99)] / 1e6,
        mean,
        bytesPerWindow);
  }
}
