package dev.stapes.models.wakeword;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.audio.AudioFiles;
import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.TestModels;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stapes' {@code oww-mel} frontend reproduces openWakeWord's {@code melspectrogram.onnx} on real
 * speech: frame by frame, streamed in 80 ms chunks, the largest difference is a small fraction of a
 * dB (float32 FFT and filterbank against the model's conv-STFT).
 */
class OwwMelAgreementTest {

  /** Largest |Stapes - ONNX| allowed, in dB (the model's units, 10 log10 of power). */
  static final float TOLERANCE_DB = 1e-3f;

  @ParameterizedTest
  @ValueSource(
      strings = {"jfk_16k.wav", "alexa_test.wav", "hey_mycroft_test.wav", "silero_test.wav"})
  void stapesMelMatchesTheOnnxMelOnRealSpeech(String file) throws Exception {
    float[] audio = AudioFiles.readMono(TestModels.corpus(file), 16000);
    int bins = MelFrontend.BINS;
    float[] a = new float[8 * bins];
    float[] b = new float[8 * bins];
    double maxDiff = 0;
    double sumDiff = 0;
    long values = 0;
    double loudest = Double.NEGATIVE_INFINITY;
    try (Session mel =
            Session.open(
                TestModels.model(ModelCatalog.OWW_MELSPECTROGRAM), SessionOptions.defaults());
        MelFrontend onnx = new OnnxMelFrontend(mel);
        MelFrontend stapes = new StapesMelFrontend()) {
      for (int off = 0; off + 1280 <= audio.length; off += 1280) {
        int n1 = onnx.process(audio, off, a);
        int n2 = stapes.process(audio, off, b);
        assertEquals(n1, n2, "frames at offset " + off);
        // the first call of the ONNX path sees 480 zero samples of context: its max (and so its
        // 80 dB floor) may differ; compare from the second chunk on
        if (off == 0) {
          continue;
        }
        for (int i = 0; i < n1 * bins; i++) {
          double d = Math.abs(a[i] - b[i]);
          maxDiff = Math.max(maxDiff, d);
          sumDiff += d;
          values++;
          loudest = Math.max(loudest, a[i]);
        }
      }
    }
    System.out.printf(
        Locale.ROOT,
        "oww-mel vs melspectrogram.onnx on %s: max |diff| %.5f dB, mean %.6f dB over %d values"
            + " (loudest %.1f dB)%n",
        file,
        maxDiff,
        sumDiff / values,
        values,
        loudest);
    assertTrue(maxDiff < TOLERANCE_DB, "max |diff| " + maxDiff + " dB");
  }
}
