package dev.stapes.models.vad;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.audio.AudioFiles;
import dev.stapes.engine.SessionOptions;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.TestModels;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SileroVadTest {

  static SileroVad vad;

  @BeforeAll
  static void load() throws Exception {
    vad = SileroVad.open(TestModels.model(ModelCatalog.SILERO_VAD_V5), SessionOptions.defaults());
  }

  @AfterAll
  static void close() {
    if (vad != null) {
      vad.close();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {16000, 8000})
  void findsTheSynthesisedSentencesWithinATenthOfASecond(int rate) throws Exception {
    String json = Files.readString(TestModels.resource("speech/vad_sentences.json"));
    List<Long> starts = TestModels.jsonLongs(json, "start_sample");
    List<Long> ends = TestModels.jsonLongs(json, "end_sample");
    int fileRate = (int) (long) TestModels.jsonLongs(json, "sample_rate").get(0);
    String file = rate == 16000 ? "speech/vad_sentences_16k.wav" : "speech/vad_sentences_8k.wav";
    float[] audio = AudioFiles.readMono(TestModels.resource(file), rate);
    List<SpeechSegment> segs;
    try (VadStream s = vad.newStream(rate)) {
      segs = VoiceActivityDetector.segments(s, audio, SegmenterOptions.defaults());
    }
    assertEquals(starts.size(), segs.size(), "segments: " + segs);
    for (int i = 0; i < segs.size(); i++) {
      double ts = starts.get(i) / (double) fileRate;
      double te = ends.get(i) / (double) fileRate;
      assertTrue(
          Math.abs(segs.get(i).start() - ts) <= 0.1 && Math.abs(segs.get(i).end() - te) <= 0.1,
          "segment " + i + " " + segs.get(i) + " vs truth [" + ts + ", " + te + "]");
    }
  }

  @Test
  void silenceHasNoSpeech() {
    float[] zeros = new float[16000 * 2];
    try (VadStream s = vad.newStream(16000)) {
      assertEquals(
          List.of(), VoiceActivityDetector.segments(s, zeros, SegmenterOptions.defaults()));
      for (float p : VoiceActivityDetector.probabilities(s, zeros)) {
        assertTrue(p < 0.1f, "p=" + p);
      }
    }
  }

  @Test
  void streamsEqualTheirOwnRerunAfterReset() throws Exception {
    float[] audio = AudioFiles.readMono(TestModels.corpus("silero_test.wav"), 16000);
    try (VadStream s = vad.newStream(16000)) {
      float[] a = VoiceActivityDetector.probabilities(s, audio);
      float[] b = VoiceActivityDetector.probabilities(s, audio);
      assertEquals(a.length, b.length);
      for (int i = 0; i < a.length; i++) {
        assertEquals(a[i], b[i], 0f, "chunk " + i);
      }
    }
  }

  @Test
  void wrongRateIsRefusedWithTheValidSet() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> vad.newStream(44100));
    assertTrue(e.getMessage().contains("sampleRate=44100 Hz"), e.getMessage());
    assertTrue(e.getMessage().contains("8000 or 16000"), e.getMessage());
  }
}
