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

  /** Whether {@code f} is one of the LibriSpeech clips (the rest: the named test clips). */
  static boolean librispeech(Path f) {
    return f.getParent().getFileName().toString().equals("librispeech");
  }

  /**
   * The files whose wake-word result is checked against the pipeline run directly: every clip
   * outside LibriSpeech (alexa_test.wav, the one labelled positive, among them) and every tenth
   * LibriSpeech clip in sorted order (the direct run is the slow half of the test).
   */
  static List<Path> wakewordReference() {
    List<Path> ref = new ArrayList<>();
    List<Path> libri = corpus.stream().filter(CorpusJobTest::librispeech).toList();
    for (int i = 0; i < libri.size(); i += 10) {
      ref.add(libri.get(i));
    }
    corpus.stream().filter(f -> !librispeech(f)).forEach(ref::add);
    return ref;
  }

  @Test
  void wakewordOverATableEqualsThePipelineRunDirectlyAndTheCommandAndEvaluates() throws Exception {
    Path table = tmp.resolve("ww.csv");
    StringBuilder csv = new StringBuilder("path,label\n");
    for (Path f : corpus) {
      String name = f.getFileName().toString();
      csv.append(f).append(',').append(name.startsWith("alexa") ? "alexa" : "").append('\n');
    }
    Path missing = tmp.resolve("no-such-clip.wav");
    csv.append(missing).append(",\n");
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
    assertTrue(run.out().contains("files (1 failed)"), run.out());
    Map<String, Row> rows = byPath(out.resolve("results"));
    assertEquals(corpus.size() + 1, rows.size());
    Row gone = rows.get(missing.toString());
    assertFalse(gone.getBoolean(gone.fieldIndex("ok")));
    String goneError = gone.getString(gone.fieldIndex("error"));
    assertTrue(goneError.contains(missing.toString()) && !goneError.contains("\n"), goneError);
    List<Path> reference = wakewordReference();
    assertTrue(reference.contains(TestModels.corpus("alexa_test.wav")), reference.toString());
    Map<Path, List<WakeWordDetection>> direct = new java.util.concurrent.ConcurrentHashMap<>();
    try (Pipeline p =
        Pipelines.open(
            "wakeword",
            PipelineConfig.defaults().withStore(TestModels.store()).withVariant("alexa"))) {
      // the same pipeline run directly on the whole file, padded as ./stapes wakeword pads it
      reference.parallelStream()
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
    long negativeDetections = 0;
    double negativeSeconds = 0;
    int alexaHit = 0;
    for (Path f : corpus) {
      Row r = rows.get(f.toString());
      assertTrue(r.getBoolean(r.fieldIndex("ok")), f + ": " + r.getString(r.fieldIndex("error")));
      List<Row> ev = events(r);
      List<WakeWordDetection> want = direct.get(f);
      if (want != null) {
        assertEquals(want.size(), ev.size(), f.toString());
        for (int i = 0; i < ev.size(); i++) {
          Row e = ev.get(i);
          assertEquals(want.get(i).keyword(), e.getString(e.fieldIndex("label")));
          assertEquals(Math.max(0, want.get(i).time() - 1.5), e.getDouble(e.fieldIndex("time_s")));
          // the detection carries the utterance's peak; the row's score is the crossing's
          assertEquals(want.get(i).score(), e.getFloat(e.fieldIndex("peak")));
          float crossing = e.getFloat(e.fieldIndex("score"));
          assertTrue(crossing >= 0.5f && crossing <= want.get(i).score(), f + ": " + crossing);
        }
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
    corpus.stream().filter(f -> !librispeech(f)).toList().parallelStream()
        .forEach(f -> wakewordCommandMatches(f, rows));
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

  /** {@code ./stapes wakeword F --keyword alexa --json} prints what the job's row holds. */
  static void wakewordCommandMatches(Path f, Map<String, Row> rows) {
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

  @Test
  void kwsOverAParquetTableOfRelativePathsEqualsTheKwsCommand() throws Exception {
    List<Path> few =
        List.of(
            TestModels.corpus("yes_1000ms.wav"),
            TestModels.corpus("no_1000ms.wav"),
            TestModels.corpus("silence_1000ms.wav"),
            TestModels.corpus("jfk_16k.wav"));
    Path in = Files.createDirectories(tmp.resolve("kws-in"));
    List<Row> listed = new ArrayList<>();
    for (Path f : few) {
      Files.copy(f, in.resolve(f.getFileName()));
      String name = f.getFileName().toString();
      listed.add(
          org.apache.spark.sql.RowFactory.create(name, name.substring(0, name.indexOf('_'))));
    }
    listed.add(org.apache.spark.sql.RowFactory.create("missing.wav", "missing"));
    org.apache.spark.sql.types.StructType schema =
        new org.apache.spark.sql.types.StructType()
            .add("path", org.apache.spark.sql.types.DataTypes.StringType)
            .add("label", org.apache.spark.sql.types.DataTypes.StringType);
    Path table = in.resolve("table.parquet");
    spark.createDataFrame(listed, schema).coalesce(1).write().parquet(table.toString());
    Path out = tmp.resolve("kws-out");
    Run run = stapes("corpus", "kws", table.toString(), "--out", out.toString());
    assertEquals(0, run.exit(), run.err());
    assertTrue(run.out().contains("5 files (1 failed)"), run.out());
    Map<String, Row> rows = byPath(out.resolve("results"));
    assertEquals(few.size() + 1, rows.size(), rows.keySet().toString());
    Row gone = rows.get(in.resolve("missing.wav").toString());
    assertNotNull(gone, rows.keySet().toString());
    assertFalse(gone.getBoolean(gone.fieldIndex("ok")));
    assertEquals("missing", gone.getString(gone.fieldIndex("label")));
    String goneError = gone.getString(gone.fieldIndex("error"));
    assertTrue(goneError.contains("missing.wav") && !goneError.contains("\n"), goneError);
    int detections = 0;
    for (Path f : few) {
      Path copy = in.resolve(f.getFileName());
      Row r = rows.get(copy.toString());
      assertNotNull(r, copy.toString());
      assertTrue(
          r.getBoolean(r.fieldIndex("ok")), copy + ": " + r.getString(r.fieldIndex("error")));
      String name = f.getFileName().toString();
      assertEquals(name.substring(0, name.indexOf('_')), r.getString(r.fieldIndex("label")));
      StringBuilder got = new StringBuilder("{\"detections\":[");
      List<Row> ev = events(r);
      for (int i = 0; i < ev.size(); i++) {
        Row e = ev.get(i);
        assertEquals(FileJob.KEYWORD, e.getString(e.fieldIndex("kind")));
        got.append(i == 0 ? "" : ",")
            .append("{\"time\":")
            .append(s3(e.getDouble(e.fieldIndex("time_s"))))
            .append(",\"label\":\"")
            .append(e.getString(e.fieldIndex("label")))
            .append("\",\"score\":")
            .append(s4(e.getFloat(e.fieldIndex("score"))))
            .append('}');
      }
      got.append("]}");
      detections += ev.size();
      Run cli = stapes("kws", f.toString(), "--json");
      assertEquals(0, cli.exit(), cli.err());
      assertEquals(cli.out().trim(), got.toString(), f.toString());
    }
    Row yes = rows.get(in.resolve("yes_1000ms.wav").toString());
    assertTrue(
        events(yes).stream().anyMatch(e -> "yes".equals(e.getString(e.fieldIndex("label")))),
        "yes_1000ms.wav: " + events(yes));
    assertTrue(detections > 0);
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
    // --files: each matrix as OUT/features/ID.npy, [frames, bins], equal to the command's .npy
    Path fout = tmp.resolve("feat-files-out");
    run = stapes("corpus", "features", in.toString(), "--files", "--out", fout.toString());
    assertEquals(0, run.exit(), run.err());
    rows = byPath(fout.resolve("results"));
    for (Path f : few) {
      Row r = rows.get(in.resolve(f.getFileName()).toString());
      assertTrue(r.isNullAt(r.fieldIndex("frames")), f.toString());
      Path written = Path.of(r.getString(r.fieldIndex("output_file")));
      assertEquals(
          fout.resolve("features").resolve(r.getLong(r.fieldIndex("file_id")) + ".npy"), written);
      dev.stapes.engine.NpyArray got = Npy.read(written);
      dev.stapes.engine.NpyArray want = Npy.read(tmp.resolve(f.getFileName() + ".npy"));
      assertArrayEquals(want.shape(), got.shape(), f.toString());
      assertEquals(2, got.rank(), f.toString());
      assertArrayEquals(want.toFloatArray(), got.toFloatArray(), f.toString());
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
