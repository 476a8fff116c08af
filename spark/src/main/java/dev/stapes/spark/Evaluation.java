package dev.stapes.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * Wake-word evaluation over a job's results: per head (wake word), false accepts per hour over the
 * negative files (no label, or the label {@code negative}), recall over the files labelled with
 * that wake word, at every threshold of the sweep: the detection-error-tradeoff table.
 *
 * <p>Thread safety: one thread at a time.
 */
final class Evaluation {

  /** Per head, the sums over files. */
  private static final class Head {
    final long[] negativeDetections;
    final long[] positivesHit;
    long positives;

    Head(int n) {
      negativeDetections = new long[n];
      positivesHit = new long[n];
    }
  }

  private final float[] thresholds;
  private final Map<String, Head> heads = new LinkedHashMap<>();
  private double negativeSeconds;
  private long negativeFiles;
  private long failedFiles;

  Evaluation(float[] thresholds) {
    this.thresholds = thresholds.clone();
  }

  /** Whether a file with {@code label} is negative audio for every head. */
  static boolean isNegative(String label) {
    return label == null || label.isBlank() || label.equalsIgnoreCase("negative");
  }

  /** Adds the rows ({@code label}, {@code ok}, {@code duration_s}, {@code sweep}) of a job. */
  void addAll(Iterator<Row> rows) {
    while (rows.hasNext()) {
      add(rows.next());
    }
  }

  void add(Row r) {
    String label = r.isNullAt(0) ? null : r.getString(0);
    if (!r.getBoolean(1)) {
      failedFiles++;
      return;
    }
    boolean negative = isNegative(label);
    if (negative) {
      negativeSeconds += r.getDouble(2);
      negativeFiles++;
    }
    Map<String, scala.collection.Seq<Integer>> sweep = r.getJavaMap(3);
    for (Map.Entry<String, scala.collection.Seq<Integer>> e : sweep.entrySet()) {
      Head h = heads.computeIfAbsent(e.getKey(), k -> new Head(thresholds.length));
      scala.collection.Seq<Integer> counts = e.getValue();
      boolean positive = !negative && label.equals(e.getKey());
      if (positive) {
        h.positives++;
      }
      for (int i = 0; i < thresholds.length; i++) {
        int c = counts.apply(i);
        if (negative) {
          h.negativeDetections[i] += c;
        } else if (positive && c > 0) {
          h.positivesHit[i]++;
        }
      }
    }
  }

  /** False accepts per hour of head {@code head} at threshold index {@code i}. */
  double faPerHour(String head, int i) {
    return negativeSeconds > 0
        ? heads.get(head).negativeDetections[i] / (negativeSeconds / 3600)
        : 0;
  }

  /** The heads seen, in order. */
  List<String> heads() {
    return new ArrayList<>(heads.keySet());
  }

  /** Index of {@code t} in the sweep, or -1. */
  int index(float t) {
    for (int i = 0; i < thresholds.length; i++) {
      if (Math.abs(thresholds[i] - t) < 1e-6) {
        return i;
      }
    }
    return -1;
  }

  /** The evaluation as JSON: per head, the table over thresholds. */
  String json(String command, float at) {
    StringBuilder sb = new StringBuilder("{\n");
    sb.append("  \"command\": ").append(dev.stapes.engine.Json.quote(command)).append(",\n");
    sb.append(String.format(Locale.ROOT, "  \"negative_hours\": %.6f,%n", negativeSeconds / 3600));
    sb.append("  \"negative_files\": ").append(negativeFiles).append(",\n");
    sb.append("  \"failed_files\": ").append(failedFiles).append(",\n");
    sb.append(String.format(Locale.ROOT, "  \"threshold\": %.4f,%n", at));
    sb.append("  \"heads\": {");
    int i0 = index(at);
    boolean first = true;
    for (Map.Entry<String, Head> e : heads.entrySet()) {
      Head h = e.getValue();
      sb.append(first ? "\n" : ",\n");
      first = false;
      sb.append("    ").append(dev.stapes.engine.Json.quote(e.getKey())).append(": {");
      if (i0 >= 0) {
        sb.append(
            String.format(
                Locale.ROOT,
                "\"false_accepts\": %d, \"fa_per_hour\": %.4f, ",
                h.negativeDetections[i0],
                faPerHour(e.getKey(), i0)));
        if (h.positives > 0) {
          sb.append(
              String.format(
                  Locale.ROOT, "\"recall\": %.4f, ", h.positivesHit[i0] / (double) h.positives));
        }
      }
      sb.append("\"positives\": ").append(h.positives).append(", \"det\": [");
      for (int i = 0; i < thresholds.length; i++) {
        sb.append(i == 0 ? "" : ", ")
            .append(
                String.format(
                    Locale.ROOT,
                    "{\"threshold\": %.4f, \"false_accepts\": %d, \"fa_per_hour\": %.4f",
                    thresholds[i],
                    h.negativeDetections[i],
                    faPerHour(e.getKey(), i)));
        if (h.positives > 0) {
          sb.append(
              String.format(
                  Locale.ROOT,
                  ", \"recall\": %.4f, \"miss_rate\": %.4f",
                  h.positivesHit[i] / (double) h.positives,
                  1 - h.positivesHit[i] / (double) h.positives));
        }
        sb.append('}');
      }
      sb.append("]}");
    }
    sb.append("\n  }\n}\n");
    return sb.toString();
  }

  /**
   * The table as a chart: miss rate against false accepts per hour for heads with labelled
   * positives (a DET curve), false accepts per hour against the threshold otherwise.
   */
  void png(Path file) throws IOException {
    System.setProperty("java.awt.headless", "true");
    boolean det = false;
    for (Head h : heads.values()) {
      det |= h.positives > 0;
    }
    XYChart chart =
        new XYChartBuilder()
            .width(900)
            .height(560)
            .title(
                det
                    ? "Detection error tradeoff"
                    : String.format(
                        Locale.ROOT,
                        "False accepts per hour over %.2f h of negative audio",
                        negativeSeconds / 3600))
            .xAxisTitle(det ? "false accepts per hour" : "threshold")
            .yAxisTitle(det ? "miss rate" : "false accepts per hour")
            .build();
    chart.getStyler().setMarkerSize(4);
    chart.getStyler().setXAxisDecimalPattern(det ? "0.0" : "0.00");
    chart.getStyler().setYAxisDecimalPattern(det ? "0.00" : "0.0");
    for (Map.Entry<String, Head> e : heads.entrySet()) {
      Head h = e.getValue();
      if (det && h.positives == 0) {
        continue;
      }
      double[] x = new double[thresholds.length];
      double[] y = new double[thresholds.length];
      for (int i = 0; i < thresholds.length; i++) {
        double fa = faPerHour(e.getKey(), i);
        x[i] = det ? fa : thresholds[i];
        y[i] = det ? 1 - h.positivesHit[i] / (double) h.positives : fa;
      }
      chart.addSeries(e.getKey(), x, y);
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
