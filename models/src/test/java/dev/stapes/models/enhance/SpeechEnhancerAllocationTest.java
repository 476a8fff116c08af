package dev.stapes.models.enhance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stapes.engine.Stream;
import dev.stapes.models.ModelDescriptors;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The enhancement path allocates nothing of its own per hop: feeding 16 ms blocks through {@link
 * SpeechEnhancer#process} allocates what the engine's bare {@link Stream#process} on GTCRN
 * allocates (ONNX Runtime's Java layer: its result object and handle arrays), within noise.
 */
class SpeechEnhancerAllocationTest {

  static long allocated() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }

  @Test
  void aHopAllocatesNothingBeyondTheModelRun() throws Exception {
    assumeTrue(
        ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
        "needs com.sun.management.ThreadMXBean");
    int hops = 1500;
    int hop = GtcrnDescriptor.HOP;
    float[] x = new float[hop * 64];
    java.util.Random r = new java.util.Random(3);
    for (int i = 0; i < x.length; i++) {
      x[i] = 0.1f * (float) r.nextGaussian();
    }
    float[] out = new float[2 * hop];
    float sink = 0;
    try (GtcrnModel model = GtcrnModel.open(TestData.modelFile(), GtcrnModel.defaultOptions());
        SpeechEnhancer e = model.newEnhancer();
        Stream s = model.session().newStream(ModelDescriptors.gtcrn())) {
      float[] frame = new float[GtcrnDescriptor.FRAME_FLOATS];
      long best = Long.MAX_VALUE;
      long bare = Long.MAX_VALUE;
      long difference = Long.MAX_VALUE;
      // interleaved rounds (the first warms up the JIT); a real allocation per hop shows in every
      // round's difference, noise on a loaded machine only in some
      for (int round = 0; round < 6; round++) {
        long before = allocated();
        for (int i = 0; i < hops; i++) {
          e.process(x, (i % 64) * hop, hop, out, 0);
          sink += out[0];
        }
        long enhancerRound = allocated() - before;
        best = Math.min(best, enhancerRound);
        before = allocated();
        for (int i = 0; i < hops; i++) {
          frame[0] = x[i % x.length];
          s.process(frame, 0);
          sink += s.outputFloat(GtcrnDescriptor.OUTPUT, 0);
        }
        long bareRound = allocated() - before;
        bare = Math.min(bare, bareRound);
        if (round > 0) {
          difference = Math.min(difference, enhancerRound - bareRound);
        }
      }
      double perHop = difference / (double) hops;
      System.out.printf(
          "bytes per hop: enhancer %.1f, bare Stream.process %.1f, Stapes %.2f (sink %s)%n",
          best / (double) hops, bare / (double) hops, perHop, sink);
      // the smallest Java object is 16 bytes: less than that per hop means no object per hop
      assertEquals(0.0, Math.max(0, perHop), 15.0, "Stapes bytes per hop");
    }
  }
}
