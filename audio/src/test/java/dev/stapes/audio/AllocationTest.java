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

  /**
   * Bytes allocated by 5000 steps minus bytes allocated by 1000 steps (best of five each): the
   * counter's own fixed overhead cancels; what remains is what 4000 steps allocate.
   */
  static long extraBytes(Runnable step) {
    for (int i = 0; i < 3000; i++) {
      step.run();
    }
    allocated();
    long[] best = {Long.MAX_VALUE, Long.MAX_VALUE};
    int[] steps = {1000, 5000};
    for (int round = 0; round < 5; round++) {
      for (int j = 0; j < 2; j++) {
        long before = allocated();
        for (int i = 0; i < steps[j]; i++) {
          step.run();
        }
        best[j] = Math.min(best[j], allocated() - before);
      }
    }
    return best[1] - best[0];
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
    long extra =
        extraBytes(
            () -> {
              f.acceptWaveform(chunk, 0, chunk.length);
              for (long i = f.firstFrameAvailable(); i < f.numFramesReady(); i++) {
                f.getFrame(i, row);
              }
              f.pop(f.numFramesReady() - f.firstFrameAvailable());
            });
    assertTrue(
        extra < 256,
        c.name() + ": " + extra + " bytes for 4000 more chunks of ~4 frames, expected 0");
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
    long extra =
        extraBytes(
            () -> {
              s.acceptWaveform(chunk, 0, chunk.length);
              for (long i = s.firstFrameAvailable(); i < s.numFramesReady(); i++) {
                s.getFrame(i, frame);
                is.push(frame, out);
              }
              s.pop(s.numFramesReady() - s.firstFrameAvailable());
            });
    assertTrue(extra < 256, extra + " bytes for 4000 more frames, expected 0");
  }

  @ParameterizedTest(name = "n={0}")
  @org.junit.jupiter.params.provider.ValueSource(ints = {256, 400, 512, 1024})
  void realFftPowerAndTheRadix4TransformAllocateNothing(int n) {
    float[] x = noise(n);
    float[] spec = new float[n + 2];
    float[] y = new float[n];
    double[] x64 = new double[n];
    double[] power64 = new double[n / 2 + 1];
    RealFft fft = new RealFft(n);
    RealFft64 fft64 = new RealFft64(n);
    long extra =
        extraBytes(
            () -> {
              fft.power(x, 0, y, 0);
              fft64.power(x64, 0, power64, 0);
            });
    assertTrue(extra < 256, "RealFft n=" + n + ": " + extra + " bytes for 4000 more, expected 0");
    if (dev.stapes.audio.internal.Pow2RealFft.supports(n)) {
      dev.stapes.audio.internal.Pow2RealFft r4 = new dev.stapes.audio.internal.Pow2RealFft(n);
      long extra4 =
          extraBytes(
              () -> {
                r4.forward(x, 0, spec, 0);
                r4.power(x, 0, y, 0);
                r4.inverse(spec, 0, y, 0);
              });
      assertTrue(extra4 < 256, "Pow2RealFft n=" + n + ": " + extra4 + " bytes, expected 0");
    }
  }
}
