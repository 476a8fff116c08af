package dev.stapes.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bound: the error of features after a 16 kHz -> 48 kHz -> 16 kHz round trip through
 * Stapes' resampler is no worse than twice that of sox's {@code rate -h} on the same signal
 * (fixtures and measure: make_audio_io_fixtures.py, roundtrip.json).
 */
class RoundTripVersusSoxTest {

  static float[] readResource(String name) throws IOException {
    try (InputStream in = RoundTripVersusSoxTest.class.getResourceAsStream("/audio-io/" + name);
        WavReader r = WavReader.open(in, name)) {
      return WavReaderTest.readAll(r, 4096);
    }
  }

  static float[] resample(float[] x, int in, int out) {
    return ResamplerTest.run(new Resampler(in, out), x, 1000);
  }

  @ParameterizedTest
  @ValueSource(ints = {48000, 44100})
  void roundTripFeatureErrorIsWithinTwiceSox(int mid) throws IOException {
    float[] source = readResource("roundtrip/source_16k.wav");
    float[] sox = readResource("roundtrip/sox_" + mid + "_16k.wav");
    float[] ours = resample(resample(source, 16000, mid), mid, 16000);
    assertEquals(source.length, ours.length, "ceil length, twice");
    LogMelMeasure measure = new LogMelMeasure();
    double[] eSox = measure.error(source, sox);
    double[] eOurs = measure.error(source, ours);
    double wSox = rms(source, sox);
    double wOurs = rms(source, ours);
    String line =
        String.format(
            Locale.ROOT,
            "| 16000 -> %d -> 16000 | %.4f | %.4f | %.3f | %.3f | %.2e | %.2e |%n",
            mid,
            eOurs[0],
            eSox[0],
            eOurs[1],
            eSox[1],
            wOurs,
            wSox);
    Path target = Paths.get("target");
    if (Files.isDirectory(target)) {
      Files.writeString(
          target.resolve("roundtrip-" + mid + ".md"),
          "| round trip | log-mel RMS err, Stapes | sox -h | log-mel max err, Stapes | sox -h |"
              + " waveform RMS err, Stapes | sox -h |\n|---|---|---|---|---|---|---|\n"
              + line);
    }
    // the Java measure agrees with the numpy one in the sidecar for sox's output
    double numpyRms = sidecarFigure(mid, "logmel_rms_error");
    assertEquals(numpyRms, eSox[0], 1e-3 * numpyRms + 1e-4, "Java vs numpy measure");
    assertTrue(eOurs[0] <= 2 * eSox[0], line);
    assertTrue(eOurs[1] <= 2 * eSox[1], line);
  }

  static double rms(float[] a, float[] b) {
    int n = Math.min(a.length, b.length);
    double s = 0;
    for (int i = 0; i < n; i++) {
      double d = a[i] - b[i];
      s += d * d;
    }
    return Math.sqrt(s / n);
  }

  static double sidecarFigure(int mid, String key) throws IOException {
    String json;
    try (InputStream in =
        RoundTripVersusSoxTest.class.getResourceAsStream("/audio-io/roundtrip.json")) {
      json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    Matcher m =
        Pattern.compile("\"" + mid + "\": \\{[^}]*\"" + key + "\": ([0-9.eE+-]+)").matcher(json);
    assertTrue(m.find(), key + " for " + mid + " in roundtrip.json");
    return Double.parseDouble(m.group(1));
  }
}
