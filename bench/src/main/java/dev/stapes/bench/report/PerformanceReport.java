package dev.stapes.bench.report;

import dev.stapes.engine.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes {@code docs/performance.md} from the outputs of {@code bench/report.sh}: JMH's JSON
 * results, the C baseline's JSON lines and the real-time harness runs under load. Every table gives
 * p50, p99, p99.9 and max per operation, bytes allocated per operation ({@code -prof gc}'s {@code
 * gc.alloc.rate.norm}) and the ratio of each row's p50 to its baseline's.
 *
 * <p>usage: {@code PerformanceReport DIR OUT.md COMMAND}
 */
public final class PerformanceReport {

  /** A table: title, what one operation is, the baseline row, and a note. */
  private record Table(String title, String op, String baseline, String note) {}

  private static final Map<String, Table> TABLES = new LinkedHashMap<>();

  static {
    TABLES.put(
        "Frontend",
        new Table(
            "Audio frontend, per 10 ms frame at 16 kHz",
            "one frame",
            "C, FFTW (logmel_fftw.c)",
            "Log-mel rows: window 400 in a 512-point frame, power, 80 mel filters, log. The C row is"
                + " bench/src/main/c/logmel_fftw.c on FFTW 3 (single precision, FFTW_MEASURE,"
                + " gcc -O3 -march=native), timed per frame by itself; the JTransforms rows are a"
                + " plain Java loop doing the same steps. Preset rows are Stapes' OnlineFeature per"
                + " frame with each preset's own frame settings. The n= rows are one real FFT of"
                + " that size: JTransforms' realForward (with the input copy) and Stapes' radix-4"
                + " Pow2RealFft."));
    TABLES.put(
        "EngineOverheadBenchmark",
        new Table(
            "Runtime overhead per call (Identity model, 512 floats in and out)",
            "one call",
            "ortNewTensorPerCall",
            "What each way of calling ONNX Runtime 1.26.0 costs around a model that does nothing;"
                + " one intra-op and one inter-op thread everywhere."));
    TABLES.put(
        "VadBenchmark",
        new Table(
            "Silero VAD v5, per 32 ms chunk (512 samples at 16 kHz)",
            "one chunk",
            "officialExampleStyle",
            "officialExampleStyle: new arrays and tensors on every call, as the official Silero"
                + " Java example does; djl: DJL 0.36.0's ONNX Runtime engine (same ORT 1.26.0)."));
    TABLES.put(
        "WakeWordBenchmark",
        new Table(
            "Wake word (openWakeWord: mel, embedding, classifier), per 80 ms chunk",
            "one chunk",
            null,
            "openWakeWord's pre-trained models are licensed for non-commercial use only."));
    TABLES.put(
        "InjectionBenchmark",
        new Table(
            "Injected transformer, per call",
            "one call",
            "base",
            "bound: LoRA weights as graph inputs (task switch = tensor swap); merged: LoRA folded"
                + " into W at load time."));
    TABLES.put(
        "InjectionDynamoBenchmark",
        new Table(
            "Injected transformer from torch's dynamo exporter, per call",
            "one call",
            "base",
            "A 12-layer transformers WhisperForAudioClassification (d_model 256, 4 heads, FFN 1024,"
                + " 80 mel bins, 200 mel frames in, 100 encoder positions) exported by"
                + " torch.onnx.export(..., dynamo=True), weights in model.onnx.data; two adapters"
                + " saved by PEFT (rank-8 LoRA on q_proj and v_proj of all 12 layers,"
                + " modules_to_save=[\"classifier\"], each task with its own head). bound: both"
                + " tasks, LoRA weights and heads as graph inputs; merged: task_a folded in at load;"
                + " taskSwitch: the other task's 74 prebuilt tensors (heads included) bound into the"
                + " stream. Every model's output is checked against PEFT's before measuring. The"
                + " export is not committed: /tmp/fixvenv/bin/python"
                + " engine/src/test/python/make_peft_fixtures.py --large bench/target/dynamo-12l"
                + " (bench/report.sh runs it when the folder is missing and the venv exists)."));
    TABLES.put(
        "InjectionBatchBenchmark",
        new Table(
            "Injected transformer, a batch of rows with different tasks",
            "8 rows",
            "mixedRowsOneByOne",
            "mixedBatchOneCall: 8 rows over 4 LoRA tasks in one call (Injector.Mode.PER_ROW, per-row"
                + " weights gathered by a task index); mixedRowsOneByOne: the same rows one by one"
                + " through a bound model, switching task before each."));
    TABLES.put(
        "InjectionBuildBenchmark",
        new Table(
            "Injected transformer, building the session",
            "one build",
            "openPlainSession",
            "The injector's rewrite (one rank-8 LoRA task on q_proj and v_proj of 12 layers) plus"
                + " the session open, against opening the base model alone."));
    TABLES.put(
        "KwtBenchmark",
        new Table(
            "KWT-1 keyword transformer, per 1 s window",
            "one window",
            "naiveOrt",
            "KWT-1 (12 layers, d_model 64, 607k parameters, MFCC inside the graph) imported from its"
                + " TFLite file by Stapes. stapes: a streaming window (100 ms new, 900 ms carried);"
                + " naiveOrt: a new float[1][16000] and tensor per window. For scale, TensorFlow Lite"
                + " with XNNPACK on one thread is quoted at about 4.4 ms per window on this kind of"
                + " machine; it is not measured here (pip install tensorflow-cpu is not possible in this"
                + " environment, see docs/tflite-kws.md)."));
    TABLES.put(
        "GtcrnBenchmark",
        new Table(
            "GTCRN speech enhancement, per 16 ms hop",
            "one hop",
            "naiveOrt",
            "stapes: one hop through SpeechEnhancer (streaming STFT, the model with its three"
                + " caches carried, inverse STFT with overlap-add); naiveOrt: the model call alone"
                + " with new arrays and tensors for the frame and caches every hop, so the ratio"
                + " understates the difference. For scale, ONNX Runtime from Python on one thread is"
                + " quoted at about 1.7 ms p50 / 3.0 ms p99 per hop on this kind of machine."));
  }

