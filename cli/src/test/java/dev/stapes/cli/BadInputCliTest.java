package dev.stapes.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.audio.WavWriter;
import dev.stapes.models.ModelCatalog;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad input from the QA sweep: one clear stderr line, a non-zero exit, never a crash. */
class BadInputCliTest {

  @TempDir static Path dir;
  static Path cut;

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

  /** A 16 kHz PCM16 WAV whose data chunk declares 32000 bytes but holds 16000. */
  @BeforeAll
  static void writeTruncatedWav() throws Exception {
    Path whole = dir.resolve("whole.wav");
    float[] x = new float[16000];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (0.3 * Math.sin(i * 0.05));
    }
    try (WavWriter w = WavWriter.create(whole, 16000, 1, WavWriter.Encoding.PCM_S16)) {
      w.write(x, 0, x.length);
    }
    byte[] b = Files.readAllBytes(whole);
    int data = new String(b, StandardCharsets.ISO_8859_1).indexOf("data") + 8;
    cut = dir.resolve("cut.wav");
    Files.write(cut, Arrays.copyOf(b, data + 16000));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"vad", "wakeword", "kws", "enhance", "run"})
  void everyAudioCommandWarnsOnceAboutATruncatedWav(String command) {
    List<String> args = new ArrayList<>(List.of(command, cut.toString()));
    switch (command) {
      case "wakeword" -> args.addAll(List.of("-k", "hey_jarvis"));
      case "enhance" -> args.addAll(List.of("--out", dir.resolve("e.wav").toString()));
      case "run" -> args.add("--no-wakeword");
      default -> {}
    }
    Run r = run(args.toArray(new String[0]));
    String prefix = "stapes " + command + ": warning: '";
    long warnings = r.err().lines().filter(l -> l.startsWith(prefix)).count();
    assertEquals(1, warnings, r.err());
    assertTrue(r.err().contains("is truncated: its data chunk declares 32000 bytes"), r.err());
  }

  @ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      value = {
        "kws --hop-ms 1e12 | --hop-ms=1.0E12 ms, expected 0.0625 to 1000.0 ms",
        "kws --hop-ms 0.001 | --hop-ms=0.001 ms, expected 0.0625 to 1000.0 ms",
        "kws --hop-ms NaN | --hop-ms=NaN ms, expected 0.0625 to 1000.0 ms",
        "vad --min-silence-ms 2000000000 | --min-silence-ms=2000000000 ms, expected 0 to 60000 ms",
        "vad --min-speech-ms -1 | --min-speech-ms=-1 ms, expected 0 to 60000 ms",
        "vad --pad-ms 60001 | --pad-ms=60001 ms, expected 0 to 60000 ms",
      })
  void anOutOfRangeMillisecondOptionIsReportedAsTheUserGaveIt(String args, String message) {
    String[] a = args.split(" ");
    List<String> all = new ArrayList<>(List.of(a[0], cut.toString()));
    all.addAll(List.of(a).subList(1, a.length));
    Run r = run(all.toArray(new String[0]));
    assertNotEquals(0, r.code());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains(message), r.err());
    assertFalse(r.err().contains("Samples="), r.err());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"vad", "wakeword", "kws", "enhance", "run", "kws-model", "import"})
  void aDirectoryOrANamedPipeIsNotARegularFileAndNeverHangs(String command) throws Exception {
    Path fifo = dir.resolve("fifo-" + command + ".wav");
    Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
    org.junit.jupiter.api.Assumptions.assumeTrue(mk.waitFor() == 0, "mkfifo unavailable");
    Path folder = Files.createDirectories(dir.resolve("folder-" + command));
    for (Path bad : List.of(fifo, folder)) {
      List<String> args =
          switch (command) {
            case "wakeword" -> List.of(command, bad.toString(), "-k", "hey_jarvis");
            case "enhance" ->
                List.of(command, bad.toString(), "--out", dir.resolve("x.wav").toString());
            case "kws-model" ->
                List.of("kws", dir.resolve("whole.wav").toString(), "--model", bad.toString());
            case "import" ->
                List.of(command, bad.toString(), "--out", dir.resolve("x.onnx").toString());
            default -> List.of(command, bad.toString());
          };
      Run r =
          org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
              java.time.Duration.ofSeconds(20), () -> run(args.toArray(new String[0])));
      assertNotEquals(0, r.code());
      assertEquals(1, r.err().strip().lines().count(), r.err());
      assertTrue(r.err().contains(bad + ": not a regular file"), r.err());
    }
  }

  @org.junit.jupiter.api.Test
  void importIntoADirectorySaysSoWithoutATemporaryPath() throws Exception {
    Path tflite = dir.resolve("m.tflite");
    Files.write(tflite, new byte[64]);
    Path outd = Files.createDirectories(dir.resolve("outd"));
    Run r = run("import", tflite.toString(), "--out", outd.toString());
    assertNotEquals(0, r.code());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains(outd + ": is a directory"), r.err());
    assertFalse(r.err().contains(".part"), r.err());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"wakeword", "run"})
  void aWakeWordIsAcceptedWithOrWithoutItsStorePrefix(String command) {
    for (String k : List.of("hey_jarvis", "oww-hey_jarvis")) {
      Path missing = dir.resolve("missing.wav");
      Run r = run(command, missing.toString(), "-k", k);
      assertNotEquals(0, r.code());
      assertEquals(1, r.err().strip().lines().count(), r.err());
      assertTrue(r.err().contains(missing.toString()), r.err());
      assertFalse(r.err().contains("keyword="), r.err());
    }
    assertEquals("hey_jarvis", ModelCatalog.wakewordKeyword("oww-hey_jarvis"));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"wakeword", "run"})
  void theHelpAndTheErrorListEveryValidWakeWord(String command) {
    Run help = run(command, "--help");
    Run bad = run(command, cut.toString(), "-k", "oww-nope");
    assertEquals(1, bad.err().strip().lines().count(), bad.err());
    assertTrue(bad.err().contains("keyword='oww-nope'"), bad.err());
    for (String k : ModelCatalog.wakewords()) {
      assertTrue(help.out().contains(k), k + " missing from\n" + help.out());
      assertTrue(bad.err().contains(k), bad.err());
    }
  }

  @org.junit.jupiter.api.Test
  void aModelMirrorThatIsNoDirectoryIsIgnoredWithOneWarningPerProcess() throws Exception {
    Path file = Files.writeString(dir.resolve("mirror-file"), "x");
    assertEquals(
        "STAPES_MODEL_MIRROR=/nonexistent is not a directory; ignoring it",
        dev.stapes.store.ModelStore.mirrorWarning("/nonexistent"));
    assertTrue(
        dev.stapes.store.ModelStore.mirrorWarning(file.toString())
            .endsWith("is not a directory; ignoring it"));
    assertEquals(null, dev.stapes.store.ModelStore.mirrorWarning(dir.toString()));
    assertEquals(null, dev.stapes.store.ModelStore.mirrorWarning(null));
    StringWriter err = new StringWriter();
    PrintWriter w = new PrintWriter(err, true);
    CliSupport.MIRROR_WARNED.set(false);
    try {
      String warning = dev.stapes.store.ModelStore.mirrorWarning("/nonexistent");
      CliSupport.warnMirrorOnce(warning, w);
      CliSupport.warnMirrorOnce(warning, w);
    } finally {
      CliSupport.MIRROR_WARNED.set(false);
    }
    assertEquals(
        "stapes: warning: STAPES_MODEL_MIRROR=/nonexistent is not a directory; ignoring it",
        err.toString().strip());
  }

  @org.junit.jupiter.api.Test
  void runRefusesSecondsWithoutTheMicrophone() {
    for (List<String> args :
        List.of(
            List.of("run", "--seconds", "2"), List.of("run", cut.toString(), "--seconds", "2"))) {
      Run r = run(args.toArray(new String[0]));
      assertEquals(2, r.code(), r.err());
      assertEquals(1, r.err().strip().lines().count(), r.err());
      assertTrue(r.err().contains("--seconds applies only with --mic"), r.err());
      assertEquals("", r.out());
    }
  }
}
