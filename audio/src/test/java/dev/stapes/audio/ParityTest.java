package dev.stapes.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parity of every preset with torchaudio 0.13 on the project's own audio and on real recordings.
 * Fixtures and tolerances come from audio/src/test/python/make_fixtures.py (index.tsv).
 */
class ParityTest {

  record Case(String id, String input, int samples, String preset, String overrides, double tol) {
    @Override
    public String toString() {
      return id;
    }
  }

  static List<Case> cases() {
    String tsv = new String(TestData.resource("fixtures/index.tsv"), StandardCharsets.UTF_8);
    List<Case> out = new ArrayList<>();
    for (String line : tsv.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\t");
      out.add(new Case(f[0], f[1], Integer.parseInt(f[2]), f[3], f[4], Double.parseDouble(f[5])));
    }
    return out;
  }

  static FeatureConfig config(Case c) {
    FeatureConfig.Builder b = FeatureConfig.presetBuilder(c.preset());
    if (!c.overrides().equals("-")) {
      for (String kv : c.overrides().split(";")) {
        String[] p = kv.split("=", 2);
        b.set(p[0], p[1]);
      }
    }
    return b.build();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void presetMatchesTorchaudioWithinTheSidecarTolerance(Case c) {
    float[] x = TestData.input(c.input(), c.samples());
    TestData.Npy ref = TestData.npy(TestData.resource("fixtures/" + c.id() + ".npy"));
    FeatureMatrix got = FeatureExtractor.computeFlat(x, config(c));
    assertArrayEquals(
        ref.shape(), new int[] {got.frames(), got.bins()}, c.id() + ": shape [frames, bins]");
    double max = 0;
    int at = -1;
    for (int i = 0; i < ref.data().length; i++) {
      double e = Math.abs(ref.data()[i] - got.data()[i]);
      if (e > max) {
        max = e;
        at = i;
      }
    }
    System.out.printf(
        "parity %-40s max abs error %.3g (tolerance %.0e) at frame %d bin %d%n",
        c.id(), max, c.tol(), at < 0 ? -1 : at / got.bins(), at < 0 ? -1 : at % got.bins());
    assertTrue(max <= c.tol(), c.id() + ": max abs error " + max + " > " + c.tol());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void float64PrecisionMatchesTheFloat64ReferenceWithinAFiftiethOfTheTolerance(Case c) {
    float[] x = TestData.input(c.input(), c.samples());
    TestData.Npy ref = TestData.npy(TestData.resource("fixtures/" + c.id() + ".npy"));
    FeatureMatrix got =
        FeatureExtractor.computeFlat(x, config(c).toBuilder().precision(Precision.FLOAT64).build());
    double max = 0;
    for (int i = 0; i < ref.data().length; i++) {
      max = Math.max(max, Math.abs(ref.data()[i] - got.data()[i]));
    }
    System.out.printf("parity float64 %-32s max abs error %.3g%n", c.id(), max);
    assertTrue(max <= c.tol() / 50, c.id() + ": max abs error " + max);
  }

  @Test
  void stftAndIstftMatchTorchForGtcrnSettings() {
    float[] x = TestData.input("audio/noise_16k.wav", 4000);
    StftConfig c =
        StftConfig.builder().nFft(512).hop(256).window(Window.SQRT_HANN_PERIODIC).build();
    TestData.Npy ref = TestData.npy(TestData.resource("fixtures/noise_stft_gtcrn.npy"));
    float[][] spec = Stft.forward(x, c);
    assertArrayEquals(ref.shape(), new int[] {spec.length, c.bins(), 2});
    double max = 0;
    for (int f = 0; f < spec.length; f++) {
      for (int k = 0; k < 2 * c.bins(); k++) {
        max = Math.max(max, Math.abs(spec[f][k] - ref.data()[f * 2 * c.bins() + k]));
      }
    }
    assertTrue(max < 1e-4, "stft max abs error " + max);
    float[] y = Stft.inverse(spec, c, x.length);
    TestData.Npy refY = TestData.npy(TestData.resource("fixtures/noise_istft_gtcrn.npy"));
    double maxY = 0;
    for (int i = 0; i < y.length; i++) {
      maxY = Math.max(maxY, Math.abs(y[i] - refY.data()[i]));
    }
    System.out.printf("parity stft gtcrn max abs error %.3g, istft %.3g%n", max, maxY);
    assertTrue(maxY < 1e-5, "istft max abs error " + maxY);
  }
}
