package dev.stapes.spark;

import dev.stapes.cli.CliPlugin;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.Pipeline;
import dev.stapes.models.PipelineConfig;
import dev.stapes.models.Pipelines;
import dev.stapes.models.wakeword.WakeWordDetector;
import dev.stapes.store.ModelStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./stapes corpus PIPELINE INPUT --out OUT}: a pipeline over every file of a corpus on Spark
 * (local mode by default), results as Parquet; {@code --eval}: false accepts per hour, recall and
 * the detection-error-tradeoff table of wake words.
 */
@Command(
    name = "corpus",
    mixinStandardHelpOptions = true,
    description = {
      "Run a pipeline over every file of a corpus on Apache Spark (local mode unless --master"
          + " names a cluster): one row per file in OUT/results (Parquet), a decode error as a"
          + " row with its message; OUT/summary.json; with --eval, OUT/eval.json and OUT/det.png.",
      "INPUT: a directory (every .wav and .flac under it), a glob, or a .csv (with a header) or"
          + " .parquet table with a 'path' column and an optional 'label' column."
    })
public final class CorpusCommand implements Callable<Integer> {

  /** Registers {@code corpus} with the command line of stapes-spark.jar. */
  public static final class Plugin implements CliPlugin {
    /** Needed by {@link java.util.ServiceLoader}. */
    public Plugin() {}

    @Override
    public Object command() {
      return new CorpusCommand();
    }
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "PIPELINE",
      description =
          "vad, wakeword, kws, features" + " or enhance (./stapes models list names their models).")
  String pipeline;

  @Parameters(index = "1", paramLabel = "INPUT", description = "Directory, glob or table.")
  String input;

  @Option(names = "--out", required = true, paramLabel = "OUT", description = "Output directory.")
  Path out;

