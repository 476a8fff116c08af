package dev.stapes.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import dev.stapes.audio.AudioFiles;
import dev.stapes.engine.SessionOptions;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.TestModels;
import dev.stapes.models.vad.SegmenterOptions;
import dev.stapes.models.vad.SileroVad;
import dev.stapes.models.vad.SpeechSegment;
import dev.stapes.models.vad.VadStream;
import dev.stapes.models.vad.VoiceActivityDetector;
import dev.stapes.models.wakeword.MelSource;
import dev.stapes.models.wakeword.WakeWordDetection;
import dev.stapes.models.wakeword.WakeWordModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The DJL example of docs/models.md, run: a Stapes pipeline as a DJL Predictor. */
class StapesDjlTest {

  @org.junit.jupiter.api.BeforeAll
  static void engineFirst() {
    // runs in its own JVM (see the djl-interop execution in models/pom.xml)
    assertEquals("OnnxRuntime", StapesDjl.initEngine());
  }

  @Test
  void vadPredictorGivesTheSameSegmentsAsStapesDirectly() throws Exception {
    float[] audio = AudioFiles.readMono(TestModels.resource("speech/vad_sentences_16k.wav"), 16000);
    Path silero = TestModels.model(ModelCatalog.SILERO_VAD_V5);
    try (SileroVad vad = SileroVad.open(silero, SessionOptions.defaults());
        Model model = StapesDjl.vadModel(vad, SegmenterOptions.defaults());
        Predictor<float[], List<SpeechSegment>> predictor = StapesDjl.vadPredictor(model)) {
      List<SpeechSegment> viaDjl = predictor.predict(audio);
      List<SpeechSegment> direct;
      try (VadStream s = vad.newStream(16000)) {
        direct = VoiceActivityDetector.segments(s, audio, SegmenterOptions.defaults());
      }
      assertEquals(3, viaDjl.size(), viaDjl.toString());
      assertEquals(direct, viaDjl);
    }
  }

  @Test
  void wakeWordPredictorDetectsTheCorpusClip() throws Exception {
    float[] clip = AudioFiles.readMono(TestModels.corpus("alexa_test.wav"), 16000);
    float[] audio = new float[clip.length + 48000];
    System.arraycopy(clip, 0, audio, 24000, clip.length);
    try (WakeWordModel wake =
            WakeWordModel.open(
                TestModels.model(ModelCatalog.OWW_MELSPECTROGRAM),
                TestModels.model(ModelCatalog.OWW_EMBEDDING),
                List.of("alexa", "hey_jarvis"),
                List.of(TestModels.model("oww-alexa"), TestModels.model("oww-hey_jarvis")),
                null,
                MelSource.ONNX,
                SessionOptions.defaults());
        Model model = StapesDjl.wakeWordModel(wake, 0.5f);
        Predictor<float[], List<WakeWordDetection>> predictor =
            StapesDjl.wakeWordPredictor(model)) {
      List<WakeWordDetection> d = predictor.predict(audio);
      assertEquals(1, d.size(), d.toString());
      assertEquals("alexa", d.get(0).keyword());
    }
  }
}
