package dev.stapes.bench.cli;

import dev.stapes.bench.rt.ChunkPipeline;
import dev.stapes.bench.rt.Harness;
import dev.stapes.bench.rt.HarnessOptions;
import dev.stapes.bench.rt.PipelineSpec;
import dev.stapes.bench.rt.Pipelines;
import dev.stapes.bench.rt.Plots;
import dev.stapes.bench.rt.RtResult;
import dev.stapes.nativert.RealTime;
import dev.stapes.nativert.RealTimeResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./stapes bench rt}: the real-time harness over one pipeline. */
@Command(
    name = "rt",
    mixinStandardHelpOptions = true,
    description = {
      "Feeds audio to a pipeline chunk by chunk, as fast as possible (default) or at the real-time"
          + " pace, and reports per-chunk latency (p50, p99, p99.9, max), the real-time factor,"
          + " deadline misses (a chunk slower than its own duration) and bytes allocated per chunk."
    })
public final class RtCommand implements Callable<Integer> {

  @Option(
      names = "--pipeline",
      required = true,
      paramLabel = "NAME",
      description = "Pipeline: ${COMPLETION-CANDIDATES}.",
      completionCandidates = Names.class)
  String pipeline;

  @Option(
      names = "--model",
      paramLabel = "FILE",
      description = "Model file (infer; or to override a pipeline's model).")
  Path model;

  @Option(names = "--preset", paramLabel = "P", description = "Frontend preset for 'features'.")
  String preset;

  @Option(names = "--keyword", paramLabel = "K", description = "Wake word for 'wakeword'.")
  String keyword;

  @Option(
      names = "--chunk-ms",
      paramLabel = "MS",
      description = "Chunk duration in ms (default: the pipeline's own).")
  double chunkMs;

  @Option(
      names = "--input",
      paramLabel = "IN.wav",
      description =
          "Audio to feed (resampled to the pipeline's rate). Default: a 10 s test signal.")
  Path input;

  @Option(
      names = "--repeat",
      paramLabel = "N",
      defaultValue = "1",
      description = "Passes over the input (default ${DEFAULT-VALUE}).")
  int repeat;

  @Option(
      names = "--warmup",
      paramLabel = "CHUNKS",
      defaultValue = "200",
      description = "Chunks run before recording (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--warmup-ms",
      paramLabel = "MS",
      defaultValue = "1000",
      description =
          "Before those chunks, run passes over the input for at least MS milliseconds, so that"
              + " the JIT has compiled cheap pipelines too (0 to 600000; default ${DEFAULT-VALUE}).")
  long warmupMs;

  @Option(
      names = "--pace",
      paramLabel = "PACE",
      defaultValue = "max",
      description =
          "realtime (one chunk per chunk duration) or max (as fast as possible; default).")
  String pace;

  @Option(
      names = "--spin",
      description =
          "With --pace realtime: wait for the next chunk by spinning instead of sleeping (keeps the"
              + " core and its caches warm; burns that CPU).")
  boolean spin;

  @Option(names = "--json", paramLabel = "F", description = "Write the figures as JSON to F.")
  Path json;

  @Option(
      names = "--plot",
      paramLabel = "F.png",
      description = "Write a latency histogram and a latency-over-time chart to F.png.")
  Path plot;

  @Option(
      names = "--timeline",
      paramLabel = "F",
      description =
          "Write every recorded chunk to F, one line each: wall latency, thread CPU time and start"
              + " (System.nanoTime, the clock of -Xlog's timenanos decorator), in ns.")
  Path timeline;

  @Option(
      names = "--realtime",
      description =
          "Run the harness thread pinned to one CPU under SCHED_FIFO with memory locked"
              + " (libstapes-rt); each refusal is reported.")
  boolean realtime;

  @Option(
      names = "--cpus",
      paramLabel = "N[,N]",
      split = ",",
      description = "CPUs for --realtime (default: the last CPU this process may use).")
  int[] cpus;

  @Option(
      names = "--rt-priority",
      paramLabel = "1-99",
      defaultValue = "80",
      description = "SCHED_FIFO priority for --realtime (default ${DEFAULT-VALUE}).")
  int rtPriority;

