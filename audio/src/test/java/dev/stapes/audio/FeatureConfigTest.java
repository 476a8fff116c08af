package dev.stapes.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FeatureConfigTest {

  static Stream<Arguments> badParameters() {
    Supplier<FeatureConfig.Builder> htk = () -> FeatureConfig.presetBuilder("htk-mel");
    return Stream.of(
        Arguments.of((Supplier<?>) () -> htk.get().nFft(256).build(), "win=400 samples > nFft=256"),
        Arguments.of((Supplier<?>) () -> htk.get().hop(0).build(), "hop=0"),
        Arguments.of((Supplier<?>) () -> htk.get().fmax(9000).build(), "fmax=9000.0 Hz"),
        Arguments.of((Supplier<?>) () -> htk.get().fmin(-1).build(), "fmin=-1.0 Hz"),
        Arguments.of((Supplier<?>) () -> htk.get().fmin(8000).build(), "fmin=8000.0 Hz"),
        Arguments.of((Supplier<?>) () -> htk.get().nMels(0).build(), "nMels=0"),
        Arguments.of((Supplier<?>) () -> htk.get().nFft(401).win(401).build(), "nFft=401"),
        Arguments.of((Supplier<?>) () -> htk.get().sampleRate(0).build(), "sampleRate=0 Hz"),
        Arguments.of((Supplier<?>) () -> htk.get().nMfcc(41).build(), "nMfcc=41"),
        Arguments.of((Supplier<?>) () -> htk.get().power(0).build(), "power=0.0"),
        Arguments.of((Supplier<?>) () -> htk.get().set("nmels", "3"), "unknown feature parameter"),
        Arguments.of((Supplier<?>) () -> htk.get().set("n_mels", "x"), "n-mels='x'"),
        Arguments.of((Supplier<?>) () -> htk.get().set("window", "kaiser"), "window='kaiser'"),
        Arguments.of((Supplier<?>) () -> FeatureConfig.preset("nope"), "preset='nope'"),
        Arguments.of(
            (Supplier<?>) () -> htk.get().nFft(1_000_000_000).build(),
            "nFft=1000000000 samples, expected at most 65536"),
        Arguments.of(
            (Supplier<?>) () -> htk.get().nFft(0).win(Integer.MAX_VALUE).build(),
            "win=2147483647 samples, expected at most 65536"),
        Arguments.of(
            (Supplier<?>) () -> htk.get().hop(1_000_000_000).build(),
            "hop=1000000000 samples, expected 1..65536"),
        Arguments.of(
            (Supplier<?>) () -> htk.get().nMels(100_000_000).build(),
            "nMels=100000000, expected 1..1024"),
        Arguments.of((Supplier<?>) () -> htk.get().fmax(Double.NaN).build(), "fmax=NaN Hz"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("badParameters")
  void badParametersGiveAClearIllegalArgumentException(Supplier<?> make, String expected) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, make::get);
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void unknownPresetListsTheValidNames() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> FeatureConfig.preset("fbank"));
    for (String n : new String[] {"kaldi-fbank", "whisper", "htk-mel", "mfcc"}) {
      assertTrue(e.getMessage().contains(n), e.getMessage());
    }
  }

  @Test
  void toStringPrintsEveryField() {
    String s = FeatureConfig.preset("kaldi-fbank").toString();
    for (String f :
        new String[] {
          "name=kaldi-fbank",
          "nFft=512 (auto)",
          "win=400",
          "hop=160",
          "window=POVEY",
          "snipEdges=true",
          "preemphasis=0.97",
          "inputScale=32768.0",
          "nMels=80",
          "fmin=20.0",
          "fmax=8000.0",
          "melScale=KALDI",
          "log=LN",
          "precision=FLOAT64",
          "topDb=0.0",
          "nMfcc=0"
        }) {
      assertTrue(s.contains(f), f + " in " + s);
    }
  }

  @Test
  void overridesByNameAcceptCommandLineSpellings() {
    FeatureConfig c =
        FeatureConfig.presetBuilder("kaldi-fbank")
            .set("--n-mels", "40")
            .set("snip_edges", "false")
            .set("win", "200")
            .build();
    assertEquals(40, c.nMels());
    assertEquals(false, c.snipEdges());
    assertEquals(256, c.nFft());
    assertEquals(c, c.toBuilder().build());
  }

  @Test
  void frameCountsFollowTheDocumentedFormulas() {
    assertEquals(1 + (16000 - 400) / 160, FeatureConfig.preset("kaldi-fbank").numFrames(16000));
    assertEquals(
        (16000 + 80) / 160,
        FeatureConfig.presetBuilder("kaldi-fbank").snipEdges(false).build().numFrames(16000));
    assertEquals(16000 / 160, FeatureConfig.preset("whisper").numFrames(16000));
    assertEquals(1 + 16000 / 160, FeatureConfig.preset("htk-mel").numFrames(16000));
    assertEquals(0, FeatureConfig.preset("mfcc").numFrames(0));
  }

  @Test
  void toBuilderKeepsAnAutomaticFmaxAutomatic() {
    FeatureConfig kaldi = FeatureConfig.preset("kaldi-fbank"); // fmax 0: Nyquist
    FeatureConfig at8k = kaldi.toBuilder().sampleRate(8000).build();
    assertEquals(4000.0, at8k.fmax(), 0.0);
    assertEquals(8000.0, kaldi.fmax(), 0.0);
    FeatureConfig relative = kaldi.toBuilder().fmax(-400).build(); // Kaldi: Nyquist - 400 Hz
    assertEquals(3600.0, relative.toBuilder().sampleRate(8000).build().fmax(), 0.0);
    // an absolute fmax stays absolute
    assertEquals(8000.0, FeatureConfig.preset("whisper").toBuilder().build().fmax(), 0.0);
  }

  @Test
  void everyKeyIsAcceptedBySet() {
    FeatureConfig base = FeatureConfig.preset("kaldi-fbank");
    for (String key : FeatureConfig.Builder.KEYS) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> base.toBuilder().set(key, "x"));
      assertTrue(!e.getMessage().startsWith("unknown feature parameter"), key + ": " + e);
    }
  }
}
