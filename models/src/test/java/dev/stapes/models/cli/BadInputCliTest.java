package dev.stapes.models.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.audio.WavWriter;
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
}
