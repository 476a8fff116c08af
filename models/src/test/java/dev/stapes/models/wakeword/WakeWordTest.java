package dev.stapes.models.wakeword;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.audio.AudioFiles;
import dev.stapes.engine.SessionOptions;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class WakeWordTest {

  static final List<String> KEYWORDS = List.of("alexa", "hey_jarvis", "hey_mycroft");
  static WakeWordModel model;
  static WakeWordModel onnxModel;

  @BeforeAll
  static void load() throws Exception {
    List<Path> cls = new ArrayList<>();
    for (String k : KEYWORDS) {
      cls.add(TestModels.model(ModelCatalog.WAKEWORD_PREFIX + k));
    }
    model =
        WakeWordModel.open(
            null,
            TestModels.model(ModelCatalog.OWW_EMBEDDING),
            KEYWORDS,
            cls,
            null,
            MelSource.STAPES,
            SessionOptions.defaults());
    onnxModel =
        WakeWordModel.open(
            TestModels.model(ModelCatalog.OWW_MELSPECTROGRAM),
            TestModels.model(ModelCatalog.OWW_EMBEDDING),
            KEYWORDS,
            cls,
            null,
            MelSource.ONNX,
            SessionOptions.defaults());
  }

  @AfterAll
  static void close() {
    if (model != null) {
      model.close();
    }
    if (onnxModel != null) {
      onnxModel.close();
    }
  }

  static float[] padded(float[] x, double seconds) {
    int pad = (int) (seconds * 16000);
    float[] out = new float[x.length + 2 * pad];
    System.arraycopy(x, 0, out, pad, x.length);
    return out;
  }

  static WakeWordSpotter.Result spot(Path wav) throws Exception {
    return spot(wav, MelSource.STAPES);
  }

  static WakeWordSpotter.Result spot(Path wav, MelSource mel) throws Exception {
    float[] audio = padded(AudioFiles.readMono(wav, 16000), 1.5);
    try (WakeWordStream s = (mel == MelSource.ONNX ? onnxModel : model).newStream()) {
      return WakeWordSpotter.spot(s, audio, 0.5f, 1.0);
    }
  }

  static Stream<Arguments> corpusClips() {
    List<Arguments> out = new ArrayList<>();
    for (MelSource mel : MelSource.values()) {
      out.add(Arguments.of("alexa_test.wav", "alexa", mel));
      out.add(Arguments.of("hey_mycroft_test.wav", "hey_mycroft", mel));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} with {2} mel")
  @MethodSource("corpusClips")
  void realCorpusClipIsDetectedOnceByItsOwnClassifierOnly(
      String file, String keyword, MelSource mel) throws Exception {
    WakeWordSpotter.Result r = spot(TestModels.corpus(file), mel);
    int k = KEYWORDS.indexOf(keyword);
    assertTrue(r.maxScores()[k] > 0.9f, "max score " + r.maxScores()[k]);
    assertEquals(1, r.detections().size(), r.detections().toString());
    assertEquals(keyword, r.detections().get(0).keyword());
    for (int j = 0; j < KEYWORDS.size(); j++) {
      if (j != k) {
        assertTrue(r.maxScores()[j] < 0.1f, KEYWORDS.get(j) + " scored " + r.maxScores()[j]);
      }
    }
  }

  static Stream<Arguments> synthesisedClips() throws Exception {
    String json = Files.readString(TestModels.resource("wakeword/clips.json"));
    List<String> files = TestModels.jsonStrings(json, "file");
    List<String> keywords = TestModels.jsonStrings(json, "keyword");
    List<String> expected = TestModels.jsonStrings(json, "expected");
    List<Arguments> out = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      out.add(Arguments.of(files.get(i), keywords.get(i), expected.get(i)));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{2} {1}: {0}")
  @MethodSource("synthesisedClips")
  void synthesisedPositivesAreDetectedAndNearMissesAreNot(
      String file, String keyword, String expected) throws Exception {
    WakeWordSpotter.Result r = spot(TestModels.resource("wakeword/" + file));
    System.out.printf(
        java.util.Locale.ROOT,
        "wakeword %-55s %-9s %s max %.4f%n",
        file,
        expected,
        keyword,
        r.maxScores()[KEYWORDS.indexOf(keyword)]);
    int k = KEYWORDS.indexOf(keyword);
    long hits = r.detections().stream().filter(d -> d.keyword().equals(keyword)).count();
    if (expected.equals("positive")) {
      assertEquals(1, hits, "max " + r.maxScores()[k] + " " + r.detections());
    } else {
      assertEquals(0, hits, "max " + r.maxScores()[k] + " " + r.detections());
    }
    // no other keyword fires on any clip
    for (var d : r.detections()) {
      assertEquals(keyword, d.keyword(), "false detection " + d);
    }
  }

  @org.junit.jupiter.api.Test
  void aModelOfTheWrongShapeIsRefusedNamingTheExpectedShape() {
    // the mel model where a classifier belongs: input [batch, samples], not [1, W, 96]
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class,
            () ->
                WakeWordModel.open(
                    null,
                    TestModels.model(ModelCatalog.OWW_EMBEDDING),
                    List.of("bogus"),
                    List.of(TestModels.model(ModelCatalog.OWW_MELSPECTROGRAM)),
                    null,
                    MelSource.STAPES,
                    SessionOptions.defaults()));
    assertTrue(e.getMessage().contains("expected [1, W, 96]"), e.getMessage());
    // a classifier where the embedding model belongs
    e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class,
            () ->
                WakeWordModel.open(
                    null,
                    TestModels.model("oww-alexa"),
                    List.of("alexa"),
                    List.of(TestModels.model("oww-alexa")),
                    null,
                    MelSource.STAPES,
                    SessionOptions.defaults()));
    assertTrue(e.getMessage().contains("not openWakeWord's embedding model"), e.getMessage());
  }
}
