package dev.stapes.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.models.ModelCatalog;
import dev.stapes.models.TestModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The subcommands of this helper end to end: output formats, and one clear line on bad input. */
class ModelsCliTest {

  @TempDir Path tmp;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli = StapesCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  static void assertOneLineError(Run r, int code, String contains) {
    assertEquals(code, r.code(), r.toString());
    String[] lines = r.err().strip().split("\n");
    assertEquals(1, lines.length, "one line on stderr: " + r.err());
    assertTrue(lines[0].contains(contains), lines[0]);
    assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
  }

  @Test
  void vadPrintsTheSegmentsAsJson() {
    TestModels.model(ModelCatalog.SILERO_VAD_V5);
    Run r = run("vad", "--json", TestModels.resource("speech/vad_sentences_16k.wav").toString());
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().startsWith("{\"segments\":[{\"start\":"), r.out());
    Matcher m = Pattern.compile("\\{\"start\":[0-9.]+,\"end\":[0-9.]+\\}").matcher(r.out());
    int n = 0;
    while (m.find()) {
      n++;
    }
    assertEquals(3, n, r.out());
  }

  @Test
  void vadRunsEightKilohertzFilesNatively() {
    TestModels.model(ModelCatalog.SILERO_VAD_V5);
    Run r = run("vad", TestModels.resource("speech/vad_sentences_8k.wav").toString());
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("3 segment(s)") && r.out().contains("at 8000 Hz"), r.out());
  }

  @Test
  void wakewordPrintsDetectionsAsJson() {
    TestModels.model(ModelCatalog.OWW_EMBEDDING);
    TestModels.model("oww-alexa");
    Run r =
        run(
            "wakeword",
            TestModels.corpus("alexa_test.wav").toString(),
            "--keyword",
            "alexa",
            "--json");
    assertEquals(0, r.code(), r.toString());
    assertTrue(
        r.out()
            .matches(
                "(?s)\\{\"detections\":\\[\\{\"time\":[0-9.]+,\"score\":(0\\.9\\d+|1\\.0+)\\}],"
                    + "\"max_score\":(0\\.9\\d+|1\\.0+)}\\s*"),
        r.out());
  }

  @Test
  void runStreamsTheBundledSampleAndReportsLatency() {
    TestModels.model(ModelCatalog.SILERO_VAD_V5);
    TestModels.model(ModelCatalog.OWW_EMBEDDING);
    TestModels.model("oww-hey_mycroft");
    Run r = run("run", "--keyword", "hey_mycroft");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("wake word 'hey_mycroft'"), r.out());
    assertTrue(r.out().contains("speech started at"), r.out());
    assertTrue(r.out().contains("per-block latency: p50"), r.out());
    assertTrue(r.out().contains("real-time factor"), r.out());
  }

  @Test
  void modelsListSaysTheClassifiersAreNonCommercial() {
    Run r = run("models", "list");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("oww-alexa"), r.out());
    assertTrue(r.out().contains("NON-COMMERCIAL"), r.out());
    assertTrue(r.out().contains(ModelCatalog.get(ModelCatalog.SILERO_VAD_V5).sha256()), r.out());
  }

  @Test
  void missingInputFileIsOneLine() {
    assertOneLineError(
        run("vad", tmp.resolve("none.wav").toString()), 1, "none.wav: file not found");
    assertOneLineError(
        run("wakeword", tmp.resolve("none.wav").toString(), "-k", "alexa"), 1, "file not found");
    assertOneLineError(run("run", tmp.resolve("none.wav").toString()), 1, "file not found");
  }

  @Test
  void missingModelFileIsOneLine() {
    assertOneLineError(
        run(
            "vad",
            "--model",
            tmp.resolve("absent.onnx").toString(),
            TestModels.resource("speech/vad_sentences_8k.wav").toString()),
        1,
        "absent.onnx: model file not found");
  }

  @Test
  void corruptModelFileIsOneLine() throws Exception {
    Path bad = tmp.resolve("corrupt.onnx");
    Files.write(bad, new byte[] {8, 7, 0x12, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3});
    assertOneLineError(
        run(
            "vad",
            "--model",
            bad.toString(),
            TestModels.resource("speech/vad_sentences_8k.wav").toString()),
        1,
        "corrupt.onnx");
    // a truncated copy of the real model
    byte[] real = Files.readAllBytes(TestModels.model(ModelCatalog.SILERO_VAD_V5));
    Path cut = tmp.resolve("truncated.onnx");
    Files.write(cut, java.util.Arrays.copyOf(real, real.length / 3));
    assertOneLineError(
        run(
            "vad",
            "--model",
            cut.toString(),
            TestModels.resource("speech/vad_sentences_8k.wav").toString()),
        1,
        "truncated.onnx");
  }

  @Test
  void modelWithWrongInputNamesIsOneLineNamingTheValidSet() {
    // openWakeWord's mel model has an input called "input" but no "state" or "sr"
    Path mel = TestModels.model(ModelCatalog.OWW_MELSPECTROGRAM);
    Run r =
        run(
            "vad",
            "--model",
            mel.toString(),
            TestModels.resource("speech/vad_sentences_8k.wav").toString());
    assertOneLineError(r, 1, "not a Silero VAD v5 model");
    assertTrue(r.err().contains("expected inputs [input, state, sr]"), r.err());
  }

  @Test
  void badRateKeywordAndOptionsAreOneLine() {
    String wav = TestModels.resource("speech/vad_sentences_8k.wav").toString();
    assertOneLineError(run("vad", "--rate", "44100", wav), 2, "--rate=44100 Hz");
    assertOneLineError(run("wakeword", wav, "-k", "nope"), 1, "expected one of [alexa");
    assertOneLineError(run("run", "--keyword", "nope"), 1, "keyword='nope'");
    assertOneLineError(run("run", "--block-ms", "0"), 2, "--block-ms=0.0 ms");
    assertOneLineError(run("models", "fetch", "nope"), 1, "Unknown model 'nope'");
    assertOneLineError(run("vad", wav, "--threshold", "2"), 1, "threshold=2.0");
  }

  @Test
  void notAWavFileIsOneLine() throws Exception {
    Path txt = tmp.resolve("notes.wav");
    Files.writeString(txt, "this is not audio");
    assertOneLineError(run("vad", txt.toString()), 1, "notes.wav");
  }
}