  private PerformanceReport() {}

  /** Entry point; see the class comment. */
  public static void main(String[] args) throws IOException {
    if (args.length != 3) {
      System.err.println("usage: PerformanceReport DIR OUT.md COMMAND");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    String md = render(dir, args[2]);
    Files.writeString(Path.of(args[1]), md, StandardCharsets.UTF_8);
    System.out.println("wrote " + args[1]);
  }

  /** The markdown for the results in {@code dir}. */
  @SuppressWarnings("unchecked")
  static String render(Path dir, String command) throws IOException {
    StringBuilder md = new StringBuilder();
    md.append("# Performance\n\n");
    md.append("Regenerate with `").append(command).append("` (docs/bench.md).\n\n");
    md.append("| | |\n|---|---|\n");
    md.append("| date | ")
        .append(
            ZonedDateTime.now(ZoneOffset.UTC)
                .format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")))
        .append(" |\n");
    md.append("| CPU | ").append(cpu()).append(" |\n");
    md.append("| JDK | ")
        .append(System.getProperty("java.vm.name"))
        .append(' ')
        .append(System.getProperty("java.runtime.version"))
        .append(" |\n");
    md.append("| ONNX Runtime | ").append(ortVersion()).append(" (Java, CPU) |\n");
    String meta = readIf(dir.resolve("meta.txt"));
    if (meta != null) {
      for (String line : meta.split("\n")) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          md.append("| ")
              .append(line, 0, eq)
              .append(" | ")
              .append(line.substring(eq + 1))
              .append(" |\n");
        }
      }
    }
    md.append('\n');
    md.append(
        "Latencies are JMH `Mode.SampleTime` percentiles per operation, pooled over all forks;"
            + " B/op is `-prof gc`'s `gc.alloc.rate.norm`. The last column is the row's p50 over"
            + " the baseline row's p50 in the same run (below 1: faster than the baseline).\n\n");

    List<Object> jmh =
        Files.exists(dir.resolve("jmh.json"))
            ? (List<Object>) Json.parse(Files.readString(dir.resolve("jmh.json")))
            : List.of();
    Map<String, List<Row>> byTable = new LinkedHashMap<>();
    for (String k : TABLES.keySet()) {
      byTable.put(k, new ArrayList<>());
    }
    Row c = cBaseline(dir);
    if (c != null) {
      byTable.get("Frontend").add(c);
    }
    for (Object o : jmh) {
      Map<String, Object> b = (Map<String, Object>) o;
      String full = (String) b.get("benchmark");
      String cls = full.substring(0, full.lastIndexOf('.'));
      cls = cls.substring(cls.lastIndexOf('.') + 1);
      String method = full.substring(full.lastIndexOf('.') + 1);
      String key =
          cls.equals("BaselineFrontendBenchmark")
                  || cls.equals("StftBenchmark")
                  || cls.equals("FftBenchmark")
                  || cls.equals("FrontendBenchmark")
              ? "Frontend"
              : cls;
      byTable.computeIfAbsent(key, k -> new ArrayList<>()).add(row(method, b));
    }
    for (Map.Entry<String, List<Row>> e : byTable.entrySet()) {
      if (e.getValue().isEmpty()) {
        continue;
      }
      Table t = TABLES.getOrDefault(e.getKey(), new Table(e.getKey(), "one operation", null, null));
      table(md, t, e.getValue());
    }
    stress(md, dir);
    return md.toString();
  }

