package dev.stapes.models.cli;

import dev.stapes.audio.FeatureConfig;
import dev.stapes.audio.OnlineFeature;
import dev.stapes.audio.WavSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./stapes run [IN.wav]}: the main job. For now it streams audio (the bundled sample by
 * default) through the feature frontend chunk by chunk and reports what it computed and how fast.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Stream audio through the pipeline chunk by chunk and report what was computed and how fast.",
      "Without IN.wav the bundled sample (9.4 s of speech, 16 kHz) is used. For now the pipeline"
          + " is the audio frontend: every feature preset, fed the same chunks."
    })
public final class RunCommand implements Callable<Integer> {

  static final String SAMPLE = "/dev/stapes/models/sample/sample.wav";
  static final int WARMUP_PASSES = 3;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "IN.wav",
      description = "A WAV file (any encoding or rate; resampled to 16 kHz, channels averaged).")
  Path input;

  @Option(
      names = "--chunk-ms",
      paramLabel = "N",
      defaultValue = "20",
      description = "Chunk length in ms (default: ${DEFAULT-VALUE}).")
  double chunkMs;

  @Option(
      names = "--preset",
      paramLabel = "P",
      description = "Run only this preset (default: all of them).")
  String preset;

  @Override
  public Integer call() throws Exception {
    if (!(chunkMs > 0) || Double.isInfinite(chunkMs)) {
      throw new IllegalArgumentException("--chunk-ms=" + chunkMs + " ms, expected > 0");
    }
    List<String> presets = preset == null ? FeatureConfig.presetNames() : List.of(preset);
    List<FeatureConfig> configs = new ArrayList<>();
    for (String p : presets) {
      configs.add(FeatureConfig.preset(p));
    }
    float[] audio = load(configs.get(0).sampleRate());
    int rate = configs.get(0).sampleRate();
    int chunk = (int) Math.max(1, Math.round(chunkMs * rate / 1000.0));
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        Locale.ROOT,
        "input: %s, %.2f s at %d Hz; chunks of %d samples (%s ms)%n",
        input == null ? "bundled sample" : input,
        audio.length / (double) rate,
        rate,
        chunk,
        trim(chunkMs));
    out.printf(
        Locale.ROOT,
        "%-12s %7s %5s %9s %9s %9s %9s %9s %9s %8s%n",
        "preset",
        "frames",
        "bins",
        "min",
        "mean",
        "max",
        "p50 us",
        "p99 us",
        "max us",
        "RTF");
    for (FeatureConfig c : configs) {
      for (int w = 0; w < WARMUP_PASSES; w++) {
        stream(c, audio, chunk); // let the JIT compile the per-chunk path
      }
      Result r = stream(c, audio, chunk);
      double seconds = audio.length / (double) rate;
      out.printf(
          Locale.ROOT,
          "%-12s %7d %5d %9.3f %9.3f %9.3f %9.1f %9.1f %9.1f %8.5f%n",
          c.name(),
          r.frames,
          r.bins,
          r.min,
          r.mean,
          r.max,
          r.percentile(0.50) / 1e3,
          r.percentile(0.99) / 1e3,
          r.percentile(1.0) / 1e3,
          r.totalNanos / 1e9 / seconds);
    }
    out.println(
        "RTF = processing time / audio duration (after "
            + WARMUP_PASSES
            + " warm-up passes); latency is per chunk:"
            + " acceptWaveform plus reading the frames it made.");
    out.flush();
    return 0;
  }

  private float[] load(int rate) throws IOException {
    if (input != null) {
      CliSupport.requireFile(input);
      return dev.stapes.audio.AudioFiles.readMono(input, rate);
    }
    try (InputStream in = RunCommand.class.getResourceAsStream(SAMPLE)) {
      if (in == null) {
        throw new IOException("bundled sample " + SAMPLE + " missing from the jar");
      }
      try (WavSource src = WavSource.open(in, "sample.wav", rate)) {
        float[] buf = new float[1 << 16];
        int n = 0;
        int r;
        while ((r = src.read(buf, n, buf.length - n)) > 0) {
          n += r;
          if (n == buf.length) {
            buf = Arrays.copyOf(buf, buf.length * 2);
          }
        }
        return Arrays.copyOf(buf, n);
      }
    }
  }

  static final class Result {
    long frames;
    int bins;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double mean;
    long[] chunkNanos;
    long totalNanos;

    long percentile(double q) {
      long[] s = chunkNanos.clone();
      Arrays.sort(s);
      int i = (int) Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
      return s.length == 0 ? 0 : s[i];
    }
  }

  static Result stream(FeatureConfig c, float[] audio, int chunk) {
    OnlineFeature f = new OnlineFeature(c);
    Result r = new Result();
    r.bins = f.numBins();
    int chunks = (audio.length + chunk - 1) / chunk;
    r.chunkNanos = new long[chunks];
    float[] row = new float[r.bins];
    double sum = 0;
    long count = 0;
    for (int i = 0; i < chunks; i++) {
      int off = i * chunk;
      int len = Math.min(chunk, audio.length - off);
      long t0 = System.nanoTime();
      f.acceptWaveform(audio, off, len);
      if (i == chunks - 1) {
        f.inputFinished();
      }
      for (long k = f.firstFrameAvailable(); k < f.numFramesReady(); k++) {
        f.getFrame(k, row);
        for (float v : row) {
          sum += v;
          if (v < r.min) {
            r.min = v;
          }
          if (v > r.max) {
            r.max = v;
          }
        }
        count += row.length;
      }
      f.pop(f.numFramesReady() - f.firstFrameAvailable());
      long dt = System.nanoTime() - t0;
      r.chunkNanos[i] = dt;
      r.totalNanos += dt;
    }
    r.frames = f.numFramesReady();
    r.mean = count == 0 ? 0 : sum / count;
    return r;
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
