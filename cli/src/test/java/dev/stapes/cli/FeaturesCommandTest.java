package dev.stapes.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.audio.AudioFiles;
import dev.stapes.audio.FeatureConfig;
import dev.stapes.audio.FeatureExtractor;
import dev.stapes.audio.WavWriter;
import dev.stapes.engine.Npy;
import dev.stapes.engine.NpyArray;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FeaturesCommandTest {

  @TempDir static Path dir;
  static Path stereo44k;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    picocli.CommandLine cli = StapesCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @BeforeAll
  static void writeInput() throws Exception {
    stereo44k = dir.resolve("in.wav");
    int n = 44100 * 2;
    float[] x = new float[2 * n];
    for (int i = 0; i < n; i++) {
      double t = i / 44100.0;
      x[2 * i] = (float) (0.3 * Math.sin(2 * Math.PI * 440 * t));
      x[2 * i + 1] = (float) (0.2 * Math.sin(2 * Math.PI * 1250 * t) * (i > n / 2 ? 1 : 0));
    }
    try (WavWriter w = WavWriter.create(stereo44k, 44100, 2, WavWriter.Encoding.PCM_S24)) {
      w.write(x, 0, x.length);
    }
  }

  @ParameterizedTest
  @CsvSource({"kaldi-fbank,80", "whisper,80", "htk-mel,40", "mfcc,13"})
  void writesFramesByBinsFloat32AndChunkedOutputIsIdentical(String preset, int bins)
      throws Exception {
    Path off = dir.resolve(preset + ".npy");
    Run r = run("features", stereo44k.toString(), "--preset", preset, "--out", off.toString());
    assertEquals(0, r.code(), r.err());
    NpyArray a = Npy.read(off);
    FeatureConfig c = FeatureConfig.preset(preset);
    float[] x = AudioFiles.readMono(stereo44k, 16000);
    assertArrayEquals(new long[] {c.numFrames(x.length), bins}, a.shape());
    assertArrayEquals(FeatureExtractor.computeFlat(x, c).data(), a.toFloatArray());
    for (String ms : new String[] {"1", "7", "10", "33.3"}) {
      Path chunked = dir.resolve(preset + "-" + ms + ".npy");
      Run rc =
          run(
              "features",
              stereo44k.toString(),
              "--preset",
              preset,
              "--out",
              chunked.toString(),
              "--chunk-ms",
              ms);
      assertEquals(0, rc.code(), rc.err());
      assertArrayEquals(a.toFloatArray(), Npy.read(chunked).toFloatArray(), "chunk " + ms + " ms");
    }
  }

  @Test
  void overridesReachTheConfiguration() throws Exception {
    Path out = dir.resolve("o.npy");
    Run r =
        run(
            "features",
            stereo44k.toString(),
            "--preset",
            "kaldi-fbank",
            "--out",
            out.toString(),
            "--n-mels",
            "23",
            "--snip-edges=false",
            "--set",
            "preemphasis=0",
            "--print-config");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("nMels=23") && r.err().contains("snipEdges=false"), r.err());
    assertEquals(23, Npy.read(out).shape()[1]);
    assertEquals((32000 + 80) / 160, Npy.read(out).shape()[0]);
  }

  @ParameterizedTest(name = "chunk-ms={0}")
  @CsvSource({"-1", "10"})
  void aTruncatedWavIsDecodedAsFarAsItGoesWithAWarningLine(String chunkMs) throws Exception {
    Path whole = dir.resolve("whole.wav");
    float[] x = new float[16000];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (0.3 * Math.sin(i * 0.05));
    }
    try (WavWriter w = WavWriter.create(whole, 16000, 1, WavWriter.Encoding.PCM_S16)) {
      w.write(x, 0, x.length);
    }
    byte[] b = java.nio.file.Files.readAllBytes(whole);
    Path cut = dir.resolve("cut.wav");
    int data = new String(b, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("data") + 8;
    java.nio.file.Files.write(cut, java.util.Arrays.copyOf(b, data + 16000));
    Path out = dir.resolve("cut.npy");
    java.util.List<String> args =
        new java.util.ArrayList<>(
            java.util.List.of(
                "features", cut.toString(), "--preset", "whisper", "--out", out.toString()));
    if (!chunkMs.equals("-1")) {
      args.addAll(java.util.List.of("--chunk-ms", chunkMs));
    }
    Run r = run(args.toArray(new String[0]));
    assertEquals(0, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(
        r.err().startsWith("stapes features: warning: '")
            && r.err().contains("is truncated: its data chunk declares 32000 bytes"),
        r.err());
    assertEquals(8000 / 160, Npy.read(out).shape()[0]);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "IN --preset nope --out OUT | 1 | preset='nope', expected one of",
        "IN --preset htk-mel --out OUT --n-fft 256 | 1 | win=400 samples > nFft=256",
        "IN --preset htk-mel --out OUT --fmax 9000 | 1 | fmax=9000",
        "IN --preset htk-mel --out OUT --hop 0 | 1 | hop=0",
        "IN --preset htk-mel --out OUT --chunk-ms 0 | 1 | --chunk-ms=0",
        "MISSING --preset htk-mel --out OUT | 1 | file not found",
        "IN --preset htk-mel | 2 | Missing required option",
        "IN --preset htk-mel --out OUT --set bogus=1 | 1 | unknown feature parameter 'bogus'",
        "IN --preset htk-mel --out OUT --n-mels x | 1 | n-mels='x' is not a number",
        "IN --preset whisper --out OUT --hop 1000000000 | 1 | hop=1000000000 samples, expected"
            + " 1..65536",
        "IN --preset whisper --out OUT --n-mels 100000000 | 1 | nMels=100000000, expected 1..1024",
        "IN --preset whisper --out OUT --n-fft 2147483646 | 1 | nFft=2147483646 samples",
        "IN --preset whisper --out OUT --fmax NaN | 1 | fmax=NaN Hz",
        "IN --preset whisper --out OUT --chunk-ms 1e12 | 1 | --chunk-ms=1.0E12 ms, expected more"
            + " than 0 and at most 60000 ms",
        "IN --preset whisper --out OUT --chunk-ms 2147483648 | 1 | at most 60000 ms",
        "IN --preset whisper --out DIR | 1 | : is a directory, expected a file",
        "IN --preset whisper --out NODIR | 1 | does not exist or is not a directory",
        "DIR --preset whisper --out OUT | 1 | not a regular file",
        "IN --preset whisper --out= | 1 | --out is empty, expected a file path",
      })
  void badInputGivesOneLineAndANonZeroExit(String argLine, int expectedCode, String expected)
      throws Exception {
    java.util.List<String> args = new java.util.ArrayList<>();
    args.add("features");
    for (String s : argLine.trim().split(" +")) {
      args.add(
          s.equals("IN")
              ? stereo44k.toString()
              : s.equals("OUT")
                  ? dir.resolve("bad.npy").toString()
                  : s.equals("MISSING")
                      ? dir.resolve("missing.wav").toString()
                      : s.equals("DIR")
                          ? dir.toString()
                          : s.equals("NODIR") ? dir.resolve("no/such/o.npy").toString() : s);
    }
    Path bad = dir.resolve("bad.npy");
    java.nio.file.Files.deleteIfExists(bad);
    Run r = run(args.toArray(new String[0]));
    assertFalse(java.nio.file.Files.exists(bad), "no output file on failure");
    assertEquals(expectedCode, r.code(), r.err());
    assertTrue(r.err().contains(expected), r.err());
    assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
  }
}
