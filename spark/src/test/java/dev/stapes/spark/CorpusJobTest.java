package dev.stapes.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.audio.AudioFiles;
import dev.stapes.audio.WavReader;
import dev.stapes.cli.StapesCli;
import dev.stapes.engine.Json;
import dev.stapes.engine.Npy;
import dev.stapes.models.Pipeline;
import dev.stapes.models.PipelineConfig;
import dev.stapes.models.PipelineSink;
import dev.stapes.models.PipelineStream;
import dev.stapes.models.Pipelines;
import dev.stapes.models.TestModels;
import dev.stapes.models.wakeword.WakeWordDetection;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./stapes corpus} in local mode on the shared corpus: every file's result equals the
 * single-machine command's output ({@code ./stapes vad}, {@code wakeword}, {@code features}, {@code
 * enhance}) or the same pipeline run directly; corrupt and empty files are rows.
 */
class CorpusJobTest {

  @TempDir static Path tmp;

  static SparkSession spark;
  static List<Path> corpus;

  @BeforeAll
  static void start() throws Exception {
    Path dir = TestModels.corpus("alexa_test.wav").getParent();
    try (Stream<Path> s = Files.walk(dir)) {
      corpus = s.filter(Files::isRegularFile).filter(CorpusInput::isAudio).sorted().toList();
    }
    assertTrue(corpus.size() >= 126, "corpus files: " + corpus.size());
    // the command reuses this session and leaves it running
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("CorpusJobTest")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate();
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  /** Exit code, stdout and stderr of {@code ./stapes ARGS} in this JVM. */
  record Run(int exit, String out, String err) {}

  static Run stapes(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = StapesCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  static String s3(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }

  static String s4(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }

  static Map<String, Row> byPath(Path results) {
    Map<String, Row> m = new HashMap<>();
    for (Row r : spark.read().parquet(results.toString()).collectAsList()) {
      m.put(r.getString(r.fieldIndex("path")), r);
    }
    return m;
  }

  static List<Row> events(Row r) {
    List<Row> l = r.getList(r.fieldIndex("events"));
    return l == null ? List.of() : l;
  }

  @Test
  void vadOverADirectoryEqualsTheVadCommandOnEveryFileAndReportsBadFilesAsRows() throws Exception {
    Path in = Files.createDirectories(tmp.resolve("vad-in"));
    for (Path f : corpus) {
      Path link = in.resolve(f.getParent().getFileName() + "-" + f.getFileName());
      Files.copy(f, link);
    }
    Path corrupt = in.resolve("corrupt.wav");
    Files.write(corrupt, "RIFF\u0010\u0000\u0000\u0000WAVEjunkjunkjunk".getBytes());
    Path empty = Files.createFile(in.resolve("empty.wav"));
    Path out = tmp.resolve("vad-out");
    Run run = stapes("corpus", "vad", in.toString(), "--out", out.toString());
    assertEquals(0, run.exit(), run.err());
    assertTrue(run.out().contains("files (2 failed)"), run.out());
    Map<String, Row> rows = byPath(out.resolve("results"));
    assertEquals(corpus.size() + 2, rows.size());
    for (Path bad : List.of(corrupt, empty)) {
      Row r = rows.get(bad.toString());
      assertNotNull(r, bad.toString());
      assertFalse(r.getBoolean(r.fieldIndex("ok")));
      String error = r.getString(r.fieldIndex("error"));
      assertTrue(error != null && !error.isBlank() && !error.contains("\n"), error);
    }
    // both cores: the command opens its model per file
    corpus.parallelStream()
        .forEach(
            f -> {
              Path link = in.resolve(f.getParent().getFileName() + "-" + f.getFileName());
              Row r = rows.get(link.toString());
              assertTrue(
                  r.getBoolean(r.fieldIndex("ok")),
                  link + ": " + r.getString(r.fieldIndex("error")));
              StringBuilder got = new StringBuilder("{\"segments\":[");
              List<Row> ev = events(r);
              for (int i = 0; i < ev.size(); i++) {
                Row e = ev.get(i);
                assertEquals(FileJob.SPEECH, e.getString(e.fieldIndex("kind")));
                got.append(i == 0 ? "" : ",")
                    .append("{\"start\":")
                    .append(s3(e.getDouble(e.fieldIndex("start_s"))))
                    .append(",\"end\":")
                    .append(s3(e.getDouble(e.fieldIndex("end_s"))))
                    .append('}');
              }
              got.append("]}");
              Run cli = stapes("vad", f.toString(), "--json");
              assertEquals(0, cli.exit(), cli.err());
              assertEquals(cli.out().trim(), got.toString(), f.toString());
            });
    String summary = Files.readString(out.resolve("summary.json"));
    assertTrue(summary.contains("\"failed\": 2"), summary);
  }

  @Test
  void wakewordOverATableEqualsThePipelineRunDirectlyAndTheCommandAndEvaluates() throws Exception {
    Path table = tmp.resolve("ww.csv");
    StringBuilder csv = new StringBuilder("path,label\n");
    for (Path f : corpus) {
      String name = f.getFileName().toString();
      csv.append(f).append(',').append(name.startsWith("alexa") ? "alexa" : "").append('\n');
    }
    Files.writeString(table, csv);
    Path out = tmp.resolve("ww-out");
    Run run =
        stapes(
            "corpus",
            "wakeword",
            table.toString(),
            "--variant",
            "alexa",
            "--eval",
            "--out",
            out.toString());
    assertEquals(0, run.exit(), run.err());
    Map<String, Row> rows = byPath(out.resolve("results"));
    assertEquals(corpus.size(), rows.size());
    long negativeDetections = 0;
    double negativeSeconds = 0;
    int alexaHit = 0;
    Map<Path, List<WakeWordDetection>> direct = new java.util.concurrent.ConcurrentHashMap<>();
    try (Pipeline p =
        Pipelines.open(
            "wakeword",
            PipelineConfig.defaults().withStore(TestModels.store()).withVariant("alexa"))) {
      // the same pipeline run directly on the whole file, padded as ./stapes wakeword pads it
      corpus.parallelStream()
          .forEach(
              f -> {
                List<WakeWordDetection> d = new ArrayList<>();
                try {
                  float[] raw = AudioFiles.readMono(f, 16000);
                  float[] audio = new float[raw.length + 2 * 24000];
                  System.arraycopy(raw, 0, audio, 24000, raw.length);
                  try (PipelineStream s =
                      p.newStream(PipelineSink.collect(WakeWordDetection.class, d))) {
                    s.push(audio, 0, audio.length);
                    s.endOfInput();
                  }
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
                direct.put(f, d);
              });
    }
    for (Path f : corpus) {
      Row r = rows.get(f.toString());
      assertTrue(r.getBoolean(r.fieldIndex("ok")), f + ": " + r.getString(r.fieldIndex("error")));
      List<WakeWordDetection> want = direct.get(f);
      List<Row> ev = events(r);
      assertEquals(want.size(), ev.size(), f.toString());
      for (int i = 0; i < ev.size(); i++) {
        Row e = ev.get(i);
        assertEquals(want.get(i).keyword(), e.getString(e.fieldIndex("label")));
        assertEquals(Math.max(0, want.get(i).time() - 1.5), e.getDouble(e.fieldIndex("time_s")));
        assertEquals(want.get(i).score(), e.getFloat(e.fieldIndex("score")));
      }
      // the sweep at the operating threshold (index 9: 0.50) counts the events' detections
      Map<String, scala.collection.Seq<Integer>> sweeps = r.getJavaMap(r.fieldIndex("sweep"));
      List<Integer> sweep = scala.jdk.javaapi.CollectionConverters.asJava(sweeps.get("alexa"));
      assertEquals(ev.size(), (int) sweep.get(9), f + " sweep at 0.5: " + sweep);
      if (f.getFileName().toString().startsWith("alexa")) {
        alexaHit += ev.isEmpty() ? 0 : 1;
      } else {
        negativeDetections += ev.size();
        negativeSeconds += r.getDouble(r.fieldIndex("duration_s"));
      }
    }
    assertEquals(1, alexaHit, "alexa_test.wav is heard");
    // the command's own output on the files that are not LibriSpeech (a few: each opens the model)
    for (Path f : corpus) {
      if (f.getParent().getFileName().toString().equals("librispeech")) {
        continue;
      }
      Run cli = stapes("wakeword", f.toString(), "--keyword", "alexa", "--json");
      assertEquals(0, cli.exit(), cli.err());
      Row r = rows.get(f.toString());
      StringBuilder got = new StringBuilder("{\"detections\":[");
      List<Row> ev = events(r);
      for (int i = 0; i < ev.size(); i++) {
        Row e = ev.get(i);
        got.append(i == 0 ? "" : ",")
            .append("{\"time\":")
            .append(s3(e.getDouble(e.fieldIndex("time_s"))))
            .append(",\"score\":")
            .append(s4(e.getFloat(e.fieldIndex("peak"))))
            .append('}');
      }
      got.append("],\"max_score\":")
          .append(s4(r.<String, Float>getJavaMap(r.fieldIndex("max_score")).get("alexa")))
          .append('}');
      assertEquals(cli.out().trim(), got.toString(), f.toString());
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> eval =
        (Map<String, Object>) Json.parse(Files.readString(out.resolve("eval.json")));
    @SuppressWarnings("unchecked")
    Map<String, Object> alexa =
        (Map<String, Object>) ((Map<String, Object>) eval.get("heads")).get("alexa");
    assertEquals((double) negativeDetections, (Double) alexa.get("false_accepts"));
    assertEquals(
        negativeDetections / (negativeSeconds / 3600), (Double) alexa.get("fa_per_hour"), 1e-3);
    assertEquals(1.0, (Double) alexa.get("recall"));
    byte[] png = Files.readAllBytes(out.resolve("det.png"));
    assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G');
  }

  @Test
  void featuresAndEnhanceEqualTheirCommandsOnAFewFiles() throws Exception {
    List<Path> few = List.of(TestModels.corpus("jfk_16k.wav"), TestModels.corpus("hey_jane.wav"));
    Path in = Files.createDirectories(tmp.resolve("few"));
    for (Path f : few) {
      Files.copy(f, in.resolve(f.getFileName()));
    }
    Path out = tmp.resolve("feat-out");
    Run run = stapes("corpus", "features", in + "/*.wav", "--out", out.toString());
    assertEquals(0, run.exit(), run.err());
    Map<String, Row> rows = byPath(out.resolve("results"));
    for (Path f : few) {
      Row r = rows.get(in.resolve(f.getFileName()).toString());
      Path npy = tmp.resolve(f.getFileName() + ".npy");
      Run cli =
          stapes(
              "features",
              f.toString(),
              "--preset",
              "kaldi-fbank",
              "--chunk-ms",
              "10",
              "--out",
              npy.toString());
      assertEquals(0, cli.exit(), cli.err());
      float[] want = Npy.read(npy).toFloatArray();
      List<scala.collection.Seq<Float>> frames = r.getList(r.fieldIndex("frames"));
      int bins = frames.get(0).size();
      assertEquals(want.length, frames.size() * bins, f.toString());
      float[] got = new float[want.length];
      for (int i = 0; i < frames.size(); i++) {
        for (int j = 0; j < bins; j++) {
          got[i * bins + j] = frames.get(i).apply(j);
        }
      }
      assertArrayEquals(want, got, f.toString());
    }
    Path eout = tmp.resolve("enh-out");
    run = stapes("corpus", "enhance", in.toString(), "--out", eout.toString());
    assertEquals(0, run.exit(), run.err());
    rows = byPath(eout.resolve("results"));
    for (Path f : few) {
      Row r = rows.get(in.resolve(f.getFileName()).toString());
      Path wav = tmp.resolve(f.getFileName() + ".enh.wav");
      Run cli = stapes("enhance", f.toString(), "--out", wav.toString());
      assertEquals(0, cli.exit(), cli.err());
      float[] want = read(wav);
      float[] got = read(Path.of(r.getString(r.fieldIndex("output_file"))));
      assertArrayEquals(want, got, f.toString());
    }
  }

  static float[] read(Path wav) throws Exception {
    try (WavReader r = WavReader.open(wav)) {
      assertEquals(16000, r.info().sampleRate());
    }
    return AudioFiles.readMono(wav, 16000);
  }

  @Test
  void badInputIsOneLineAndExitTwo() throws Exception {
    Path noAudio = Files.createDirectories(tmp.resolve("no-audio"));
    Files.writeString(noAudio.resolve("notes.txt"), "no audio here");
    Path file = Files.writeString(tmp.resolve("a-file"), "x");
    String[][] cases = {
      {"corpus", "vad", tmp.resolve("missing").toString(), "--out", tmp.resolve("o1").toString()},
      {"corpus", "nosuch", noAudio.toString(), "--out", tmp.resolve("o2").toString()},
      {"corpus", "vad", noAudio.toString(), "--out", tmp.resolve("o3").toString()},
      {"corpus", "vad", noAudio.toString(), "--out", file.resolve("sub").toString()},
      {
        "corpus",
        "wakeword",
        noAudio.toString(),
        "--variant",
        "nosuch",
        "--out",
        tmp.resolve("o4").toString()
      },
    };
    String[] expect = {
      "no such file or directory",
      "expected one of [vad, wakeword",
      "no audio files",
      "cannot write",
      "nosuch"
    };
    for (int i = 0; i < cases.length; i++) {
      Run r = stapes(cases[i]);
      assertEquals(2, r.exit(), String.join(" ", cases[i]) + ": " + r.err());
      String err = r.err().trim();
      assertFalse(err.contains("\n") || err.contains("\tat "), err);
      assertTrue(err.startsWith("stapes corpus: ") && err.contains(expect[i]), err);
    }
  }
}
