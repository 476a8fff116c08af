package dev.stapes.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.audio.AudioFiles;
import dev.stapes.audio.WavWriter;
import dev.stapes.models.enhance.TestData;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./stapes run --enhance}: the enhancement path on a live-like stream. */
class RunEnhanceTest {

  static int run(StringWriter out, StringWriter err, String... args) {
    picocli.CommandLine cli = StapesCli.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  @Test
  void theStreamIsCleanedAsStapesEnhanceCleansTheFile(@TempDir Path dir) throws Exception {
    TestData.modelFile(); // skips without the model (fails under CI)
    float[] mix = AudioFiles.readMono(TestData.gtcrnDir().resolve("mix.wav"), 16000);
    Path in = dir.resolve("in.wav");
    WavWriter.write(in, 16000, WavWriter.Encoding.PCM_S16, Arrays.copyOf(mix, 40_001));
    Path live = dir.resolve("live.wav");
    Path file = dir.resolve("file.wav");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        run(
            out,
            err,
            "run",
            in.toString(),
            "--no-vad",
            "--no-wakeword",
            "--enhance",
            "--enhance-out",
            live.toString(),
            "--block-ms",
            "20");
    assertEquals(0, code, err.toString());
    assertTrue(out.toString().contains("enhancement: "), out.toString());
    assertTrue(out.toString().contains("40001 samples cleaned"), out.toString());
    code = run(new StringWriter(), err, "enhance", in.toString(), "--out", file.toString());
    assertEquals(0, code, err.toString());
    assertArrayEquals(AudioFiles.readMono(file, 16000), AudioFiles.readMono(live, 16000));
  }

  @Test
  void enhanceOutWithoutEnhanceIsAUsageError() {
    StringWriter err = new StringWriter();
    assertEquals(2, run(new StringWriter(), err, "run", "--enhance-out", "x.wav"));
    assertTrue(err.toString().contains("--enhance-out needs --enhance"), err.toString());
  }
}
