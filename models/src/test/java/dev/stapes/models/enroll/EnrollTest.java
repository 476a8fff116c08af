package dev.stapes.models.enroll;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.audio.AudioFiles;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.inject.InvalidAdapterException;
import dev.stapes.engine.inject.Safetensors;
import dev.stapes.engine.inject.WeightTensor;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.TestModels;
import dev.stapes.models.vad.SileroVad;
import dev.stapes.models.vad.VadStream;
import dev.stapes.models.wakeword.MelSource;
import dev.stapes.models.wakeword.WakeWordModel;
import dev.stapes.models.wakeword.WakeWordSpotter;
import dev.stapes.models.wakeword.WakeWordStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Enrollment end to end on the committed espeak-ng fixtures ({@code enroll/generate.sh}) with a
 * small slice of the shared corpus as negatives, sized to run in seconds: the full-size figures
 * come from {@code bench/enroll/run-proof.sh}.
 */
class EnrollTest {

  /** Smaller than the defaults so that the test class stays within a minute on a shared core. */
  static final Enroller.Options SMALL =
      new Enroller.Options(
          8, 3, 4, 0.5, 1.0, 1234L, new LogisticHead.Options(40, 0.05, 1e-3), false);

  static Embedder embedder;
  static SileroVad vad;
  static List<Negatives.Clip> train;
  static List<Negatives.Clip> cal;
  static List<float[]> noises;
  static Enroller.Result nova;
  static WakeWordTask novaTask;