  @SuppressWarnings("unchecked")
  private static void stress(StringBuilder md, Path dir) throws IOException {
    String[][] runs = {
      {"normal", "normal (SCHED_OTHER)"},
      {"realtime", "`--realtime`"},
      {"realtime-unprivileged", "`--realtime` as an unprivileged user"}
    };
    boolean any = false;
    for (String[] run : runs) {
      any |= Files.exists(dir.resolve("stress-" + run[0] + ".json"));
    }
    if (!any) {
      return;
    }
    String about = readIf(dir.resolve("stress-about.txt"));
    md.append("## Under CPU load, with and without `--realtime`\n\n");
    if (about != null) {
      md.append(about.trim()).append("\n\n");
    }
    md.append(
        "| harness thread | chunks | p50 µs | p99 µs | p99.9 µs | max µs | deadline misses | rtf |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (String[] run : runs) {
      String json = readIf(dir.resolve("stress-" + run[0] + ".json"));
      if (json == null) {
        continue;
      }
      Map<String, Object> m = (Map<String, Object>) Json.parse(json);
      md.append("| ")
          .append(run[1])
          .append(" | ")
          .append(String.format(Locale.ROOT, "%.0f", (Double) m.get("chunks")))
          .append(" | ")
          .append(us((Double) m.get("p50_us")))
          .append(" | ")
          .append(us((Double) m.get("p99_us")))
          .append(" | ")
          .append(us((Double) m.get("p999_us")))
          .append(" | ")
          .append(us((Double) m.get("max_us")))
          .append(" | ")
          .append(String.format(Locale.ROOT, "%.0f", (Double) m.get("deadline_misses")))
          .append(" | ")
          .append(String.format(Locale.ROOT, "%.4f", (Double) m.get("rtf")))
          .append(" |\n");
    }
    for (String[] run : runs) {
      String log = readIf(dir.resolve("stress-" + run[0] + ".log"));
      if (log == null || !log.contains("realtime: ")) {
        continue;
      }
      md.append("\nWhat ").append(run[1]).append(" did (libstapes-rt's own report):\n\n");
      for (String line : log.split("\n")) {
        if (line.startsWith("realtime: ")) {
          md.append("- ").append(line.substring("realtime: ".length())).append('\n');
        }
      }
    }
    md.append('\n');
  }

  private record Row(String name, double p50, double p99, double p999, double max, double bytes) {}

