package dev.stapes.bench.ci;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.audio.WavWriter;
import dev.stapes.engine.Npy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OutputDiffTest {

  @TempDir Path dir;

  private Path npy(String name, float[] v, long... shape) throws Exception {
    Path p = dir.resolve(name);
    Npy.writeFloat32(p, v, shape);
    return p;
  }

  private Path wav(String name, float[] v) throws Exception {
    Path p = dir.resolve(name);
    WavWriter.write(p, 16000, WavWriter.Encoding.FLOAT32, v);
    return p;
  }

  private Path text(String name, String s) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(p, s, StandardCharsets.UTF_8);
    return p;
  }

  @Test
  void tensorsWithinTheToleranceAgree() throws Exception {
    Path a = npy("a.npy", new float[] {0.5f, -20f, Float.NaN}, 3);
    Path b = npy("b.npy", new float[] {0.500004f, -20.0001f, Float.NaN}, 3);
    assertNull(OutputDiff.diff(a, b, 1e-5));
  }

  @Test
  void aTensorBeyondTheToleranceIsNamedByElementAndDifference() throws Exception {
    Path a = npy("a.npy", new float[] {0.5f, 0.25f}, 2);
    Path b = npy("b.npy", new float[] {0.5f, 0.2501f}, 2);
    String d = OutputDiff.diff(a, b, 1e-5);
    assertNotNull(d);
    assertTrue(d.contains("element 1 is 0.250099987, expected 0.250000000"), d);
    assertTrue(d.contains("tolerance 1.00e-05"), d);
  }

  @Test
  void aTensorOfAnotherShapeDiffers() throws Exception {
    Path a = npy("a.npy", new float[] {1, 2, 3, 4}, 2, 2);
    Path b = npy("b.npy", new float[] {1, 2, 3, 4}, 4);
    String d = OutputDiff.diff(a, b, 1e-5);
    assertNotNull(d);
    assertTrue(d.contains("[4], expected <f4[2, 2]"), d);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 16000})
  void audioIsComparedSampleBySample(int n) throws Exception {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) Math.sin(i * 0.01);
    }
    float[] y = x.clone();
    y[n - 1] += 2e-6f;
    assertNull(OutputDiff.diff(wav("x.wav", x), wav("y.wav", y), 1e-5));
    y[n - 1] += 1e-4f;
    String d = OutputDiff.diff(wav("x.wav", x), wav("y.wav", y), 1e-5);
    assertNotNull(d);
    assertTrue(d.contains("channel 0 frame " + (n - 1)), d);
  }

  @Test
  void audioOfAnotherLengthDiffers() throws Exception {
    String d = OutputDiff.diff(wav("x.wav", new float[10]), wav("y.wav", new float[11]), 1e-5);
    assertNotNull(d);
    assertTrue(d.contains("11 frames, expected 16000 Hz, 1 ch, 10 frames"), d);
  }

  @Test
  void textMustBeExactAndTheDifferingLineIsShown() throws Exception {
    Path a = text("a.json", "{\"segments\":[{\"start\":0.290,\"end\":2.238}]}\n");
    assertNull(OutputDiff.diff(a, text("same.json", Files.readString(a)), 1e-5));
    String d =
        OutputDiff.diff(a, text("b.json", "{\"segments\":[{\"start\":0.290,\"end\":2.270}]}\n"), 1);
    assertNotNull(d);
    assertTrue(d.contains("at byte 37"), d);
    assertTrue(d.contains("2.270"), d);
  }

  @Test
  void directoriesMustHoldTheSameFiles() throws Exception {
    Path e = Files.createDirectories(dir.resolve("e"));
    Path a = Files.createDirectories(dir.resolve("a"));
    Files.writeString(e.resolve("logits.txt"), "1");
    Files.writeString(a.resolve("logits.txt"), "1");
    assertNull(OutputDiff.diff(e, a, 1e-5));
    Files.writeString(e.resolve("sequence.txt"), "2");
    String d = OutputDiff.diff(e, a, 1e-5);
    assertNotNull(d);
    assertTrue(d.contains("files [logits.txt], expected [logits.txt, sequence.txt]"), d);
  }

  @Test
  void aNegativeToleranceIsRefused() throws Exception {
    Path a = text("a.txt", "x");
    assertThrows(IllegalArgumentException.class, () -> OutputDiff.diff(a, a, -1));
  }
}