  @BeforeAll
  static void load() throws Exception {
    embedder =
        Embedder.open(TestModels.model(ModelCatalog.OWW_EMBEDDING), SessionOptions.defaults());
    vad = SileroVad.open(TestModels.model(ModelCatalog.SILERO_VAD_V5), SessionOptions.defaults());
    Negatives.Split split =
        Negatives.corpusSplit(TestModels.corpus("noise_1000ms.wav").getParent());
    List<Path> trainFiles = new ArrayList<>(split.train().subList(0, 8));
    trainFiles.addAll(split.train().subList(split.train().size() - 9, split.train().size() - 2));
    train = Negatives.load(embedder, trainFiles, null, "test");
    cal = Negatives.load(embedder, split.calibration().subList(0, 6), null, "test");
    noises = new ArrayList<>();
    for (Path p : split.train().subList(8, 11)) {
      noises.add(AudioFiles.readMono(p, 16000));
    }
    noises.add(AudioFiles.readMono(TestModels.corpus("noise_1000ms.wav"), 16000));
    List<float[]> takes = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      takes.add(take("hey_nova_take" + i + ".wav"));
    }
    nova = new Enroller(embedder).enroll(takes, train, cal, noises, SMALL);
    novaTask =
        new WakeWordTask(
            "hey_nova",
            nova.head(),
            nova.threshold(),
            ModelCatalog.OWW_EMBEDDING,
            WakeWordTask.currentBaseSha256(),
            Map.of("expected_recall", nova.report().expectedRecall()));
  }

  @AfterAll
  static void close() {
    if (embedder != null) {
      embedder.close();
    }
    if (vad != null) {
      vad.close();
    }
  }

  static float[] take(String file) throws Exception {
    try (VadStream s = vad.newStream(16000)) {
      return TakeCheck.check(AudioFiles.readMono(TestModels.resource("enroll/" + file), 16000), s)
          .audio();
    }
  }

  static float peakMargin(String file) throws Exception {
    float[] a = Augmenter.plain(take(file), 0).audio();
    return (float)
        (Enroller.peak(Enroller.logits(nova.head(), embedder.sequence(a))) - nova.threshold());
  }

  @Test
  void enrollmentCalibratesToTheTargetOnHeldOutSpeech() {
    Enroller.Report r = nova.report();
    assertTrue(r.positives() > 50, r.toString());
    assertEquals(0, r.calibrationFalseAccepts(), r.toString());
    assertTrue(r.expectedRecall() >= 0.5, r.toString());
    for (Negatives.Clip c : cal) {
      assertEquals(
          0, Enroller.falseAccepts(Enroller.logits(nova.head(), c.sequence()), nova.threshold()));
    }
  }

  @Test
  void theEnrolledWordFiresInAnotherVoiceAndTheTakesThemselves() throws Exception {
    float other = Math.max(peakMargin("hey_nova_en-gb-x-rp.wav"), peakMargin("hey_nova_en_f3.wav"));
    float own = peakMargin("hey_nova_take2.wav");
    assertTrue(
        other > 0 && own > 0,
        "margins over the threshold: other voices " + other + ", take " + own);
  }

  @Test
  void anotherPhraseInTheSameVoiceDoesNotFire() throws Exception {
    assertTrue(peakMargin("near_okay_over_en_f3.wav") < 0, "okay over");
  }

  @Test
  void detectorScoresEqualTheTrainingFeatures() throws Exception {
    // the detector's shared embedding path (WakeWordStream + EnrolledWords) sees exactly the
    // windows the head was trained on
    float[] a = Augmenter.plain(take("hey_nova_en_f3.wav"), 0).audio();
    float[] logits = Enroller.logits(nova.head(), embedder.sequence(a));
    try (WakeWordModel m =
            WakeWordModel.open(
                null,
                TestModels.model(ModelCatalog.OWW_EMBEDDING),
                List.of("hey_mycroft"),
                List.of(TestModels.model("oww-hey_mycroft")),
                new EnrolledWords(List.of(novaTask)),
                MelSource.STAPES,
                SessionOptions.defaults());
        WakeWordStream s = m.newStream()) {
      assertEquals(List.of("hey_mycroft", "hey_nova"), m.keywords());
      for (int c = 0; c < logits.length; c++) {
        s.process(a, c * WakeWordStream.CHUNK);
        float expected =
            c < Embedder.SILENT_CHUNKS
                ? 0f
                : (float) (1 / (1 + Math.exp(-(logits[c] - nova.threshold()))));
        assertEquals(expected, s.score(1), 1e-4, "chunk " + c);
      }
      s.setEnabled(1, false);
      s.process(a, 0);
      assertEquals(0f, s.score(1));
      WakeWordSpotter.Result r = WakeWordSpotter.spot(s, a, 0.5f, 1.0);
      assertEquals(0, r.detections().size(), "switched off for this stream");
      s.setEnabled(1, true);
      r = WakeWordSpotter.spot(s, a, 0.5f, 1.0);
      assertEquals(
          logits.length > 0 && Enroller.peak(logits) >= nova.threshold() ? 1 : 0,
          r.detections().size());
    }
  }

  @Test
  void taskFileRoundTrips(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("hey_nova.task");
    novaTask.write(f);
    WakeWordTask back = WakeWordTask.read(f);
    assertEquals("hey_nova", back.name());
    assertEquals(novaTask.threshold(), back.threshold(), 1e-12);
    assertArrayEquals(novaTask.head().weights(), back.head().weights());
    assertEquals(novaTask.head().bias(), back.head().bias());
    assertEquals(
        nova.report().expectedRecall(),
        ((Number) back.calibration().get("expected_recall")).doubleValue(),
        1e-5);
  }

  @Test
  void aSpeakerLockRoundTripsAndHoldsTheScoreBelowTheThresholdWhenItRejects(@TempDir Path tmp)
      throws Exception {
    WakeWordTask locked =
        new WakeWordTask(
            "hey_nova_locked",
            novaTask.head(),
            novaTask.threshold(),
            novaTask.baseId(),
            novaTask.baseSha256(),
            Map.of(),
            new LogisticHead(new float[16 * 96], -5f),
            0.0);
    Path f = tmp.resolve("locked.task");
    locked.write(f);
    WakeWordTask back = WakeWordTask.read(f);
    assertEquals(-5f, back.verifier().bias());
    assertEquals(0.0, back.verifierThreshold());
    float[] a = Augmenter.plain(take("hey_nova_take2.wav"), 0).audio();
    float[] seq = embedder.sequence(a);
    EnrolledWords both = new EnrolledWords(List.of(novaTask, back));
    float[] s = new float[2];
    float open = 0;
    float shut = 0;
    for (int c = Embedder.SILENT_CHUNKS; c < seq.length / Embedder.DIM - Embedder.WINDOW; c++) {
      both.score(seq, (c + 1) * Embedder.DIM, s, 0);
      open = Math.max(open, s[0]);
      shut = Math.max(shut, s[1]);
    }
    assertTrue(open >= 0.5f && shut < 0.5f, "unlocked " + open + ", locked " + shut);
    assertEquals(null, back.withoutSpeakerLock("x").verifier());
  }

  @Test
  void aTaskForAnotherBaseModelIsRefusedInOneLine(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("t.task");
    novaTask.write(f);
    InvalidAdapterException e =
        assertThrows(InvalidAdapterException.class, () -> WakeWordTask.read(f, "ab".repeat(32)));
    assertTrue(e.getMessage().contains("enrolled on base model oww-embedding"), e.getMessage());
    assertTrue(!e.getMessage().contains("\n"), e.getMessage());
  }

  @Test
  void corruptAndForeignFilesAreRefusedInOneLine(@TempDir Path tmp) throws Exception {
    Path good = tmp.resolve("good.task");
    novaTask.write(good);
    byte[] bytes = Files.readAllBytes(good);
    Path cut = tmp.resolve("cut.task");
    Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    Path foreign = tmp.resolve("foreign.task");
    Safetensors.write(
        foreign,
        Map.of("x.offset", WeightTensor.filled(0f, 4)),
        Map.of("format", "stapes.task-embedding"));
    Path garbage = tmp.resolve("garbage.task");
    Files.writeString(garbage, "hello, not a task");
    Path shape = tmp.resolve("shape.task");
    Safetensors.write(
        shape,
        Map.of(
            "head.weight", WeightTensor.filled(0f, 8, 96), "head.bias", WeightTensor.filled(0f, 1)),
        Safetensors.read(good).metadata());
    for (Path p : List.of(cut, foreign, garbage, shape)) {
      InvalidAdapterException e =
          assertThrows(InvalidAdapterException.class, () -> WakeWordTask.read(p), p.toString());
      assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
      assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }
    assertTrue(
        assertThrows(InvalidAdapterException.class, () -> WakeWordTask.read(foreign))
            .getMessage()
            .contains("not a wake-word task"));
  }

  @ParameterizedTest
  @CsvSource({
    "bad_clipped.wav, clipped",
    "bad_quiet.wav, too quiet",
    "bad_silence.wav, too quiet",
    "bad_long.wav, too long"
  })
  void badTakesAreRefusedWithTheReason(String file, String reason) throws Exception {
    float[] a = AudioFiles.readMono(TestModels.resource("enroll/" + file), 16000);
    try (VadStream s = vad.newStream(16000)) {
      TakeCheck.BadTakeException e =
          assertThrows(TakeCheck.BadTakeException.class, () -> TakeCheck.check(a, s));
      assertTrue(e.getMessage().startsWith(reason), e.getMessage());
    }
  }

  @Test
  void aTakeWithNoSpeechIsRefused() throws Exception {
    float[] noise = new float[24000];
    Augmenter.pink(noise, new java.util.SplittableRandom(3));
    for (int i = 0; i < noise.length; i++) {
      noise[i] *= 0.3f;
    }
    try (VadStream s = vad.newStream(16000)) {
      TakeCheck.BadTakeException e =
          assertThrows(TakeCheck.BadTakeException.class, () -> TakeCheck.check(noise, s));
      assertTrue(e.getMessage().startsWith("no speech"), e.getMessage());
    }
  }

  @Test
  void augmentationKeepsTheWordOnTheGridAndUnclipped() {
    Augmenter aug = new Augmenter(noises, 5);
    float[] word = new float[9000];
    java.util.Arrays.fill(word, 0.5f);
    for (int i = 0; i < 20; i++) {
      Augmenter.Clip c = aug.next(word);
      assertTrue(c.wordStart() >= Augmenter.LEAD_SECONDS * 16000, "lead");
      assertTrue(c.wordEnd() > c.wordStart() && c.wordEnd() <= c.audio().length, "span");
      assertTrue(Augmenter.peak(c.audio(), 0, c.audio().length) <= 0.99f + 1e-6f, "limited");
    }
  }
}
