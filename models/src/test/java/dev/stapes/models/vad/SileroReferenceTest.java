package dev.stapes.models.vad;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.audio.AudioFiles;
import dev.stapes.engine.Npy;
import dev.stapes.engine.SessionOptions;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.TestModels;
import dev.stapes.store.ModelStore;
import java.nio.file.Files;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stapes' streaming Silero VAD against an independent reference: the model's graph evaluated by a
 * numpy interpreter and streamed by {@code models/src/test/python/silero_reference.py} (context,
 * state and {@code sr} handled there on their own), over the real 60 s clip {@code
 * silero_test.wav}. Every chunk's probability agrees to 1e-5.
 */
class SileroReferenceTest {

  @ParameterizedTest
  @ValueSource(ints = {16000, 8000})
  void probabilitiesMatchTheNumpyReferenceOnTheSileroClip(int rate) throws Exception {
    String json = Files.readString(TestModels.resource("speech/silero_probs.json"));
    String sha = TestModels.jsonStrings(json, "model_sha256").get(0);
    java.nio.file.Path model = TestModels.model(ModelCatalog.SILERO_VAD_V5);
    assertEquals(sha, ModelStore.sha256(model), "fixture made from the pinned model");
    float[] expected =
        Npy.read(TestModels.resource("speech/silero_probs_" + rate / 1000 + "k.npy"))
            .toFloatArray();
    float[] clip = AudioFiles.readMono(TestModels.corpus("silero_test.wav"), 16000);
    float[] audio = clip;
    if (rate == 8000) { // every second sample, as the reference script does
      audio = new float[(clip.length + 1) / 2];
      for (int i = 0; i < audio.length; i++) {
        audio[i] = clip[2 * i];
      }
    }
    float[] actual;
    try (SileroVad vad = SileroVad.open(model, SessionOptions.defaults());
        VadStream s = vad.newStream(rate)) {
      actual = VoiceActivityDetector.probabilities(s, audio);
    }
    assertEquals(expected.length, actual.length);
    double max = 0;
    int worst = 0;
    for (int i = 0; i < actual.length; i++) {
      double d = Math.abs(actual[i] - expected[i]);
      if (d > max) {
        max = d;
        worst = i;
      }
    }
    System.out.printf(
        Locale.ROOT,
        "Silero %d Hz vs numpy reference: %d chunks, max |diff| %.2e at chunk %d%n",
        rate,
        actual.length,
        max,
        worst);
    assertTrue(max < 1e-5, "max |diff| " + max + " at chunk " + worst);
  }
}