  @Option(
      names = "--master",
      paramLabel = "URL",
      description =
          "Spark master: local[N] or spark://host:port (default: spark-submit's, else"
              + " local[--threads]).")
  String master;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "Executor threads in local mode (default: the cores of this machine).")
  Integer threads;

  @Option(
      names = "--variant",
      paramLabel = "V",
      description =
          "The pipeline's variant: wake words for wakeword (comma separated; default every"
              + " one), the preset for features.")
  String variant;

  @Option(
      names = "--pad",
      paramLabel = "S",
      description =
          "Silence before and after each file, in seconds (default: 1.5 for wakeword, as"
              + " ./stapes wakeword; else 0). Times are reported without it.")
  Double pad;

  @Option(
      names = "--eval",
      description =
          "Wake words: false accepts per hour over unlabelled (or 'negative') files, recall over"
              + " files labelled with the wake word, over --thresholds: OUT/eval.json, OUT/det.png.")
  boolean eval;

  @Option(
      names = "--thresholds",
      paramLabel = "FROM:TO:STEP",
      description = "Thresholds of the sweep (default: ${DEFAULT-VALUE}).",
      defaultValue = "0.05:0.95:0.05")
  String thresholdSpec;

  @Option(
      names = "--threshold",
      paramLabel = "P",
      description = "The operating threshold reported in eval.json (default: ${DEFAULT-VALUE}).",
      defaultValue = "0.5")
  float threshold;

  @Option(
      names = "--files",
      description =
          "Feature matrices as OUT/features/ID.npy instead of arrays in the rows (enhanced"
              + " audio is always written as OUT/audio/ID.wav).")
  boolean files;

  @Option(
      names = "--partitions",
      paramLabel = "N",
      description =
          "Spark partitions of the file list (default: 8 per thread, at most one per file).")
  Integer partitions;

  @Option(
      names = "--direct",
      description =
          "Run in this process without Spark, on one thread: the single-process baseline"
              + " (OUT/summary.json only).")
  boolean direct;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter o = spec.commandLine().getOut();
    if (!Pipelines.names().contains(pipeline)) {
      throw usage("pipeline=" + pipeline + ", expected one of " + Pipelines.names());
    }
    if (threads != null && (threads < 1 || threads > 4096)) {
      throw usage("--threads=" + threads + ", expected 1 to 4096");
    }
    if (partitions != null && (partitions < 1 || partitions > 1_000_000)) {
      throw usage("--partitions=" + partitions + ", expected 1 to 1000000");
    }
    double padS = pad != null ? pad : "wakeword".equals(pipeline) ? 1.5 : 0;
    if (!(padS >= 0 && padS <= 60)) {
      throw usage("--pad=" + padS + " s, expected 0 to 60 s");
    }
    if (eval && !"wakeword".equals(pipeline)) {
      throw usage("--eval is for pipeline 'wakeword', not '" + pipeline + "'");
    }
    float[] sweep = "wakeword".equals(pipeline) ? thresholds(thresholdSpec) : new float[0];
    if (eval && !(threshold > 0 && threshold <= 1)) {
      throw usage("--threshold=" + threshold + ", expected (0, 1]");
    }
    List<String> heads = heads();
    Path outDir = prepareOut();
    List<CorpusInput.Item> items = CorpusInput.isTable(input) ? null : list();
    ModelStore store = ModelStore.fromEnvironment();
    String warn = ModelStore.mirrorWarning(System.getenv(ModelStore.MIRROR_ENV));
    if (warn != null) {
      err.println("stapes: warning: " + warn);
    }
    for (String h : heads) { // fetches and checks the models once, on the driver
      try (Pipeline p =
          Pipelines.open(pipeline, PipelineConfig.defaults().withStore(store).withVariant(h))) {
        p.name();
      } catch (IllegalArgumentException e) {
        throw usage(e.getMessage());
      }
    }
    ModelBundle bundle = ModelBundle.of(pipeline, store);
    FileJob.Output output =
        files || "enhance".equals(pipeline) ? FileJob.Output.FILES : FileJob.Output.ROWS;
    int rearm = (int) Math.ceil(WakeWordDetector.DEFAULT_REARM_SECONDS / 0.08);
    String command =
        "./stapes corpus "
            + String.join(" ", spec.commandLine().getParseResult().originalArgs())
                .replaceFirst("^corpus ", "");
    if (direct) {
      if (items == null) {
        throw usage("--direct takes a directory or a glob, not a table");
      }
      FileJob job =
          new FileJob(pipeline, heads, padS, sweep, rearm, output, outDir.toString(), null, bundle);
      return runDirect(job, items, outDir, command, o, err);
    }
    int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
    SparkConf conf = new SparkConf().setAppName("stapes corpus " + pipeline);
    if (master != null) {
      conf.setMaster(master);
    } else if (!conf.contains("spark.master")) {
      conf.setMaster("local[" + n + "]");
    }
    if (conf.get("spark.master").startsWith("local")) {
      // one JVM: no network name to resolve (a machine whose hostname does not resolve works)
      conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
      conf.setIfMissing("spark.driver.host", "127.0.0.1");
    }
    conf.setIfMissing("spark.ui.enabled", "false");
    conf.setIfMissing("spark.ui.showConsoleProgress", "false");
    conf.setIfMissing("spark.sql.shuffle.partitions", String.valueOf(Math.max(1, n)));
    boolean owned = SparkSession.getDefaultSession().isEmpty(); // else a caller's (tests)
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    String masterUrl = spark.sparkContext().master();
    boolean local = masterUrl.startsWith("local");
    try {
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      if (items == null) {
        items = table(spark);
      }
      List<Row> rows = new ArrayList<>(items.size());
      for (int i = 0; i < items.size(); i++) {
        rows.add(RowFactory.create((long) i, items.get(i).path(), items.get(i).label()));
      }
      int parts =
          partitions != null
              ? partitions
              : Math.max(1, Math.min(items.size(), 8 * sc.defaultParallelism()));
      Broadcast<ModelBundle> models = sc.broadcast(bundle);
      FileJob job =
          new FileJob(pipeline, heads, padS, sweep, rearm, output, outDir.toString(), models, null);
      LongAccumulator done = sc.sc().longAccumulator("files");
      DoubleAccumulator audio = sc.sc().doubleAccumulator("audio seconds");
      JavaRDD<Row> results =
          sc.parallelize(rows, parts)
              .map(
                  r -> {
                    Row res = job.process(r);
                    done.add(1);
                    audio.add(res.getDouble(7));
                    return res;
                  });
      Dataset<Row> df = spark.createDataFrame(results, FileJob.SCHEMA);
      err.printf(
          Locale.ROOT,
          "stapes corpus: %s over %d files, %d partitions, master %s, models %d file(s), %.1f MB"
              + " broadcast%n",
          pipeline,
          items.size(),
          parts,
          masterUrl,
          bundle.size(),
          bundle.bytes() / 1e6);
      err.flush();
      long t0 = System.nanoTime();
      long cpu0 = processCpuNanos();
      Progress progress = new Progress(err, items.size(), done, audio, t0);
      Thread bar = new Thread(progress, "stapes-corpus-progress");
      bar.setDaemon(true);
      if (local) {
        bar.start();
      }
      Path results0 = outDir.resolve("results");
      df.write().mode(SaveMode.Overwrite).parquet(results0.toString());
      double wall = (System.nanoTime() - t0) / 1e9;
      double cpu = local ? (processCpuNanos() - cpu0) / 1e9 : Double.NaN;
      progress.stop();
      if (local) {
        bar.join(2000);
      }
      Dataset<Row> back = spark.read().parquet(results0.toString());
      Row agg =
          back.agg(
                  functions.count(functions.lit(1)),
                  functions.sum(functions.when(functions.col("ok"), 1).otherwise(0)),
                  functions.sum("duration_s"),
                  functions.sum("process_s"))
              .first();
      long total = agg.getLong(0);
      long ok = agg.isNullAt(1) ? 0 : agg.getLong(1);
      double seconds = agg.isNullAt(2) ? 0 : agg.getDouble(2);
      double busy = agg.isNullAt(3) ? 0 : agg.getDouble(3);
      int cores = sc.defaultParallelism();
      writeSummary(outDir, command, total, ok, seconds, wall, busy, cpu, cores, masterUrl);
      List<Row> failed =
          back.filter(functions.not(functions.col("ok")))
              .select("path", "error")
              .limit(5)
              .collectAsList();
      for (Row f : failed) {
        err.println("stapes corpus: " + f.getString(0) + ": " + f.getString(1));
      }
      o.printf(
          Locale.ROOT,
          "%d files (%d failed), %.3f h of audio in %.1f s on %d core(s): %.1f h of audio per"
              + " core-hour%s -> %s%n",
          total,
          total - ok,
          seconds / 3600,
          wall,
          cores,
          seconds / (wall * cores),
          Double.isNaN(cpu)
              ? ""
              : String.format(Locale.ROOT, ", %.1f per CPU-hour of this process", seconds / cpu),
          results0);
      if (eval) {
        Evaluation ev = new Evaluation(sweep);
        Iterator<Row> it = back.select("label", "ok", "duration_s", "sweep").toLocalIterator();
        ev.addAll(it);
        writeEval(ev, outDir, command, o);
      }
      o.flush();
      return 0;
    } finally {
      if (local) {
        FileJob.closeAll();
      }
      if (owned) {
        spark.stop();
      }
    }
  }

  private int runDirect(
      FileJob job,
      List<CorpusInput.Item> items,
      Path outDir,
      String command,
      PrintWriter o,
      PrintWriter err)
      throws IOException {
    long t0 = System.nanoTime();
    long cpu0 = processCpuNanos();
    long ok = 0;
    double seconds = 0;
    double busy = 0;
    try {
      for (int i = 0; i < items.size(); i++) {
        Row r = job.process(RowFactory.create((long) i, items.get(i).path(), items.get(i).label()));
        ok += r.getBoolean(4) ? 1 : 0;
        seconds += r.getDouble(7);
        busy += r.getDouble(14);
        if (!r.getBoolean(4)) {
          err.println("stapes corpus: " + r.getString(1) + ": " + r.getString(5));
        }
      }
    } finally {
      FileJob.closeAll();
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    double cpu = (processCpuNanos() - cpu0) / 1e9;
    writeSummary(outDir, command, items.size(), ok, seconds, wall, busy, cpu, 1, "direct");
    o.printf(
        Locale.ROOT,
        "%d files (%d failed), %.3f h of audio in %.1f s on 1 core, no Spark: %.1f h of audio per"
            + " core-hour, %.1f per CPU-hour of this process%n",
        items.size(),
        items.size() - ok,
        seconds / 3600,
        wall,
        seconds / wall,
        seconds / cpu);
    o.flush();
    return 0;
  }

  /** CPU time of this JVM, every thread (JIT, GC and Spark's included), in nanoseconds. */
  private static long processCpuNanos() {
    java.lang.management.OperatingSystemMXBean os =
        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean b ? b.getProcessCpuTime() : -1;
  }

  private static void writeSummary(
      Path outDir,
      String command,
      long total,
      long ok,
      double seconds,
      double wall,
      double busy,
      double cpu,
      int cores,
      String master)
      throws IOException {
    String json =
        String.format(
            Locale.ROOT,
            "{\"command\": %s, \"master\": %s, \"files\": %d, \"failed\": %d, \"audio_hours\": %.6f,"
                + " \"wall_s\": %.3f, \"cores\": %d, \"task_s\": %.3f,"
                + " \"audio_hours_per_core_hour\": %.2f, \"process_cpu_s\": %s,"
                + " \"audio_hours_per_cpu_hour\": %s}%n",
            dev.stapes.engine.Json.quote(command),
            dev.stapes.engine.Json.quote(master),
            total,
            total - ok,
            seconds / 3600,
            wall,
            cores,
            busy,
            seconds / (wall * cores),
            Double.isNaN(cpu) ? "null" : String.format(Locale.ROOT, "%.3f", cpu),
            Double.isNaN(cpu) ? "null" : String.format(Locale.ROOT, "%.2f", seconds / cpu));
    Files.writeString(outDir.resolve("summary.json"), json);
  }

  private void writeEval(Evaluation ev, Path outDir, String command, PrintWriter o)
      throws IOException {
    if (ev.index(threshold) < 0) {
      o.println("stapes corpus: warning: --threshold " + threshold + " is not in --thresholds");
    }
    Files.writeString(outDir.resolve("eval.json"), ev.json(command, threshold));
    ev.png(outDir.resolve("det.png"));
    int i = ev.index(threshold);
    for (String h : ev.heads()) {
      if (i >= 0) {
        o.printf(
            Locale.ROOT,
            "%s: %.3f false accepts per hour at threshold %.2f%n",
            h,
            ev.faPerHour(h, i),
            threshold);
      }
    }
    o.println("evaluation -> " + outDir.resolve("eval.json") + ", " + outDir.resolve("det.png"));
  }

  /** The variants to run: each wake word of --variant (default: all) for wakeword, else one. */
  private List<String> heads() {
    List<String> h = new ArrayList<>();
    if ("wakeword".equals(pipeline)) {
      if (variant == null || variant.isBlank()) {
        h.addAll(ModelCatalog.wakewords());
      } else {
        for (String k : variant.split(",")) {
          try {
            h.add(ModelCatalog.wakewordKeyword(k.trim()));
          } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
          }
        }
      }
    } else {
      h.add(variant);
    }
    return h;
  }

  private List<CorpusInput.Item> list() throws IOException {
    try {
      return CorpusInput.list(input);
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
  }

  private List<CorpusInput.Item> table(SparkSession spark) {
    Path t = Path.of(input);
    if (!Files.isRegularFile(t) && !Files.isDirectory(t)) {
      throw usage("INPUT=" + input + ": no such table");
    }
    Dataset<Row> df =
        input.toLowerCase(Locale.ROOT).endsWith(".csv")
            ? spark.read().option("header", "true").csv(input)
            : spark.read().parquet(input);
    List<String> cols = List.of(df.columns());
    if (!cols.contains("path")) {
      throw usage("INPUT=" + input + ": no 'path' column (columns: " + cols + ")");
    }
    Dataset<Row> sel =
        cols.contains("label")
            ? df.select(functions.col("path").cast("string"), functions.col("label").cast("string"))
            : df.select(functions.col("path").cast("string"), functions.lit(null).cast("string"));
    List<CorpusInput.Item> items = new ArrayList<>();
    Path base = t.toAbsolutePath().getParent();
    for (Row r : sel.collectAsList()) {
      if (r.isNullAt(0) || r.getString(0).isBlank()) {
        continue;
      }
      Path p = Path.of(r.getString(0));
      items.add(
          new CorpusInput.Item(
              (p.isAbsolute() ? p : base.resolve(p)).normalize().toString(),
              r.isNullAt(1) ? null : r.getString(1)));
    }
    if (items.isEmpty()) {
      throw usage("INPUT=" + input + ": the table lists no paths");
    }
    return items;
  }

  /** Creates OUT and checks that a file can be written in it. */
  private Path prepareOut() {
    Path d = out.toAbsolutePath().normalize();
    try {
      if (Files.exists(d) && !Files.isDirectory(d)) {
        throw usage("--out=" + out + ": not a directory");
      }
      Files.createDirectories(d);
      Path probe = Files.createTempFile(d, ".stapes-write-check", ".tmp");
      Files.delete(probe);
    } catch (IOException | SecurityException e) {
      throw usage("--out=" + out + ": cannot write there (" + FileJob.message(e) + ")");
    }
    return d;
  }

  /** Parses {@code FROM:TO:STEP}. */
  private float[] thresholds(String s) {
    String[] p = s.split(":");
    try {
      if (p.length == 3) {
        double from = Double.parseDouble(p[0]);
        double to = Double.parseDouble(p[1]);
        double step = Double.parseDouble(p[2]);
        if (from > 0 && to <= 1 && from <= to && step > 0 && (to - from) / step <= 1000) {
          int n = (int) Math.floor((to - from) / step + 1e-6) + 1;
          float[] t = new float[n];
          for (int i = 0; i < n; i++) {
            t[i] = (float) (Math.round((from + i * step) * 1e6) / 1e6);
          }
          return t;
        }
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw usage(
        "--thresholds="
            + s
            + ", expected FROM:TO:STEP with 0 < FROM <= TO <= 1 and at most 1001 steps");
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }

  /** The progress line of a local run, on stderr, about once a second. */
  private static final class Progress implements Runnable {
    private final PrintWriter err;
    private final int files;
    private final LongAccumulator done;
    private final DoubleAccumulator audio;
    private final long t0;
    private volatile boolean stopped;

    Progress(PrintWriter err, int files, LongAccumulator done, DoubleAccumulator audio, long t0) {
      this.err = err;
      this.files = files;
      this.done = done;
      this.audio = audio;
      this.t0 = t0;
    }

    void stop() {
      stopped = true;
    }

    @Override
    public void run() {
      while (!stopped) {
        line(false);
        try {
          Thread.sleep(1000);
        } catch (InterruptedException e) {
          return;
        }
      }
      line(true);
    }

    private void line(boolean last) {
      double t = (System.nanoTime() - t0) / 1e9;
      long d = done.value();
      int width = 30;
      int fill = files == 0 ? width : (int) (width * d / files);
      synchronized (err) {
        err.printf(
            Locale.ROOT,
            "\rcorpus [%s%s] %d/%d files, %.2f h of audio, %.0f s%s",
            "=".repeat(fill),
            " ".repeat(width - fill),
            d,
            files,
            audio.value() / 3600,
            t,
            last ? System.lineSeparator() : "");
        err.flush();
      }
    }
  }
}
