package dev.stapes.bench.rt;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Draws a run's latency histogram and latency-over-time chart into one PNG with XChart. */
public final class Plots {
  private static final int BINS = 80;

  private Plots() {}

  /**
   * Writes the two charts, one above the other, to {@code png}.
   *
   * @param title what ran, e.g. {@code "vad@32ms, pace max"}
   * @param timelineNs the latency of every chunk in nanoseconds, in order
   * @param cpuNs the thread's CPU time in every chunk in nanoseconds (drawn under the latency, so
   *     that preemption shows as latency far above it), or null
   * @param result the figures of the same run (for the captions)
   * @param png the file to write (".png" is added when missing)
   */
  public static void write(String title, long[] timelineNs, long[] cpuNs, RtResult result, Path png)
      throws IOException {
    System.setProperty("java.awt.headless", "true");
    if (timelineNs.length == 0) {
      throw new IllegalArgumentException("timeline is empty: nothing to plot");
    }
    double[] us = new double[timelineNs.length];
    double[] idx = new double[timelineNs.length];
    double lo = Double.MAX_VALUE;
    for (int i = 0; i < us.length; i++) {
      us[i] = timelineNs[i] / 1e3;
      idx[i] = i;
      lo = Math.min(lo, us[i]);
    }
    // Bins span the minimum to just past p99.9 so that the body of the distribution is readable;
    // slower chunks fall into the last bin, and the caption gives the max.
    double hi = Math.max(result.p999Us() * 1.1, lo + 1);
    double width = (hi - lo) / BINS;
    double[] centers = new double[BINS];
    double[] counts = new double[BINS];
    for (int b = 0; b < BINS; b++) {
      centers[b] = lo + (b + 0.5) * width;
    }
    for (double v : us) {
      int b = (int) ((v - lo) / width);
      counts[Math.min(Math.max(b, 0), BINS - 1)]++;
    }

    XYChart hist =
        new XYChartBuilder()
            .width(1000)
            .height(420)
            .title(
                title
                    + String.format(
                        Locale.ROOT,
                        ": latency histogram (p50 %s, p99 %s, p99.9 %s, max %s us)",
                        RtResult.fmt(result.p50Us()),
                        RtResult.fmt(result.p99Us()),
                        RtResult.fmt(result.p999Us()),
                        RtResult.fmt(result.maxUs())))
            .xAxisTitle("latency per chunk (us); last bin holds everything slower")
            .yAxisTitle("chunks")
            .build();
    hist.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Area);
    hist.getStyler().setLegendVisible(false);
    hist.getStyler().setXAxisDecimalPattern("#,##0.0");
    hist.addSeries("chunks", centers, counts).setMarker(SeriesMarkers.NONE);

    XYChart time =
        new XYChartBuilder()
            .width(1000)
            .height(420)
            .title(
                String.format(
                    Locale.ROOT,
                    "latency over time (%d chunks of %s ms; deadline misses %d; rtf %.4f)",
                    result.chunks(),
                    RtResult.fmt(result.chunkMs()),
                    result.deadlineMisses(),
                    result.rtf()))
            .xAxisTitle("chunk")
            .yAxisTitle("latency (us, log scale)")
            .build();
    time.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    time.getStyler().setMarkerSize(2);
    time.getStyler().setLegendVisible(cpuNs != null);
    time.getStyler().setYAxisLogarithmic(true);
    time.getStyler().setXAxisDecimalPattern("#,##0");
    time.getStyler().setXAxisMaxLabelCount(12);
    time.addSeries("wall latency", idx, us);
    if (cpuNs != null) {
      double[] cpu = new double[Math.min(cpuNs.length, us.length)];
      for (int i = 0; i < cpu.length; i++) {
        cpu[i] = Math.max(cpuNs[i], 1) / 1e3; // a log axis takes no zero
      }
      time.addSeries("thread CPU time", java.util.Arrays.copyOf(idx, cpu.length), cpu);
    }

    String name = png.toString();
    if (name.toLowerCase(Locale.ROOT).endsWith(".png")) {
      name = name.substring(0, name.length() - 4);
    }
    BitmapEncoder.saveBitmap(List.of(hist, time), 2, 1, name, BitmapEncoder.BitmapFormat.PNG);
  }
}
