package dev.stapes.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.stapes.audio.AudioFiles;
import dev.stapes.audio.FeatureConfig;
import dev.stapes.audio.FeatureExtractor;
import dev.stapes.engine.SessionOptions;
import dev.stapes.models.vad.SegmenterOptions;
import dev.stapes.models.vad.SileroVad;
import dev.stapes.models.vad.SpeechSegment;
import dev.stapes.models.vad.VadStream;
import dev.stapes.models.vad.VoiceActivityDetector;
import dev.stapes.store.ModelStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The example in the README, compiled and run as written there (between the marked lines). */
class ReadmeExampleTest {

  @Test
  void theReadmeExampleFindsSpeechAndComputesWhisperFeatures() throws Exception {
    TestModels.model("silero-vad-v5"); // skipped (failed under CI) when the model can't be fetched
    Path wav = TestModels.corpus("jfk_16k.wav");
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      // --- README example begins
      ModelStore store = ModelStore.fromEnvironment(); // ~/.cache/stapes; fetched on first use
      float[] audio = AudioFiles.readMono(wav, 16000); // mono float32 in [-1, 1], at 16 kHz
      try (SileroVad vad =
              SileroVad.open(store.path(ModelCatalog.SILERO_VAD_V5), SessionOptions.defaults());
          VadStream stream = vad.newStream(16000)) {
        for (SpeechSegment s :
            VoiceActivityDetector.segments(stream, audio, SegmenterOptions.defaults())) {
          System.out.printf("speech %.2f - %.2f s%n", s.start(), s.end());
        }
      }
      float[][] logMel =
          FeatureExtractor.compute(audio, FeatureConfig.preset("whisper")); // [frames][80]
      // --- README example ends
      assertEquals(11 * 16000 / 160, logMel.length, "whisper frames of 11 s");
      assertEquals(80, logMel[0].length);
    } finally {
      System.setOut(stdout);
    }
    String out = printed.toString(StandardCharsets.UTF_8);
    assertFalse(out.isBlank(), "the example printed no speech segment");
  }
}
