package dev.stapes.models.enhance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * SNR before and after enhancement on speech that the project mixes itself: espeak-ng speech
 * (committed, see models/src/test/python/make_clean_speech.py) plus seeded coloured noise at
 * several SNRs. Prints a table for docs/enhance.md.
 */
class NoisySpeechSnrTest {

  enum Noise {
    WHITE,
    PINK,
    BROWN
  }

  static final int[] SNRS_DB = {-5, 0, 5, 10};

  static float[] noise(Noise kind, int n, long seed) {
    Random r = new Random(seed);
    float[] out = new float[n];
    double b0 = 0;
    double b1 = 0;
    double b2 = 0;
    double brown = 0;
    for (int i = 0; i < n; i++) {
      double w = r.nextGaussian();
      switch (kind) {
        case WHITE -> out[i] = (float) w;
        case PINK -> {
          // three first-order sections whose sum falls at about 3 dB per octave (Kellet)
          b0 = 0.99765 * b0 + w * 0.0990460;
          b1 = 0.96300 * b1 + w * 0.2965164;
          b2 = 0.57000 * b2 + w * 1.0526913;
          out[i] = (float) (b0 + b1 + b2 + w * 0.1848);
        }
        case BROWN -> {
          // leaky integrator: 6 dB per octave above about 13 Hz
          brown = 0.995 * brown + w;
          out[i] = (float) brown;
        }
        default -> throw new IllegalArgumentException(kind.toString());
      }
    }
    return out;
  }

  static double energy(float[] x) {
    double e = 0;
    for (float v : x) {
      e += (double) v * v;
    }
    return e;
  }

  static double snrDb(float[] clean, float[] y) {
    double err = 0;
    for (int i = 0; i < clean.length; i++) {
      double d = y[i] - clean[i];
      err += d * d;
    }
    return 10 * Math.log10(energy(clean) / err);
  }

  /** Scale-invariant SNR: the error after projecting y onto the clean signal. */
  static double siSnrDb(float[] clean, float[] y) {
    double dot = 0;
    for (int i = 0; i < clean.length; i++) {
      dot += (double) clean[i] * y[i];
    }
    double a = dot / energy(clean);
    double target = 0;
    double err = 0;
    for (int i = 0; i < clean.length; i++) {
      double s = a * clean[i];
      double d = y[i] - s;
      target += s * s;
      err += d * d;
    }
    return 10 * Math.log10(target / err);
  }

  static float[] cleanSpeech() throws Exception {
    try (InputStream in = NoisySpeechSnrTest.class.getResourceAsStream("clean_speech_16k.wav")) {
      Path tmp = Files.createTempFile("clean", ".wav");
      try {
        Files.write(tmp, in.readAllBytes());
        return TestData.readPcm16Mono(tmp);
      } finally {
        Files.deleteIfExists(tmp);
      }
    }
  }

  @Test
  void enhancementRaisesTheSnrOfSpeechInColouredNoise() throws Exception {
    float[] clean = cleanSpeech();
    List<String> rows = new ArrayList<>();
    rows.add(
        "| noise | SNR in (dB) | SNR out (dB) | gain (dB) | SI-SNR in (dB) | SI-SNR out (dB) |");
    rows.add("|---|---:|---:|---:|---:|---:|");
    List<String> failures = new ArrayList<>();
    try (GtcrnModel model = GtcrnModel.open(TestData.modelFile(), GtcrnModel.defaultOptions())) {
      for (Noise kind : Noise.values()) {
        float[] nz = noise(kind, clean.length, 1000 + kind.ordinal());
        double pn = energy(nz);
        double ps = energy(clean);
        for (int snr : SNRS_DB) {
          double g = Math.sqrt(ps / (pn * Math.pow(10, snr / 10.0)));
          float[] mix = new float[clean.length];
          for (int i = 0; i < mix.length; i++) {
            mix[i] = (float) (clean[i] + g * nz[i]);
          }
          float[] y = SpeechEnhancerTest.enhance(model, mix, 4096);
          double in = snrDb(clean, mix);
          double out = snrDb(clean, y);
          double siIn = siSnrDb(clean, mix);
          double siOut = siSnrDb(clean, y);
          rows.add(
              String.format(
                  Locale.ROOT,
                  "| %s | %.1f | %.1f | %+.1f | %.1f | %.1f |",
                  kind.name().toLowerCase(Locale.ROOT),
                  in,
                  out,
                  out - in,
                  siIn,
                  siOut));
          if (snr <= 5 && !(siOut > siIn + 3)) {
            failures.add(kind + " at " + snr + " dB: SI-SNR " + siIn + " -> " + siOut);
          }
        }
      }
    }
    System.out.println(String.join("\n", rows));
    assertTrue(failures.isEmpty(), "SI-SNR gain under 3 dB: " + failures);
  }
}
