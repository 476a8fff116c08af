package dev.stapes.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtSession;
import java.lang.management.ManagementFactory;
import java.nio.FloatBuffer;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Stapes' per-chunk code allocates nothing: a stream's {@code process} allocates exactly what a
 * bare {@code OrtSession.run} with the same prebuilt maps allocates (ONNX Runtime's own Java layer:
 * its {@code Result} and handle arrays).
 */
class StreamAllocationTest {
  static long allocated() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }

  @Test
  void processAllocatesNothingBeyondOnnxRuntimesOwnRun() throws Exception {
    assumeTrue(
        ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
        "needs com.sun.management.ThreadMXBean");
    int n = 2000;
    try (Session session = Session.open(TestModels.model("context"));
        Stream s = session.newStream(session.streamSpecFromMetadata());
        Tensor gain = Tensor.ofFloats(new float[] {1f}, 1);
        Tensor other = Tensor.ofFloats(new float[] {2f}, 1)) {
      s.bind("gain", gain);
      float[] chunk = new float[s.chunkSamples()];
      float sink = 0;
      for (int i = 0; i < n; i++) { // warm up: JIT, first-run discovery
        chunk[0] = i;
        s.process(chunk, 0);
        s.bind("gain", (i & 1) == 0 ? gain : other);
        sink += s.outputFloat("energy", 0);
      }
      // the same run through ONNX Runtime directly, with prebuilt maps and pinned outputs
      OrtSession ort = session.ort();
      Map<String, OnnxTensor> feeds = new HashMap<>();
      Map<String, OnnxValue> pinned = new HashMap<>();
      long stream = Long.MAX_VALUE;
      long bare = Long.MAX_VALUE;
      long difference = Long.MAX_VALUE;
      try (Tensor audio = Tensor.zeros(ElementType.FLOAT, 1, 8);
          Tensor sr = Tensor.ofLongs(new long[] {16000});
          Tensor count = Tensor.zeros(ElementType.INT64, 1);
          Tensor window = Tensor.zeros(ElementType.FLOAT, 1, 8);
          Tensor energy = Tensor.zeros(ElementType.FLOAT);
          Tensor countOut = Tensor.zeros(ElementType.INT64, 1);
          Tensor rate = Tensor.zeros(ElementType.FLOAT)) {
        feeds.put("audio", audio.unwrap());
        feeds.put("sr", sr.unwrap());
        feeds.put("gain", gain.unwrap());
        feeds.put("count", count.unwrap());
        pinned.put("window", window.unwrap());
        pinned.put("energy", energy.unwrap());
        pinned.put("count_out", countOut.unwrap());
        pinned.put("rate", rate.unwrap());
        // interleaved rounds; a real allocation per chunk shows in every round's difference,
        // noise on a loaded machine (JIT, ORT's own variable-size objects) only in some
        for (int round = 0; round < 8; round++) {
          long before = allocated();
          for (int i = 0; i < n; i++) {
            chunk[0] = i;
            s.process(chunk, 0);
            s.bind("gain", (i & 1) == 0 ? gain : other);
            FloatBuffer w = s.outputFloats("window");
            sink += w.get(0) + s.outputFloat("energy", 0);
          }
          long streamRound = allocated() - before;
          stream = Math.min(stream, streamRound);
          before = allocated();
          for (int i = 0; i < n; i++) {
            try (OrtSession.Result r = ort.run(feeds, Collections.emptySet(), pinned)) {
              sink += 1;
            }
          }
          long bareRound = allocated() - before;
          bare = Math.min(bare, bareRound);
          difference = Math.min(difference, streamRound - bareRound);
        }
      }
      double perChunk = difference / (double) n;
      System.out.printf(
          "bytes per chunk: stream %.1f, bare OrtSession.run %.1f, Stapes %.2f (sink %s)%n",
          stream / (double) n, bare / (double) n, perChunk, sink);
      // the smallest Java object is 16 bytes: less than that per chunk means no object per chunk
      assertTrue(perChunk < 16, "Stapes allocates " + perChunk + " bytes per chunk");
    }
  }
}
