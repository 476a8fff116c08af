package dev.stapes.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.audio.AudioFiles;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.TestModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stapes enroll} and {@code stapes wakeword --task} end to end on the committed fixtures,
 * with a small corpus (a few LibriSpeech clips of the shared corpus) so that it runs in seconds.
 */
class EnrollCommandTest {

  @TempDir static Path tmp;
  static Path corpus;

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

  static String fixture(String name) {
    return TestModels.resource("enroll/" + name).toString();
  }

  /** A corpus of 6 LibriSpeech clips (3 train, 1 calibration, ...) and the noise clip. */
  @BeforeAll
  static void smallCorpus() throws Exception {
    TestModels.model(ModelCatalog.OWW_EMBEDDING);
    TestModels.model(ModelCatalog.SILERO_VAD_V5);
    Path shared = TestModels.corpus("noise_1000ms.wav").getParent();
    corpus = tmp.resolve("corpus");
    Files.createDirectories(corpus.resolve("librispeech"));
    try (var s = Files.list(shared.resolve("librispeech"))) {
      for (Path p : s.sorted().limit(8).toList()) {
        Files.createSymbolicLink(corpus.resolve("librispeech").resolve(p.getFileName()), p);
      }
    }
    Files.createSymbolicLink(
        corpus.resolve("noise_1000ms.wav"), shared.resolve("noise_1000ms.wav"));
  }

  @Test
  void enrollsFromThreeWavFilesAndDetectsTheWordWithTheTask() {
    Path task = tmp.resolve("hey_nova.task");
    Run r =
        run(
            "enroll",
            "--name",
            "hey_nova",
            fixture("hey_nova_take1.wav"),
            fixture("hey_nova_take2.wav"),
            fixture("hey_nova_take3.wav"),
            "--out",
            task.toString(),
            "--corpus",
            corpus.toString(),
            "--augmentations",
            "4");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().startsWith("Enrolled 'hey_nova' from 3 takes"), r.out());
    assertTrue(r.out().contains("expected recall"), r.out());
    assertTrue(Files.isRegularFile(task));

    Run w = run("wakeword", fixture("hey_nova_take2.wav"), "--task", task.toString(), "--json");
    assertEquals(0, w.code(), w.toString());
    assertTrue(w.out().matches("(?s)\\{\"detections\":\\[\\{\"time\":.*"), w.out());

    Run both =
        run(
            "wakeword",
            fixture("hey_nova_take2.wav"),
            "-k",
            "hey_mycroft",
            "--task",
            task.toString());
    assertEquals(0, both.code(), both.toString());
    assertTrue(both.out().contains("[hey_mycroft, hey_nova]"), both.out());
    assertTrue(both.out().contains("hey_nova at "), both.out());

    Run live =
        run("run", fixture("hey_nova_take2.wav"), "-k", "hey_mycroft", "--task", task.toString());
    assertEquals(0, live.code(), live.toString());
    assertTrue(live.out().contains("hey_nova"), live.out());
  }

  @Test
  void aBadTakeIsRefusedInOneLineNamingIt() {
    Run r =
        run(
            "enroll",
            "--name",
            "hey_nova",
            fixture("hey_nova_take1.wav"),
            fixture("bad_clipped.wav"),
            fixture("hey_nova_take3.wav"),
            "--out",
            tmp.resolve("x.task").toString(),
            "--corpus",
            corpus.toString());
    assertOneLineError(r, 1, "take 2 (");
    assertTrue(r.err().contains("clipped"), r.err());
  }

  @Test
  void tooFewTakesOrABadNameAreUsageErrors() {
    String out = tmp.resolve("x.task").toString();
    assertOneLineError(
        run("enroll", "--name", "hey_nova", fixture("hey_nova_take1.wav"), "--out", out),
        2,
        "expected 3 to 5 takes");
    assertOneLineError(
        run(
            "enroll",
            "--name",
            "hey nova",
            fixture("hey_nova_take1.wav"),
            fixture("hey_nova_take2.wav"),
            fixture("hey_nova_take3.wav"),
            "--out",
            out),
        2,
        "hey_nova");
  }

  @Test
  void corruptAndForeignTaskFilesAreRefusedInOneLine() throws Exception {
    Path bad = tmp.resolve("bad.task");
    Files.writeString(bad, "not a task");
    assertOneLineError(
        run("wakeword", fixture("hey_nova_take1.wav"), "--task", bad.toString()), 1, "bad.task");
    assertOneLineError(
        run("run", fixture("hey_nova_take1.wav"), "--task", bad.toString()), 1, "bad.task");
  }

  @Test
  void anEnrolledWordNamedAsALoadedPreTrainedOneIsRefusedInOneLine() throws Exception {
    Path clash = tmp.resolve("clash.task");
    new dev.stapes.models.enroll.WakeWordTask(
            "hey_mycroft",
            new dev.stapes.models.enroll.LogisticHead(new float[16 * 96], 0f),
            0,
            ModelCatalog.OWW_EMBEDDING,
            dev.stapes.models.enroll.WakeWordTask.currentBaseSha256(),
            java.util.Map.of())
        .write(clash);
    assertOneLineError(
        run(
            "wakeword",
            fixture("hey_nova_take1.wav"),
            "-k",
            "hey_mycroft",
            "--task",
            clash.toString()),
        1,
        "name a word twice");
  }

  @Test
  void micPromptsPerTakeAndAsksAgainForABadOne() throws Exception {
    Deque<float[]> takes = new ArrayDeque<>();
    takes.add(AudioFiles.readMono(Path.of(fixture("bad_quiet.wav")), 16000));
    for (int i = 1; i <= 3; i++) {
      takes.add(AudioFiles.readMono(Path.of(fixture("hey_nova_take" + i + ".wav")), 16000));
    }
    var saved = EnrollCommand.recorders;
    EnrollCommand.recorders =
        () ->
            new EnrollCommand.TakeRecorder() {
              @Override
              public float[] record(double seconds, java.util.function.DoubleConsumer level) {
                float[] a = takes.removeFirst();
                level.accept(Math.abs(a[a.length / 2]));
                return a;
              }

              @Override
              public void close() {}
            };
    try {
      Run r =
          run(
              "enroll",
              "--name",
              "hey_nova",
              "--mic",
              "--out",
              tmp.resolve("mic.task").toString(),
              "--corpus",
              corpus.toString(),
              "--augmentations",
              "2",
              "--speaker-lock");
      assertEquals(0, r.code(), r.toString());
      assertTrue(r.out().contains("Take 1 of 3: say 'hey nova' once"), r.out());
      assertTrue(r.out().contains("take 1 refused: too quiet"), r.out());
      assertTrue(r.out().contains("level ["), r.out());
      assertTrue(r.out().contains("Enrolled 'hey_nova' from 3 takes"), r.out());
      assertTrue(takes.isEmpty());
      assertTrue(
          dev.stapes.models.enroll.WakeWordTask.read(tmp.resolve("mic.task")).verifier() != null);
    } finally {
      EnrollCommand.recorders = saved;
    }
  }

  @Test
  void helpListsTheFlags() {
    Run r = run("enroll", "--help");
    assertEquals(0, r.code());
    for (String f : List.of("--name", "--mic", "--out", "--negatives", "--target-fa", "--corpus")) {
      assertTrue(r.out().contains(f), f);
    }
  }
}
