package dev.stapes.models.cli;

import dev.stapes.audio.WavSource;
import dev.stapes.engine.SessionOptions;
import dev.stapes.models.enhance.GtcrnModel;
import dev.stapes.models.enhance.LiveEnhancer;
import dev.stapes.models.enhance.Speaker;
import dev.stapes.models.pipeline.LatencyRecorder;
import dev.stapes.models.pipeline.ListenerEvents;
import dev.stapes.models.pipeline.LivePipeline;
import dev.stapes.models.store.ModelCatalog;
import dev.stapes.models.store.ModelStore;
import dev.stapes.models.vad.SegmenterOptions;
import dev.stapes.models.vad.SileroVad;
import dev.stapes.models.wakeword.MelSource;
import dev.stapes.models.wakeword.WakeWordModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.DataLine;
import javax.sound.sampled.LineUnavailableException;
import javax.sound.sampled.TargetDataLine;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./stapes run [IN.wav]}: the main job. Streams audio through voice activity detection and
 * wake words as if it were live, block by block, printing events as they happen and, at the end,
 * the per-block latency and the real-time factor.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Stream audio through Silero VAD v5 and openWakeWord block by block, as if live: events"
          + " as they happen, then per-block latency (p50, p99, max) and the real-time factor.",
      "Without IN.wav: a bundled sample (synthetic speech with the real 'hey mycroft' clip of"
          + " openWakeWord's tests). --mic listens to the default microphone.",
      "openWakeWord's pre-trained models are licensed CC BY-NC-SA 4.0: non-commercial use only."
    })
public final class RunCommand implements Callable<Integer> {

  /** The bundled sample, a classpath resource. */
  static final String SAMPLE = "/dev/stapes/models/sample/sample.wav";

  private static final int RATE = LivePipeline.SAMPLE_RATE;

  /** Seconds of silence run through the pipeline before the stream (not reported). */
  static final int WARMUP_SECONDS = 2;

