package dev.stapes.audio;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tone tests of the resampler's quality: passband error and alias (or image) rejection. The figures
 * are written to {@code target/resampler-quality.md} for docs/audio-io.md.
 */
class ResamplerQualityTest {
  static final StringBuilder REPORT = new StringBuilder();

  /** Runs a tone through the resampler and returns the output. */
  static float[] resample(int in, int out, Resampler.Quality q, double freq, double seconds) {
    float[] x = ResamplerTest.tone((int) (seconds * in), freq, in, 0.5);
    return ResamplerTest.run(new Resampler(in, out, q), x, 4096);
  }

  /** The interior of the output, away from the onset and end transients. */
  static int margin(int in, int out, Resampler.Quality q) {
    Resampler r = new Resampler(in, out, q);
    return (int) Math.ceil((r.lookahead() + 2) * (double) out / in) + 1;
  }

  /** Max abs error against the ideal tone at the output rate (frequency below both Nyquists). */
  static double passbandError(int in, int out, Resampler.Quality q, double freq) {
    float[] y = resample(in, out, q, freq, 0.5);
    int m = margin(in, out, q);
    double err = 0;
    for (int n = m; n < y.length - m; n++) {
      err = Math.max(err, Math.abs(y[n] - 0.5 * Math.sin(2 * Math.PI * freq * n / out)));
    }
    return err;
  }

  /** Attenuation in dB of a tone above the output Nyquist: RMS out over RMS in. */
  static double aliasRejectionDb(int in, int out, Resampler.Quality q, double freq) {
    float[] y = resample(in, out, q, freq, 0.5);
    int m = margin(in, out, q);
    double e = 0;
    for (int n = m; n < y.length - m; n++) {
      e += (double) y[n] * y[n];
    }
    double rms = Math.sqrt(e / (y.length - 2 * m));
    return -20 * Math.log10(Math.max(rms, 1e-30) / (0.5 / Math.sqrt(2)));
  }

  static String db(double err) {
    return String.format(Locale.ROOT, "%.1e (%.0f dB)", err, 20 * Math.log10(err / 0.5));
  }

  @ParameterizedTest
  @ValueSource(ints = {22050, 32000, 44100, 48000, 96000})
  void downsamplingTo16kRejectsAliasesAndKeepsThePassband(int in) {
    Resampler.Quality q = Resampler.Quality.HIGH;
    double pass1k = passbandError(in, 16000, q, 1000);
    double passEdge = passbandError(in, 16000, q, 7200);
    double minRejection = Double.MAX_VALUE;
    StringBuilder tones = new StringBuilder();
    for (double f : new double[] {8200, 10000, 12000, 15000}) {
      if (f < in / 2.0) {
        double r = aliasRejectionDb(in, 16000, q, f);
        minRejection = Math.min(minRejection, r);
        tones.append(String.format(Locale.ROOT, " %.0f Hz: %.0f dB;", f, r));
      }
    }
    synchronized (REPORT) {
      REPORT.append(
          String.format(
              Locale.ROOT,
              "| %d -> 16000 | %d | %s | %s |%s |%n",
              in,
              new Resampler(in, 16000, q).tapsPerOutput(),
              db(pass1k),
              db(passEdge),
              tones.length() == 0 ? " (no tone above 8 kHz fits)" : tones));
    }
    assertTrue(pass1k < 5e-5, "1 kHz error " + pass1k);
    assertTrue(passEdge < 5e-5, "7.2 kHz error " + passEdge);
    if (minRejection != Double.MAX_VALUE) {
      assertTrue(minRejection > 100, "alias rejection " + minRejection + " dB");
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {8000, 11025})
  void upsamplingTo16kLeavesNoImages(int in) {
    Resampler.Quality q = Resampler.Quality.HIGH;
    // error against the ideal tone includes every image the interpolation leaves
    double e1 = passbandError(in, 16000, q, 1000);
    double e2 = passbandError(in, 16000, q, 0.9 * in / 2);
    synchronized (REPORT) {
      REPORT.append(
          String.format(
              Locale.ROOT,
              "| %d -> 16000 | %d | %s | %s (%.0f Hz) | images included in the error |%n",
              in,
              new Resampler(in, 16000, q).tapsPerOutput(),
              db(e1),
              db(e2),
              0.9 * in / 2));
    }
    assertTrue(e1 < 5e-5 && e2 < 5e-5, e1 + " " + e2);
  }

  @Test
  void theRequiredExampleA10kHzToneAt48kIsAttenuatedByMoreThan100dB() {
    for (Resampler.Quality q : Resampler.Quality.values()) {
      double r = aliasRejectionDb(48000, 16000, q, 10000);
      double p = passbandError(48000, 16000, q, 1000);
      synchronized (REPORT) {
        REPORT.append(
            String.format(
                Locale.ROOT,
                "| quality %s, 48000 -> 16000 | %d | %s | | 10000 Hz: %.0f dB |%n",
                q,
                new Resampler(48000, 16000, q).tapsPerOutput(),
                db(p),
                r));
      }
      assertTrue(r > q.attenuationDb() - 10, q + ": " + r + " dB");
    }
  }

  @AfterAll
  static void writeReport() throws IOException {
    Path target = Paths.get("target");
    if (Files.isDirectory(target)) {
      Files.writeString(
          target.resolve("resampler-quality.md"),
          "| conversion | taps/output | max error, 1 kHz tone (amp 0.5) | max error, edge tone |"
              + " alias rejection |\n|---|---|---|---|---|\n"
              + REPORT);
    }
  }
}
