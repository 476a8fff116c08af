package dev.stapes.models.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import dev.stapes.models.wakeword.WakeWordModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The live pipeline: the same events whatever the block size, equal to the whole-clip results. */
class LivePipelineTest {

  static SileroVad vad;
  static WakeWordModel wake;
  static float[] silero;

  @BeforeAll
  static void load() throws Exception {
    vad = SileroVad.open(TestModels.model(ModelCatalog.SILERO_VAD_V5), SessionOptions.defaults());
    wake =
        WakeWordModel.open(
            null,
            TestModels.model(ModelCatalog.OWW_EMBEDDING),
            List.of("hey_mycroft"),
            List.of(TestModels.model("oww-hey_mycroft")),
            null,
            MelSource.STAPES,
            SessionOptions.defaults());
    silero = AudioFiles.readMono(TestModels.corpus("silero_test.wav"), 16000);
  }

  @AfterAll
  static void close() {
    if (vad != null) {
      vad.close();
    }
    if (wake != null) {
      wake.close();
    }
  }

  /** Runs the pipeline over {@code audio} in blocks of {@code block}; events as strings. */
  static List<String> events(float[] audio, int block, boolean withWake) {
    List<String> out = new ArrayList<>();
    try (LivePipeline p =
        new LivePipeline(
            vad,
            withWake ? wake : null,
            SegmenterOptions.defaults(),
            0.5f,
            new ListenerEvents() {
              @Override
              public void speechStart(long startSample) {
                out.add("start " + startSample);
              }

              @Override
              public void speechEnd(long startSample, long endSample) {
                out.add("end " + startSample + " " + endSample);
              }

              @Override
              public void wakeWord(String keyword, long endSample, float score) {
                out.add(String.format(Locale.ROOT, "wake %s %d %.6f", keyword, endSample, score));
              }
            })) {
      for (int off = 0; off < audio.length; off += block) {
        p.process(audio, off, Math.min(block, audio.length - off));
      }
      p.finish();
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 160, 511, 512, 1000, 1280, 4096})
  void segmentsOfTheSileroClipDoNotDependOnTheBlockSize(int block) {
    List<SpeechSegment> whole;
    try (VadStream s = vad.newStream(16000)) {
      whole = VoiceActivityDetector.segments(s, silero, SegmenterOptions.defaults());
    }
    List<String> expected = new ArrayList<>();
    for (SpeechSegment seg : whole) {
      expected.add("start " + seg.startSample());
      expected.add("end " + seg.startSample() + " " + seg.endSample());
    }
    assertTrue(whole.size() > 5, "the clip has speech with pauses: " + whole.size());
    assertEquals(expected, events(silero, block, false));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 331, 1280, 2000})
  void wakeWordEventsDoNotDependOnTheBlockSize(int block) throws Exception {
    float[] clip = AudioFiles.readMono(TestModels.corpus("hey_mycroft_test.wav"), 16000);
    float[] audio = new float[clip.length + 48000];
    System.arraycopy(clip, 0, audio, 24000, clip.length);
    List<String> reference = events(audio, 1280, true);
    assertEquals(
        1, reference.stream().filter(e -> e.startsWith("wake")).count(), reference.toString());
    assertEquals(reference, events(audio, block, true));
  }

  @Test
  void sixteenAndEightKilohertzAgreeOnTheSileroClip() throws Exception {
    float[] at8k = AudioFiles.readMono(TestModels.corpus("silero_test.wav"), 8000);
    float[] p16;
    float[] p8;
    try (VadStream s16 = vad.newStream(16000);
        VadStream s8 = vad.newStream(8000)) {
      p16 = VoiceActivityDetector.probabilities(s16, silero);
      p8 = VoiceActivityDetector.probabilities(s8, at8k);
    }
    // both give one probability per 32 ms
    int n = Math.min(p16.length, p8.length);
    int agree = 0;
    for (int i = 0; i < n; i++) {
      if ((p16[i] >= 0.5f) == (p8[i] >= 0.5f)) {
        agree++;
      }
    }
    double rate = agree / (double) n;
    System.out.printf(
        Locale.ROOT,
        "silero_test.wav: 16 kHz and 8 kHz speech decisions agree on %.1f%% of %d chunks%n",
        100 * rate,
        n);
    assertTrue(rate > 0.9, "agreement " + rate);
  }
}