  /** Files longer than this show a progress bar on a terminal. */
  private static final double PROGRESS_SECONDS = 60;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "IN.wav",
      description = "A WAV file (any encoding and rate; resampled to 16 kHz).")
  Path input;

  @Option(names = "--mic", description = "Listen to the default microphone (javax.sound).")
  boolean mic;

  @Option(
      names = "--seconds",
      paramLabel = "S",
      description = "With --mic: stop after S seconds (default: until interrupted).")
  Double seconds;

  @Option(
      names = {"-k", "--keyword"},
      paramLabel = "K",
      description =
          "Wake words to listen for, repeatable: alexa, hey_jarvis, hey_mycroft, hey_rhasspy,"
              + " weather, with or without the oww- prefix (default: all of them).")
  List<String> keywords = new ArrayList<>();

  @Option(
      names = "--task",
      paramLabel = "F.task",
      description =
          "An enrolled wake word ('stapes enroll'), repeatable: listened for beside the"
              + " pre-trained ones on the same embedding per chunk (one small head each).")
  List<Path> tasks = new ArrayList<>();

  @Option(names = "--no-vad", description = "Leave out voice activity detection.")
  boolean noVad;

  @Option(names = "--no-wakeword", description = "Leave out wake words.")
  boolean noWakeword;

  @Option(
      names = "--threshold",
      paramLabel = "P",
      defaultValue = "0.5",
      description = "Wake-word threshold in (0, 1] (default: ${DEFAULT-VALUE}).")
  float threshold;

  @Option(
      names = "--mel",
      paramLabel = "SOURCE",
      defaultValue = "STAPES",
      description = "Wake-word mel spectrogram: STAPES or ONNX (default: ${DEFAULT-VALUE}).")
  MelSource mel;

  @Option(
      names = "--block-ms",
      paramLabel = "MS",
      defaultValue = "32",
      description = "Audio block size fed per step, 1 to 1000 ms (default: ${DEFAULT-VALUE}).")
  double blockMs;

  @Option(
      names = "--pace",
      paramLabel = "MODE",
      defaultValue = "max",
      description =
          "File input: 'max' (as fast as possible) or 'realtime' (each block at its"
              + " wall-clock time) (default: ${DEFAULT-VALUE}).")
  String pace;

  @Option(
      names = "--threads",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "ONNX Runtime intra-op threads per model (default: ${DEFAULT-VALUE}, the"
              + " embedded setting).")
  int threads;

  @Option(
      names = "--realtime",
      description =
          "Run the per-block loop on a thread pinned to the last CPU, under SCHED_FIFO priority 80,"
              + " with memory locked (libstapes-rt); what took effect, or why not, is printed.")
  boolean realtime;

  @Option(
      names = "--enhance",
      description =
          "Also clean the stream with GTCRN speech enhancement (32 ms algorithmic latency); with"
              + " --mic the cleaned audio plays on the default output where one exists.")
  boolean enhance;

  @Option(
      names = "--enhance-out",
      paramLabel = "OUT.wav",
      description = "With --enhance: write the cleaned audio here (16 kHz mono float32 WAV).")
  Path enhanceOut;

  private volatile boolean barActive;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (mic && input != null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "IN.wav and --mic both given, expected one of them");
    }
    if (noVad && noWakeword && !enhance) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--no-vad and --no-wakeword together leave nothing to run (add --enhance)");
    }
    if (enhanceOut != null && !enhance) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--enhance-out needs --enhance");
    }
    if (!(blockMs >= 1 && blockMs <= 1000)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--block-ms=" + blockMs + " ms, expected 1 to 1000 ms");
    }
    if (!(threshold > 0 && threshold <= 1)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--threshold=" + threshold + ", expected (0, 1]");
    }
    boolean realtimePace =
        switch (pace.toLowerCase(Locale.ROOT)) {
          case "realtime" -> true;
          case "max" -> false;
          default ->
              throw new CommandLine.ParameterException(
                  spec.commandLine(), "--pace=" + pace + ", expected one of [max, realtime]");
        };
    if (seconds != null && !mic) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--seconds=" + seconds + ": --seconds applies only with --mic");
    }
    if (seconds != null && !(seconds > 0)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--seconds=" + seconds + ", expected > 0");
    }
    List<String> kws = new ArrayList<>();
    for (String k : keywords.isEmpty() ? ModelCatalog.wakewords() : keywords) {
      kws.add(ModelCatalog.wakewordKeyword(k)); // one line listing the valid keywords
    }
    if (keywords.isEmpty() && !tasks.isEmpty()) {
      // by default an enrolled word takes the place of a pre-trained one of the same name
      for (Path t : tasks) {
        kws.remove(dev.stapes.models.enroll.WakeWordTask.read(t).name());
      }
    }
    if (!tasks.isEmpty() && (noWakeword || mel != MelSource.STAPES)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--task needs wake words on the STAPES mel frontend (not --no-wakeword or --mel ONNX)");
    }
    List<dev.stapes.models.enroll.WakeWordTask> enrolled = new ArrayList<>();
    for (Path t : tasks) {
      enrolled.add(dev.stapes.models.enroll.WakeWordTask.read(t)); // one line when refused
    }
    if (input != null) {
      CliSupport.openWav("run", input, err);
    }
    int block = (int) Math.round(blockMs * RATE / 1000.0);
    // fail fast, before loading models, when there is no microphone
    TargetDataLine micLine = mic ? openMic(block) : null;

    ModelStore store = CliSupport.store(err);
    SessionOptions options = SessionOptions.builder().optIntraOpThreads(threads).build();
    SileroVad vad = null;
    WakeWordModel wake = null;
    LiveEnhancer enhancer = null;
    try {
      if (enhance) {
        enhancer = openEnhancer(store, block, err);
      }
      if (!noVad) {
        vad = SileroVad.open(CliSupport.model(store, ModelCatalog.SILERO_VAD_V5, err), options);
      }
      if (!noWakeword) {
        if (mel == MelSource.ONNX) {
          CliSupport.model(store, ModelCatalog.OWW_MELSPECTROGRAM, err);
        }
        CliSupport.model(store, ModelCatalog.OWW_EMBEDDING, err);
        for (String k : kws) {
          CliSupport.model(store, ModelCatalog.WAKEWORD_PREFIX + k, err);
        }
        wake =
            WakeWordModel.fromStore(
                store,
                kws,
                enrolled.isEmpty() ? null : new dev.stapes.models.enroll.EnrolledWords(enrolled),
                mel,
                options);
      }
      Events events = new Events(out);
      try (LivePipeline detectors =
          vad == null && wake == null
              ? null
              : new LivePipeline(vad, wake, SegmenterOptions.defaults(), threshold, events)) {
        Blocks pipeline = new Blocks(detectors, enhancer);
        // warm-up: the first runs of each model allocate and compile; keep them out of the figures
        events.muted = true;
        float[] silence = new float[WARMUP_SECONDS * RATE];
        for (int off = 0; off < silence.length; off += block) {
          pipeline.warmUp(silence, off, Math.min(block, silence.length - off));
        }
        pipeline.reset();
        events.muted = false;
        events.pipeline = detectors;
        String what =
            (vad != null ? "Silero VAD v5" : "")
                + (vad != null && wake != null ? " + " : "")
                + (wake != null ? "openWakeWord " + detectors.keywords() : "")
                + (enhancer != null
                    ? (vad != null || wake != null ? " + " : "") + "GTCRN enhancement"
                    : "");
        Stats stats;
        if (mic) {
          out.println(
              "Listening on the default microphone (16 kHz mono) with "
                  + what
                  + ";"
                  + (seconds == null ? " Ctrl-C to stop." : " for " + seconds + " s."));
          out.flush();
          stats = runMic(pipeline, micLine, block);
        } else {
          String name = input == null ? "bundled sample (" + SAMPLE + ")" : input.toString();
          out.println("Streaming " + name + " in " + fmt(blockMs) + " ms blocks through " + what);
          out.flush();
          stats = runFile(pipeline, block, realtimePace, out);
        }
        report(out, stats, pipeline, block);
      }
    } finally {
      if (micLine != null) {
        micLine.close();
      }
      if (enhancer != null) {
        enhancer.close();
      }
      if (vad != null) {
        vad.close();
      }
      if (wake != null) {
        wake.close();
      }
    }
    out.flush();
    return 0;
  }

  /** Wall time and latencies of one run. */
  private record Stats(LatencyRecorder latency, long wallNanos, long processNanos) {}

  private Stats runFile(Blocks pipeline, int block, boolean realtimePace, PrintWriter out)
      throws Exception {
    try (WavSource src = openSource()) {
      long length = src.length();
      int capacity = length > 0 ? (int) Math.min(1 << 24, length / block + 2) : 1 << 20;
      LatencyRecorder latency = new LatencyRecorder(capacity);
      boolean bar = System.console() != null && length > 0 && length > PROGRESS_SECONDS * RATE;
      float[] buf = new float[block];
      long[] processNanos = {0};
      long start = System.nanoTime();
      try (ProgressBar pb =
          bar
              ? new ProgressBarBuilder()
                  .setTaskName("stapes run")
                  .setInitialMax(length)
                  .setUnit(" s", RATE)
                  // a plain carriage-return consumer: the interactive one needs a terminal that
                  // jline recognises and printed one line per update here
                  .setConsumer(new ConsoleProgressBarConsumer(System.err, 100))
                  .build()
              : null) {
        barActive = bar;
        Exception[] failure = new Exception[1];
        // The processing loop runs on its own thread: the place where real-time thread controls
        // (CPU pinning, SCHED_FIFO, locked memory) apply to the per-block work.
        runOnProcessingThread(
            () -> {
              try {
                long fed = 0;
                while (true) {
                  int n = readFully(src, buf);
                  if (n <= 0) {
                    break;
                  }
                  if (realtimePace) {
                    long due = start + fed * 1_000_000_000L / RATE + n * 1_000_000_000L / RATE;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                      java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                  }
                  long t0 = System.nanoTime();
                  pipeline.process(buf, 0, n);
                  long dt = System.nanoTime() - t0;
                  latency.record(dt);
                  processNanos[0] += dt;
                  pipeline.emit();
                  fed += n;
                  if (pb != null && (latency.count() & 31) == 0) {
                    pb.stepTo(fed);
                  }
                }
                long t0 = System.nanoTime();
                pipeline.finish();
                processNanos[0] += System.nanoTime() - t0;
                if (pb != null) {
                  pb.stepTo(fed);
                }
              } catch (IOException e) {
                failure[0] = e;
              }
            });
        barActive = false;
        if (failure[0] != null) {
          throw failure[0];
        }
      }
      return new Stats(latency, System.nanoTime() - start, processNanos[0]);
    }
  }

  private WavSource openSource() throws IOException {
    if (input != null) {
      return WavSource.open(input, RATE);
    }
    InputStream in = RunCommand.class.getResourceAsStream(SAMPLE);
    if (in == null) {
      throw new IOException("bundled sample " + SAMPLE + " missing from the jar");
    }
    return WavSource.open(in, "sample.wav", RATE);
  }

  private static int readFully(WavSource src, float[] buf) throws IOException {
    int n = 0;
    while (n < buf.length) {
      int r = src.read(buf, n, buf.length - n);
      if (r < 0) {
        break;
      }
      n += r;
    }
    return n;
  }

  /** Opens the default capture line, or says in one line that there is none. */
  private static TargetDataLine openMic(int block) throws IOException {
    AudioFormat format = new AudioFormat(RATE, 16, 1, true, false);
    DataLine.Info info = new DataLine.Info(TargetDataLine.class, format);
    if (!AudioSystem.isLineSupported(info)) {
      throw new IOException(
          "no microphone: javax.sound offers no capture line for 16 kHz mono 16-bit PCM on this"
              + " machine ("
              + AudioSystem.getMixerInfo().length
              + " mixers); use IN.wav instead");
    }
    try {
      TargetDataLine line = (TargetDataLine) AudioSystem.getLine(info);
      line.open(format, block * 2 * 4);
      return line;
    } catch (LineUnavailableException | IllegalArgumentException | SecurityException e) {
      throw new IOException("no microphone: cannot open the capture line: " + e.getMessage(), e);
    }
  }

  private Stats runMic(Blocks pipeline, TargetDataLine line, int block) throws Exception {
    LatencyRecorder latency = new LatencyRecorder(1 << 22);
    byte[] bytes = new byte[block * 2];
    float[] buf = new float[block];
    long limit = seconds == null ? Long.MAX_VALUE : Math.round(seconds * RATE);
    AtomicBoolean stop = new AtomicBoolean();
    long[] processNanos = {0};
    Thread hook =
        new Thread(
            () -> {
              stop.set(true);
            });
    Runtime.getRuntime().addShutdownHook(hook);
    long start = System.nanoTime();
    try {
      line.start();
      runOnProcessingThread(
          () -> {
            long fed = 0;
            while (!stop.get() && fed < limit) {
              int n = line.read(bytes, 0, bytes.length);
              int samples = n / 2;
              for (int i = 0; i < samples; i++) {
                buf[i] = (short) ((bytes[2 * i] & 0xff) | (bytes[2 * i + 1] << 8)) / 32768f;
              }
              long t0 = System.nanoTime();
              pipeline.process(buf, 0, samples);
              long dt = System.nanoTime() - t0;
              latency.record(dt);
              processNanos[0] += dt;
              emitUnchecked(pipeline);
              fed += samples;
            }
            try {
              pipeline.finish();
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    } finally {
      line.stop();
      line.close();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // shutting down: the hook already ran
      }
    }
    return new Stats(latency, System.nanoTime() - start, processNanos[0]);
  }

  /**
   * Runs the per-block loop on a dedicated thread and waits for it. This is the hook for real-time
   * thread controls: a {@code --realtime} option applies them at the start of {@code body}'s
   * thread.
   */
  void runOnProcessingThread(Runnable body) throws InterruptedException {
    Throwable[] thrown = new Throwable[1];
    Thread t =
        new Thread(
            () -> {
              try {
                if (realtime) {
                  int[] cpu = {dev.stapes.nativert.RealTime.lastAllowedCpu()};
                  for (dev.stapes.nativert.RealTimeResult r :
                      dev.stapes.nativert.RealTime.enter(cpu, 80)) {
                    System.err.println("stapes run: realtime: " + r);
                  }
                }
                body.run();
              } catch (Throwable e) {
                thrown[0] = e;
              }
            },
            "stapes-run");
    t.start();
    t.join();
    if (thrown[0] instanceof RuntimeException re) {
      throw re;
    }
    if (thrown[0] instanceof Error er) {
      throw er;
    }
  }

  private static void emitUnchecked(Blocks pipeline) {
    try {
      pipeline.emit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The enhancement path: GTCRN from the store; with --mic the default output plays the cleaned
   * audio (a note on stderr where there is none), with --enhance-out a WAV file gets it.
   */
  private LiveEnhancer openEnhancer(ModelStore store, int block, PrintWriter err)
      throws IOException {
    GtcrnModel model =
        GtcrnModel.load(
            CliSupport.model(store, ModelCatalog.GTCRN, err), GtcrnModel.defaultOptions());
    Speaker speaker = null;
    try {
      if (mic) {
        try {
          speaker = Speaker.open(RATE, block);
        } catch (IOException e) {
          err.println("stapes run: " + e.getMessage() + "; the cleaned audio is not played");
          err.flush();
        }
      }
      return LiveEnhancer.open(model, block, speaker, enhanceOut);
    } catch (IOException | RuntimeException e) {
      if (speaker != null) {
        speaker.close();
      }
      model.close();
      throw e;
    }
  }

  /** What runs per block: the detectors and/or the enhancement path (either may be null). */
  private static final class Blocks {
    final LivePipeline detectors;
    final LiveEnhancer enhancer;
    long samples;
    long enhanceNanos;
    long enhanceBlocks;

    Blocks(LivePipeline detectors, LiveEnhancer enhancer) {
      this.detectors = detectors;
      this.enhancer = enhancer;
    }

    void warmUp(float[] b, int off, int n) {
      if (detectors != null) {
        detectors.process(b, off, n);
      }
      if (enhancer != null) {
        enhancer.warmUp(b, off, n);
      }
    }

    void process(float[] b, int off, int n) {
      if (detectors != null) {
        detectors.process(b, off, n);
      }
      if (enhancer != null) {
        long t0 = System.nanoTime();
        enhancer.process(b, off, n);
        enhanceNanos += System.nanoTime() - t0;
        enhanceBlocks++;
      }
      samples += n;
    }

    /** Hands the cleaned samples to the speaker / file, outside the timed part. */
    void emit() throws IOException {
      if (enhancer != null) {
        enhancer.emit();
      }
    }

    void finish() throws IOException {
      if (detectors != null) {
        detectors.finish();
      }
      if (enhancer != null) {
        enhancer.finish();
      }
    }

    void reset() {
      if (detectors != null) {
        detectors.reset();
      }
      if (enhancer != null) {
        enhancer.reset();
      }
      samples = 0;
      enhanceNanos = 0;
      enhanceBlocks = 0;
    }
  }

  private void report(PrintWriter out, Stats s, Blocks b, int block) {
    LivePipeline p = b.detectors;
    long[] q = s.latency().percentiles(50, 99, 100);
    double audioSeconds = b.samples / (double) RATE;
    double processSeconds = s.processNanos() / 1e9;
    out.println();
    out.printf(
        Locale.ROOT,
        "%.2f s of audio in %d blocks of %d samples (%s ms), after a %d s warm-up on silence%n",
        audioSeconds,
        s.latency().count(),
        block,
        fmt(block * 1000.0 / RATE),
        WARMUP_SECONDS);
    out.printf(
        Locale.ROOT,
        "per-block latency: p50 %s ms, p99 %s ms, max %s ms%n",
        ms(q[0]),
        ms(q[1]),
        ms(q[2]));
    if (p != null && p.vadChunks() > 0) {
      out.printf(
          Locale.ROOT,
          "  VAD: %d chunks of 32 ms, mean %s ms per chunk%n",
          p.vadChunks(),
          ms(p.vadNanos() / p.vadChunks()));
    }
    if (p != null && p.wakeChunks() > 0) {
      out.printf(
          Locale.ROOT,
          "  wake words: %d chunks of 80 ms, mean %s ms per chunk%n",
          p.wakeChunks(),
          ms(p.wakeNanos() / p.wakeChunks()));
    }
    if (b.enhanceBlocks > 0) {
      out.printf(
          Locale.ROOT,
          "  enhancement: %d blocks, mean %s ms per block (one GTCRN run per 16 ms hop);"
              + " %d samples cleaned, algorithmic latency %s ms%n",
          b.enhanceBlocks,
          ms(b.enhanceNanos / b.enhanceBlocks),
          b.enhancer.samplesOut(),
          fmt(b.enhancer.latencySamples() * 1000.0 / RATE));
    }
    out.printf(
        Locale.ROOT,
        "real-time factor: %.4f (processing time / audio time; below 1 keeps up)%n",
        audioSeconds > 0 ? processSeconds / audioSeconds : 0.0);
  }

  private static String ms(long nanos) {
    return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
  }

  /** Prints events as they happen; the time in brackets is the stream position at the event. */
  private final class Events implements ListenerEvents {
    private final PrintWriter out;
    LivePipeline pipeline;
    boolean muted;

    Events(PrintWriter out) {
      this.out = out;
    }

    private void line(String text) {
      if (muted) {
        return;
      }
      double now = pipeline == null ? 0 : pipeline.samples() / (double) RATE;
      String clear = barActive ? "\r\033[K" : "";
      out.printf(Locale.ROOT, "%s[%8.3f s] %s%n", clear, now, text);
      out.flush();
    }

    @Override
    public void speechStart(long startSample) {
      line("speech started at " + CliSupport.seconds(startSample / (double) RATE) + " s");
    }

    @Override
    public void speechEnd(long startSample, long endSample) {
      line(
          "speech ended: "
              + CliSupport.seconds(startSample / (double) RATE)
              + " - "
              + CliSupport.seconds(endSample / (double) RATE)
              + " s");
    }

    @Override
    public void wakeWord(String keyword, long endSample, float score) {
      line("wake word '" + keyword + "' (score " + String.format(Locale.ROOT, "%.3f", score) + ")");
    }
  }
}
