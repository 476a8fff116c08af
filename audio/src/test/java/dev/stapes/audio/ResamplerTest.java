package dev.stapes.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ResamplerTest {
  static final int[] RATES = {8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000};

  /** Runs a whole signal through a fresh resampler in chunks of the given sizes (cycled). */
  static float[] run(Resampler r, float[] x, int... chunks) {
    float[] out = new float[(int) r.outputLength(x.length) + 1];
    int o = 0;
    int i = 0;
    int c = 0;
    while (i < x.length) {
      int n = Math.min(chunks[c++ % chunks.length], x.length - i);
      assertTrue(r.maxOutput(n) + o <= out.length + r.maxOutput(n));
      float[] tmp = new float[r.maxOutput(n)];
      int k = r.process(x, i, n, tmp, 0);
      assertTrue(k <= r.maxOutput(n), "k=" + k + " max=" + r.maxOutput(n));
      System.arraycopy(tmp, 0, out, o, k);
      o += k;
      i += n;
    }
    float[] tail = new float[r.maxFinishOutput()];
    int k = r.finish(tail, 0);
    System.arraycopy(tail, 0, out, o, k);
    o += k;
    return Arrays.copyOf(out, o);
  }

  static float[] noise(int n, long seed) {
    Random rnd = new Random(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (rnd.nextGaussian() * 0.2);
    }
    return x;
  }

  static float[] tone(int n, double freq, int rate, double amp) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (amp * Math.sin(2 * Math.PI * freq * i / rate));
    }
    return x;
  }

  static Stream<Arguments> ratePairs() {
    return IntStream.of(RATES)
        .boxed()
        .flatMap(a -> Stream.of(16000, 8000, 48000).map(b -> Arguments.of(a, b)));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("ratePairs")
  void outputIsTheSameBitForBitForAnyChunking(int in, int out) {
    float[] x = noise(in / 4 + 37, in);
    float[] ref = run(new Resampler(in, out), x, x.length);
    assertEquals((x.length * (long) out + in - 1) / in, ref.length, "ceil(inLen*out/in)");
    assertArrayEquals(ref, run(new Resampler(in, out), x, 1));
    assertArrayEquals(ref, run(new Resampler(in, out), x, 2, 3, 5, 7, 11, 13, 4099));
    Random rnd = new Random(7);
    int[] random = rnd.ints(64, 0, 3000).toArray();
    assertArrayEquals(ref, run(new Resampler(in, out), x, random));
    // reset starts afresh
    Resampler r = new Resampler(in, out);
    run(r, noise(999, 1), 100);
    r.reset();
    assertArrayEquals(ref, run(r, x, 997));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3, 5, 100})
  void shortInputsGiveTheExactLength(int n) {
    for (int in : RATES) {
      Resampler r = new Resampler(in, 16000);
      float[] y = run(r, noise(n, 3), 1);
      assertEquals(r.outputLength(n), y.length);
    }
  }

  @Test
  void equalRatesAreTheIdentity() {
    float[] x = noise(1001, 5);
    assertArrayEquals(x, run(new Resampler(16000, 16000), x, 7));
  }

  @Test
  void oddRatesUseTheInterpolatedTableAndStayChunkInvariant() {
    Resampler r = new Resampler(44100, 16001);
    assertTrue(r.toString().contains("interpolated"), r.toString());
    float[] x = tone(44100, 1000, 44100, 0.5);
    float[] ref = run(new Resampler(44100, 16001), x, x.length);
    assertArrayEquals(ref, run(r, x, 1, 2, 3, 501));
    // a 1 kHz tone passes: compare with the ideal output tone away from the edges
    double err = 0;
    for (int n = 2000; n < ref.length - 2000; n++) {
      err = Math.max(err, Math.abs(ref[n] - 0.5 * Math.sin(2 * Math.PI * 1000 * n / 16001.0)));
    }
    assertTrue(err < 1e-4, "err=" + err);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("extremePairs")
  void extremeRatiosKeepTheTableSmallAndStayChunkInvariant(int in, int out) {
    Resampler r = new Resampler(in, out);
    float[] x = noise(in / 10, 11);
    float[] ref = run(new Resampler(in, out), x, x.length);
    assertEquals(r.outputLength(x.length), ref.length);
    assertArrayEquals(ref, run(r, x, 977, 1, 4096, 13));
    // a tone at an eighth of the lower rate passes
    double f = Math.min(in, out) / 8.0;
    float[] y = run(new Resampler(in, out), tone(in / 5, f, in, 0.5), 5000);
    int m = (int) Math.ceil((r.lookahead() + 2.0) * out / in) + 1;
    double err = 0;
    for (int n = m; n < y.length - m; n++) {
      err = Math.max(err, Math.abs(y[n] - 0.5 * Math.sin(2 * Math.PI * f * n / out)));
    }
    assertTrue(err < 2e-5, r + " err=" + err);
  }

  static Stream<Arguments> extremePairs() {
    return Stream.of(
        Arguments.of(768000, 3001), Arguments.of(1000, 256000), Arguments.of(7999, 16000));
  }

  @Test
  void rejectsBadRates() {
    assertEquals(
        "inRate=0 Hz, expected at least 1 Hz",
        assertThrows(IllegalArgumentException.class, () -> new Resampler(0, 16000)).getMessage());
    assertEquals(
        "outRate=-5 Hz, expected at least 1 Hz",
        assertThrows(IllegalArgumentException.class, () -> new Resampler(16000, -5)).getMessage());
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> new Resampler(768000, 1000))
            .getMessage()
            .contains("ratio beyond 256"));
  }

  @Test
  void processAfterFinishNeedsAReset() {
    Resampler r = new Resampler(48000, 16000);
    r.finish(new float[r.maxFinishOutput()], 0);
    assertThrows(IllegalStateException.class, () -> r.process(new float[3], 0, 3, new float[3], 0));
    r.reset();
    r.process(new float[3], 0, 3, new float[3], 0);
  }
}