  @Override
  public Integer call() throws Exception {
    boolean paced =
        switch (pace.toLowerCase(Locale.ROOT)) {
          case "realtime" -> true;
          case "max" -> false;
          default ->
              throw new IllegalArgumentException(
                  "--pace " + pace + ", expected one of [realtime, max]");
        };
    if (warmupMs < 0 || warmupMs > 600_000) {
      throw new IllegalArgumentException("--warmup-ms " + warmupMs + ", expected 0 to 600000 ms");
    }
    for (Path out : new Path[] {json, timeline, plot}) {
      if (out != null && out.getParent() != null && !Files.isDirectory(out.getParent())) {
        throw new IllegalArgumentException(
            out + ": directory " + out.getParent() + " does not exist");
      }
    }
    PipelineSpec spec = new PipelineSpec(pipeline, chunkMs, preset, model, keyword);
    HarnessOptions options =
        new HarnessOptions(repeat, warmup, paced, plot != null || timeline != null, spin);
    AtomicReference<Object> outcome = new AtomicReference<>();
    Runnable body =
        () -> {
          try {
            outcome.set(measure(spec, options, paced));
          } catch (Throwable t) {
            outcome.set(t);
          }
        };
    // The measuring thread is its own, so that --realtime changes only that thread.
    Thread t = new Thread(body, "stapes-rt");
    t.start();
    t.join();
    Object o = outcome.get();
    if (o instanceof Exception e) {
      throw e;
    }
    if (o instanceof Error e) {
      throw e;
    }
    return 0;
  }

  private Object measure(PipelineSpec spec, HarnessOptions options, boolean paced) {
    try (ChunkPipeline p = Pipelines.open(spec)) {
      float[] audio =
          input == null
              ? dev.stapes.bench.rt.TestSignal.generate(10, p.sampleRate())
              : dev.stapes.audio.AudioFiles.readMono(input, p.sampleRate());
      if (realtime) {
        int[] set = cpus != null ? cpus : new int[] {RealTime.lastAllowedCpu()};
        List<RealTimeResult> rs = RealTime.enter(set, rtPriority);
        for (RealTimeResult r : rs) {
          System.out.println("realtime: " + r);
        }
      }
      if (!RealTime.isNativeAvailable()) {
        // said once per run: the CPU figures below come from ThreadMXBean instead
        System.out.println("native: " + RealTime.status());
      }
      Harness h = new Harness();
      // Warm by time first (the same per-chunk step, not recorded), then by count inside run().
      HarnessOptions pass = new HarnessOptions(1, 0, false, options.keepTimeline(), spin);
      long warmEnd = System.nanoTime() + warmupMs * 1_000_000L;
      while (System.nanoTime() < warmEnd) {
        h.run(p, audio, pass);
      }
      RtResult r = h.run(p, audio, options);
      System.out.printf(
          Locale.ROOT,
          "%s: %d chunks of %s ms (%d samples at %d Hz), pace %s%s%n",
          spec.label(),
          r.chunks(),
          RtResult.fmt(r.chunkMs()),
          p.chunkSamples(),
          p.sampleRate(),
          paced ? (spin ? "realtime (spin-wait)" : "realtime") : "max",
          realtime ? ", realtime thread (" + RealTime.currentPolicy() + ")" : "");
      System.out.println(r.summary());
      if (json != null) {
        Files.writeString(json, r.toJson(), StandardCharsets.UTF_8);
      }
      if (timeline != null) {
        writeTimeline(h.timeline(), h.cpuTimeline(), h.startTimeline(), timeline);
      }
      if (plot != null) {
        Plots.write(
            spec.label() + ", pace " + (paced ? "realtime" : "max"),
            h.timeline(),
            h.cpuTimeline(),
            r,
            plot);
        System.out.println("plot: " + plot);
      }
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
  }

  private static void writeTimeline(long[] wallNs, long[] cpuNs, long[] startNs, Path f)
      throws IOException {
    StringBuilder b = new StringBuilder(wallNs.length * 36);
    for (int i = 0; i < wallNs.length; i++) {
      b.append(wallNs[i]).append(' ').append(cpuNs[i]).append(' ').append(startNs[i]).append('\n');
    }
    Files.writeString(f, b, StandardCharsets.UTF_8);
  }

  /** Pipeline names for the help text. */
  static final class Names implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return Pipelines.NAMES.iterator();
    }
  }
}
