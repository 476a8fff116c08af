package dev.stapes.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.audio.AudioFiles;
import dev.stapes.audio.WavReader;
import dev.stapes.audio.WavWriter;
import dev.stapes.models.enhance.TestData;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EnhanceCommandTest {

  @TempDir static Path dir;
  static Path model;
  static Path clip;
  static float[] whole;

  @BeforeAll
  static void setUp() throws Exception {
    model = TestData.modelFile();
    float[] mix = AudioFiles.readMono(TestData.gtcrnDir().resolve("mix.wav"), 16000);
    // 2.1 s of the authors' clip, an odd length, as 16-bit PCM
    clip = dir.resolve("clip.wav");
    WavWriter.write(
        clip, 16000, WavWriter.Encoding.PCM_S16, Arrays.copyOfRange(mix, 30_000, 30_000 + 33_611));
    whole = enhance(clip, "whole");
  }

  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    picocli.CommandLine cli = StapesCli.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  static float[] enhance(Path in, String chunkMs) throws Exception {
    Path out = dir.resolve("out-" + chunkMs + "-" + in.getFileName());
    Result r =
        run(
            "enhance",
            in.toString(),
            "--out",
            out.toString(),
            "--chunk-ms",
            chunkMs,
            "--model",
            model.toString());
    assertEquals(0, r.code(), r.err());
    try (WavReader w = WavReader.open(out)) {
      assertEquals(16000, w.info().sampleRate());
      assertEquals(1, w.info().channels());
    }
    return AudioFiles.readMono(out, 16000);
  }

  @ParameterizedTest(name = "--chunk-ms {0}")
  @ValueSource(strings = {"1", "7", "16", "100", "0.0625", "33.3", "60000"})
  void outputIsTheSameForAnyChunkSize(String chunkMs) throws Exception {
    assertArrayEquals(whole, enhance(clip, chunkMs));
  }

  @Test
  void outputHasTheLengthOfTheInput() {
    assertEquals(33_611, whole.length);
  }

  @Test
  void theCommandReproducesTheAuthorsStreamingOutput() throws Exception {
    Path dir = TestData.gtcrnDir();
    float[] ref = AudioFiles.readMono(dir.resolve("enh_stream.wav"), 16000);
    float[] y = enhance(dir.resolve("mix.wav"), "16");
    assertEquals(AudioFiles.readMono(dir.resolve("mix.wav"), 16000).length, y.length);
    double max = 0;
    for (int i = 0; i < ref.length; i++) {
      max = Math.max(max, Math.abs(y[i] - ref[i]));
    }
    assertTrue(max <= 2e-3, "max abs diff " + max);
  }

  @Test
  void anotherRateAndEncodingIsResampledToSixteenKilohertz() throws Exception {
    float[] x = AudioFiles.readMono(clip, 44100);
    Path in = dir.resolve("clip44k_stereo_float.wav");
    float[] stereo = new float[2 * x.length];
    for (int i = 0; i < x.length; i++) {
      stereo[2 * i] = x[i];
      stereo[2 * i + 1] = x[i];
    }
    try (WavWriter w = WavWriter.create(in, 44100, 2, WavWriter.Encoding.FLOAT32)) {
      w.write(stereo, 0, stereo.length);
    }
    float[] y = enhance(in, "10");
    assertEquals(AudioFiles.readMono(in, 16000).length, y.length);
    // resampled twice (16k -> 44.1k -> 16k): the output agrees with the direct one
    double err = 0;
    double sig = 0;
    int n = Math.min(y.length, whole.length);
    for (int i = 0; i < n; i++) {
      err += (y[i] - whole[i]) * (y[i] - whole[i]);
      sig += whole[i] * whole[i];
    }
    assertTrue(10 * Math.log10(sig / err) > 20, "agreement " + 10 * Math.log10(sig / err) + " dB");
  }

  @Test
  void aCorruptModelIsOneLineAndExitOne() throws Exception {
    Path bad = dir.resolve("corrupt.onnx");
    byte[] m = Files.readAllBytes(model);
    Files.write(bad, Arrays.copyOf(m, m.length / 2));
    Result r =
        run(
            "enhance",
            clip.toString(),
            "--out",
            dir.resolve("x.wav").toString(),
            "--model",
            bad.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("corrupt.onnx"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }

  @Test
  void aCacheShapeMismatchIsOneLineNamingBothShapes() {
    Path bad = TestModelsPath.resource("gtcrn_short_conv_cache.onnx");
    Result r =
        run(
            "enhance",
            clip.toString(),
            "--out",
            dir.resolve("y.wav").toString(),
            "--model",
            bad.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("[2, 1, 16, 16, 32], expected [2, 1, 16, 16, 33]"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }

  @Test
  void badArgumentsAreRefused() {
    Result r = run("enhance", clip.toString(), "--out", "z.wav", "--chunk-ms", "-3");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("--chunk-ms=-3.0 ms"), r.err());
    r = run("enhance", clip.toString());
    assertEquals(2, r.code());
    r = run("enhance", clip.toString(), "--out", clip.toString(), "--model", model.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("is the input file"), r.err());
    r = run("enhance", dir.resolve("absent.wav").toString(), "--out", "z.wav");
    assertEquals(1, r.code());
    assertFalse(r.err().contains("Exception"), r.err());
  }

  /** The committed tiny bad-model fixtures of the enhance tests. */
  static final class TestModelsPath {
    static Path resource(String name) {
      return dev.stapes.models.TestModels.resource("dev/stapes/models/enhance/" + name);
    }
  }

  @Test
  void aFailedEnhancementLeavesNeitherTheOutputNorATemporaryFile() throws Exception {
    Path nan = dir.resolve("nan.wav");
    float[] x = new float[16000];
    Arrays.fill(x, 0.25f);
    WavWriter.write(nan, 16000, WavWriter.Encoding.FLOAT32, x);
    byte[] b = Files.readAllBytes(nan);
    int data = new String(b, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("data") + 8;
    java.nio.ByteBuffer.wrap(b)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .putFloat(data + 4 * 8000, Float.NaN);
    Files.write(nan, b);
    Path sub = Files.createDirectories(dir.resolve("nan-out"));
    Path out = sub.resolve("OUT.wav");
    Result r = run("enhance", nan.toString(), "--out", out.toString(), "--model", model.toString());
    assertTrue(r.code() != 0, r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertFalse(Files.exists(out), "a partial output file was left");
    try (var files = Files.list(sub)) {
      assertEquals(0, files.count(), "a temporary file was left");
    }
  }

  @Test
  void aFullDeviceIsReportedWithTheOutputFileName() {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(Path.of("/dev/full")));
    Result r = run("enhance", clip.toString(), "--out", "/dev/full", "--model", model.toString());
    assertEquals(1, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("/dev/full: cannot write: No space left on device"), r.err());
  }
}