  @SuppressWarnings("unchecked")
  private static Row row(String method, Map<String, Object> b) {
    StringBuilder name = new StringBuilder(method);
    Object params = b.get("params");
    if (params instanceof Map<?, ?> p && !p.isEmpty()) {
      name.append(' ');
      for (Map.Entry<?, ?> e : p.entrySet()) {
        name.append(e.getKey()).append('=').append(e.getValue()).append(' ');
      }
      name.setLength(name.length() - 1);
    }
    Map<String, Object> pm = (Map<String, Object>) b.get("primaryMetric");
    Map<String, Object> pct = (Map<String, Object>) pm.get("scorePercentiles");
    String unit = (String) pm.get("scoreUnit");
    double toUs =
        unit.startsWith("ns")
            ? 1e-3
            : unit.startsWith("us") ? 1 : unit.startsWith("ms") ? 1e3 : 1e6;
    double bytes = Double.NaN;
    Object sec = b.get("secondaryMetrics");
    if (sec instanceof Map<?, ?> s && s.get("gc.alloc.rate.norm") instanceof Map<?, ?> g) {
      bytes = ((Double) g.get("score"));
    }
    return new Row(
        name.toString(),
        (Double) pct.get("50.0") * toUs,
        (Double) pct.get("99.0") * toUs,
        (Double) pct.get("99.9") * toUs,
        (Double) pct.get("100.0") * toUs,
        bytes);
  }

  @SuppressWarnings("unchecked")
  private static Row cBaseline(Path dir) throws IOException {
    String text = readIf(dir.resolve("c-logmel.json"));
    if (text == null) {
      return null;
    }
    List<Map<String, Object>> runs = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank()) {
        runs.add((Map<String, Object>) Json.parse(line));
      }
    }
    if (runs.isEmpty()) {
      return null;
    }
    runs.sort((a, b) -> Double.compare((Double) a.get("p50_ns"), (Double) b.get("p50_ns")));
    Map<String, Object> med = runs.get(runs.size() / 2);
    double max = 0;
    for (Map<String, Object> r : runs) {
      max = Math.max(max, (Double) r.get("max_ns"));
    }
    return new Row(
        "C, FFTW (logmel_fftw.c)",
        (Double) med.get("p50_ns") / 1e3,
        (Double) med.get("p99_ns") / 1e3,
        (Double) med.get("p999_ns") / 1e3,
        max / 1e3,
        Double.NaN);
  }

  private static void table(StringBuilder md, Table t, List<Row> rows) {
    Row base = null;
    if (t.baseline() != null) {
      for (Row r : rows) {
        if (r.name().equals(t.baseline()) || r.name().startsWith(t.baseline() + " ")) {
          base = r;
          break;
        }
      }
    }
    if (base == null) {
      base = rows.get(0);
    }
    md.append("## ").append(t.title()).append("\n\n");
    if (t.note() != null) {
      md.append(t.note()).append("\n\n");
    }
    md.append("| ")
        .append(t.op())
        .append(" | p50 µs | p99 µs | p99.9 µs | max µs | B/op | p50 vs ")
        .append(base.name().replace("|", "/"))
        .append(" |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|\n");
    for (Row r : rows) {
      md.append("| ")
          .append(r.name())
          .append(" | ")
          .append(us(r.p50()))
          .append(" | ")
          .append(us(r.p99()))
          .append(" | ")
          .append(us(r.p999()))
          .append(" | ")
          .append(us(r.max()))
          .append(" | ")
          .append(Double.isNaN(r.bytes()) ? "n/a" : String.format(Locale.ROOT, "%.0f", r.bytes()))
          .append(" | ")
          .append(ratio(r.p50() / base.p50()))
          .append(" |\n");
    }
    md.append('\n');
  }

  /** A ratio with two decimals, or two significant digits below 0.1. */
  static String ratio(double v) {
    return v >= 0.1 || v == 0
        ? String.format(Locale.ROOT, "%.2fx", v)
        : String.format(Locale.ROOT, "%.2gx", v);
  }

  /** Microseconds with three significant digits. */
  static String us(double v) {
    if (v >= 100) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    if (v >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private static String readIf(Path p) throws IOException {
    return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : null;
  }

  static String cpu() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim()
              + ", "
              + Runtime.getRuntime().availableProcessors()
              + " cores available";
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return System.getProperty("os.arch")
        + ", "
        + Runtime.getRuntime().availableProcessors()
        + " cores";
  }

  static String ortVersion() {
    try {
      return ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion();
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }
}
