package dev.stapes.audio;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The per-frame path allocates nothing in steady state (the JMH benchmark's -prof gc shows the
 * same); measured with the JDK's per-thread allocation counter.
 */
class AllocationTest {

  static List<FeatureConfig> configs() {
    List<FeatureConfig> out = new ArrayList<>();
    for (String p : FeatureConfig.presetNames()) {
      out.add(FeatureConfig.preset(p));
    }
    out.add(FeatureConfig.presetBuilder("htk-mel").precision(Precision.FLOAT64).build());
    out.add(FeatureConfig.presetBuilder("mfcc").precision(Precision.FLOAT64).build());
    return out;
  }

  static long allocated() {
    java.lang.management.ThreadMXBean b = ManagementFactory.getThreadMXBean();
    assumeTrue(b instanceof com.sun.management.ThreadMXBean, "no allocation counter");
    return ((com.sun.management.ThreadMXBean) b)
        .getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  static float[] noise(int n) {
    Random r = new Random(1);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) r.nextGaussian() * 0.1f;
    }
    return x;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void streamingFeaturesAllocateNothingPerFrame(FeatureConfig c) {
    OnlineFeature f = new OnlineFeature(c);
    float[] chunk = noise(160 * 4 + 3);
    float[] row = new float[f.numBins()];
    for (int i = 0; i < 2000; i++) {
      feed(f, chunk, row);
    }
    long before = allocated();
    long framesBefore = f.numFramesReady();
    for (int i = 0; i < 2000; i++) {
      feed(f, chunk, row);
    }
    long bytes = allocated() - before;
    long frames = f.numFramesReady() - framesBefore;
    assertTrue(frames > 7000, "frames " + frames);
    assertTrue(
        bytes < 1024, c.name() + ": " + bytes + " bytes allocated over " + frames + " frames");
  }

  private static void feed(OnlineFeature f, float[] chunk, float[] row) {
    f.acceptWaveform(chunk, 0, chunk.length);
    for (long i = f.firstFrameAvailable(); i < f.numFramesReady(); i++) {
      f.getFrame(i, row);
    }
    f.pop(f.numFramesReady() - f.firstFrameAvailable());
  }

  @Test
  void streamingStftAndIstftAllocateNothingPerFrame() {
    StftConfig c =
        StftConfig.builder().nFft(512).hop(256).window(Window.SQRT_HANN_PERIODIC).build();
    StreamingStft s = new StreamingStft(c);
    StreamingIstft is = new StreamingIstft(c);
    float[] chunk = noise(256);
    float[] frame = new float[s.frameLength()];
    float[] out = new float[256];
    Runnable step =
        () -> {
          s.acceptWaveform(chunk, 0, chunk.length);
          for (long i = s.firstFrameAvailable(); i < s.numFramesReady(); i++) {
            s.getFrame(i, frame);
            is.push(frame, out);
          }
          s.pop(s.numFramesReady() - s.firstFrameAvailable());
        };
    for (int i = 0; i < 3000; i++) {
      step.run();
    }
    long before = allocated();
    for (int i = 0; i < 3000; i++) {
      step.run();
    }
    long bytes = allocated() - before;
    assertTrue(bytes < 1024, bytes + " bytes allocated over 3000 frames");
  }
}
