package dev.stapes.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtSession;
import java.lang.management.ManagementFactory;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A {@link BatchRunner} step over 16 lanes allocates what one bare {@code OrtSession.run} of the
 * batch allocates, nothing per lane: pushes, the gather, the scatter and the output reads are
 * Stapes' code and allocate nothing.
 */
class BatchRunnerAllocationTest {
  static long allocated() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }

  @Test
  void aStepAllocatesNothingBeyondOnnxRuntimesOwnRun() throws Exception {
    assumeTrue(
        ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
        "needs com.sun.management.ThreadMXBean");
    int lanes = 16;
    int n = 1000;
    int chunk = BatchRunnerTest.N;
    try (Session s =
            Session.fromBytes(
                BatchRunnerTest.statefulModel(), "stateful", null, SessionOptions.defaults());
        BatchRunner runner = new BatchRunner(s, BatchRunnerTest.spec(), lanes);
        Tensor x = Tensor.zeros(ElementType.FLOAT, lanes, BatchRunnerTest.C + chunk);
        Tensor st = Tensor.zeros(ElementType.FLOAT, 2, lanes, BatchRunnerTest.H);
        Tensor y = Tensor.zeros(ElementType.FLOAT, lanes, 3);
        Tensor stOut = Tensor.zeros(ElementType.FLOAT, 2, lanes, BatchRunnerTest.H)) {
      BatchRunner.Lane[] l = new BatchRunner.Lane[lanes];
      for (int i = 0; i < lanes; i++) {
        l[i] = runner.newLane();
      }
      float[] audio = new float[chunk];
      float sink = 0;
      for (int i = 0; i < n; i++) { // warm up: JIT, the batch buffers
        sink += step(runner, l, audio, i);
      }
      OrtSession ort = s.ort();
      Map<String, OnnxTensor> feeds = new HashMap<>();
      Map<String, OnnxValue> pinned = new HashMap<>();
      feeds.put("x", x.unwrap());
      feeds.put("s", st.unwrap());
      pinned.put("y", y.unwrap());
      pinned.put("s_new", stOut.unwrap());
      long difference = Long.MAX_VALUE;
      long batched = Long.MAX_VALUE;
      long bare = Long.MAX_VALUE;
      for (int round = 0; round < 6; round++) {
        long before = allocated();
        for (int i = 0; i < n; i++) {
          sink += step(runner, l, audio, i);
        }
        long b = allocated() - before;
        before = allocated();
        for (int i = 0; i < n; i++) {
          try (OrtSession.Result r = ort.run(feeds, Collections.emptySet(), pinned)) {
            sink += 1;
          }
        }
        long o = allocated() - before;
        batched = Math.min(batched, b);
        bare = Math.min(bare, o);
        difference = Math.min(difference, b - o);
      }
      double perStep = difference / (double) n;
      System.out.printf(
          "bytes per step of %d lanes: runner %.1f, bare OrtSession.run %.1f, Stapes %.2f (sink %s)%n",
          lanes, batched / (double) n, bare / (double) n, perStep, sink);
      assertTrue(perStep < 16, "Stapes allocates " + perStep + " bytes per step");
    }
  }

  private static float step(BatchRunner runner, BatchRunner.Lane[] lanes, float[] audio, int i) {
    audio[0] = i;
    for (BatchRunner.Lane l : lanes) {
      l.push(audio, 0);
    }
    runner.step();
    float sum = 0;
    for (BatchRunner.Lane l : lanes) {
      sum += l.outputFloat("y", 0);
    }
    return sum;
  }
}
