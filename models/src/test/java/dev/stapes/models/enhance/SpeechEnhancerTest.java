package dev.stapes.models.enhance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpeechEnhancerTest {

  private static GtcrnModel model;
  private static float[] clip;
  private static float[] whole;

  @BeforeAll
  static void load() throws Exception {
    model = GtcrnModel.open(TestData.modelFile(), GtcrnModel.defaultOptions());
    // 1.3 s of the authors' clip keeps the chunk-size sweep quick
    float[] mix = TestData.readPcm16Mono(TestData.gtcrnDir().resolve("mix.wav"));
    clip = Arrays.copyOfRange(mix, 16_000, 16_000 + 20_811);
    whole = run(clip, clip.length);
  }

  @AfterAll
  static void close() {
    if (model != null) {
      model.close();
    }
  }

  static float[] run(float[] x, int chunk) {
    return enhance(model, x, chunk);
  }

  static float[] enhance(GtcrnModel m, float[] x, int chunk) {
    try (SpeechEnhancer e = m.newEnhancer()) {
      return run(e, x, chunk);
    }
  }

  static float[] run(SpeechEnhancer e, float[] x, int chunk) {
    float[] out = new float[x.length];
    float[] buf = new float[chunk + GtcrnDescriptor.HOP];
    int n = 0;
    for (int off = 0; off < x.length; off += chunk) {
      int len = Math.min(chunk, x.length - off);
      int expected = e.outputSize(len);
      int got = e.process(x, off, len, buf, 0);
      assertEquals(expected, got, "outputSize at offset " + off);
      System.arraycopy(buf, 0, out, n, got);
      n += got;
    }
    int rest = e.finishSize();
    n += e.finish(out, n);
    assertEquals(x.length, n, "output length");
    assertEquals(x.length - rest, n - rest);
    return out;
  }

  /** 1 sample, a prime, 7 ms, a hop minus and plus one, 16 ms, 100 ms, and powers of two. */
  @ParameterizedTest(name = "chunk {0} samples")
  @ValueSource(ints = {1, 13, 112, 255, 256, 257, 1024, 1600, 4099})
  void streamingOutputDoesNotDependOnTheChunkSize(int chunk) {
    assertArrayEquals(whole, run(clip, chunk));
  }

  @ParameterizedTest(name = "{0} samples")
  @ValueSource(ints = {0, 1, 2, 100, 256, 257, 258, 511, 512, 513, 769})
  void shortStreamsComeOutWithTheirOwnLength(int length) {
    float[] x = new float[length];
    Random r = new Random(length);
    for (int i = 0; i < length; i++) {
      x[i] = 0.1f * (float) r.nextGaussian();
    }
    float[] y = run(x, 7);
    assertEquals(length, y.length);
    for (float v : y) {
      assertTrue(Float.isFinite(v));
    }
  }

  @Test
  void resetStartsAnIdenticalStream() {
    try (SpeechEnhancer e = model.newEnhancer()) {
      float[] a = run(e, clip, 333);
      e.reset();
      float[] b = run(e, clip, 4096);
      assertArrayEquals(a, b);
    }
  }

  @Test
  void outputLagsInputByOneHopInHopSizedBlocks() {
    try (SpeechEnhancer e = model.newEnhancer()) {
      float[] out = new float[2 * GtcrnDescriptor.HOP];
      assertEquals(0, e.process(clip, 0, GtcrnDescriptor.HOP, out, 0));
      for (int b = 1; b < 10; b++) {
        assertEquals(
            GtcrnDescriptor.HOP,
            e.process(clip, b * GtcrnDescriptor.HOP, GtcrnDescriptor.HOP, out, 0));
      }
      assertEquals(9 * GtcrnDescriptor.HOP, e.samplesOut());
      assertEquals(512, e.latencySamples());
    }
  }

  @Test
  void misuseIsRefusedWithTheNumbers() {
    try (SpeechEnhancer e = model.newEnhancer()) {
      float[] out = new float[10];
      IllegalArgumentException ex =
          assertThrows(IllegalArgumentException.class, () -> e.process(clip, 0, 1024, out, 0));
      assertTrue(ex.getMessage().contains("capacity=10"), ex.getMessage());
      assertThrows(IllegalArgumentException.class, () -> e.process(clip, -1, 5, out, 0));
      e.finish(new float[e.finishSize()], 0);
      assertThrows(IllegalStateException.class, () -> e.process(clip, 0, 1, out, 0));
      e.close();
      e.close();
      assertThrows(IllegalStateException.class, e::reset);
    }
  }
}
