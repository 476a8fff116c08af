package dev.stapes.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.cli.StapesCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ./stapes bench} end to end, through the same command line the launcher runs. */
class BenchCommandTest {

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      CommandLine cli = StapesCli.commandLine();
      cli.setErr(new PrintWriter(System.err, true));
      int code = cli.execute(args);
      return new Run(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void rtWritesTheJsonAndThePlot(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("r.json");
    Path png = dir.resolve("r.png");
    Run r =
        run(
            "bench",
            "rt",
            "--pipeline",
            "synthetic",
            "--repeat",
            "2",
            "--json",
            json.toString(),
            "--plot",
            png.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("p99.9"), r.out());
    String j = Files.readString(json);
    assertTrue(j.contains("\"chunks\": 2000"), j);
    assertTrue(j.contains("\"alloc_bytes_per_chunk\": 0"), j);
    assertTrue(Files.size(png) > 1000);
  }

  @Test
  void rtAtTheRealTimePaceWithRealtimeReportsWhatTookEffect() {
    Run r =
        run(
            "bench",
            "rt",
            "--pipeline",
            "synthetic",
            "--chunk-ms",
            "1",
            "--repeat",
            "1",
            "--warmup",
            "0",
            "--pace",
            "realtime",
            "--realtime",
            "--rt-priority",
            "10");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("realtime: pin thread to CPUs"), r.out());
    assertTrue(r.out().contains("realtime: SCHED_FIFO priority 10"), r.out());
    assertTrue(r.out().contains("pace realtime"), r.out());
  }

  @Test
  void rtWritesOneTimelineLinePerChunkWithWallCpuAndStart(@TempDir Path dir) throws Exception {
    Path t = dir.resolve("t.txt");
    Run r =
        run(
            "bench",
            "rt",
            "--pipeline",
            "synthetic",
            "--warmup-ms",
            "0",
            "--timeline",
            t.toString());
    assertEquals(0, r.code(), r.err());
    java.util.List<String> lines = Files.readAllLines(t);
    assertEquals(1000, lines.size()); // 10 s of 10 ms chunks
    long previous = Long.MIN_VALUE;
    for (String line : lines) {
      String[] f = line.split(" ");
      assertEquals(3, f.length, line);
      assertTrue(Long.parseLong(f[0]) > 0 && Long.parseLong(f[1]) >= 0, line);
      assertTrue(Long.parseLong(f[2]) > previous, "starts must increase: " + line);
      previous = Long.parseLong(f[2]);
    }
  }

  @Test
  void aWarmupOutsideZeroToTenMinutesIsOneLine() {
    Run r = run("bench", "rt", "--pipeline", "synthetic", "--warmup-ms", "-1");
    assertEquals(1, r.code());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("--warmup-ms -1, expected 0 to 600000 ms"), r.err());
  }

  @Test
  void anUnknownPipelineIsOneLineNamingTheValidSet() {
    Run r = run("bench", "rt", "--pipeline", "nope");
    assertEquals(1, r.code());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("pipeline=nope, expected one of [synthetic"), r.err());
  }

  @Test
  void aBadPaceIsRefused() {
    Run r = run("bench", "rt", "--pipeline", "synthetic", "--pace", "slow");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("--pace slow, expected one of [realtime, max]"), r.err());
  }

  @Test
  void theCheckExitsNonZeroNamingPipelineFigureAndBudget(@TempDir Path dir) throws Exception {
    Path budgets = dir.resolve("budgets.json");
    Files.writeString(
        budgets,
        "{\"warmup_chunks\": 100, \"warmup_ms\": 50, \"rounds\": 2, \"chunks_per_round\": 100,"
            + " \"budgets\": [{\"pipeline\": \"synthetic\", \"chunk_ms\": 10,"
            + " \"alloc_bytes_per_chunk\": 0}]}");
    Run ok = run("bench", "--check", "--budgets", budgets.toString());
    assertEquals(0, ok.code(), ok.out() + ok.err());
    assertTrue(ok.out().contains("budgets met"), ok.out());
    Run bad =
        run("bench", "--check", "--budgets", budgets.toString(), "--inject-regression", "alloc");
    assertEquals(1, bad.code(), bad.out());
    assertTrue(
        bad.err()
            .contains(
                "budget exceeded: synthetic@10ms: alloc_bytes_per_chunk 656 exceeds budget 0"),
        bad.err());
  }

  @Test
  void runWithRealtimeReportsWhatTookEffect() {
    boolean haveVad =
        dev.stapes.store.ModelStore.fromEnvironment()
            .isCached(
                dev.stapes.models.ModelCatalog.get(dev.stapes.models.ModelCatalog.SILERO_VAD_V5));
    org.junit.jupiter.api.Assumptions.assumeTrue(
        haveVad || "true".equals(System.getenv("CI")), "Silero VAD not in the model store");
    Run r = run("run", "--no-wakeword", "--realtime");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("stapes run: realtime: pin thread to CPUs"), r.err());
    assertTrue(r.err().contains("stapes run: realtime: SCHED_FIFO priority 80"), r.err());
  }

  @Test
  void benchWithoutCheckOrSubcommandIsAUsageError() {
    assertEquals(2, run("bench").code());
  }
}
