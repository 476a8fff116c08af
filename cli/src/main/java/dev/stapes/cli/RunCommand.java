package dev.stapes.cli;

import dev.stapes.engine.SessionOptions;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.ModelDescriptors;
import dev.stapes.models.PipelineEvent;
import dev.stapes.models.PipelineSink;
import dev.stapes.models.PipelineStream;
import dev.stapes.models.enhance.EnhancePipeline;
import dev.stapes.models.enhance.GtcrnDescriptor;
import dev.stapes.models.enhance.GtcrnModel;
import dev.stapes.models.live.AudioOut;
import dev.stapes.models.live.AudioSource;
import dev.stapes.models.live.FanOut;
import dev.stapes.models.live.FileSource;
import dev.stapes.models.live.LatencyRecorder;
import dev.stapes.models.live.MicrophoneSource;
import dev.stapes.models.live.PacedDriver;
import dev.stapes.models.live.RealTimeRunner;
import dev.stapes.models.live.Speaker;
import dev.stapes.models.vad.SegmenterOptions;
import dev.stapes.models.vad.SileroVad;
import dev.stapes.models.vad.SpeechSegment;
import dev.stapes.models.vad.SpeechStart;
import dev.stapes.models.vad.VadPipeline;
import dev.stapes.models.wakeword.MelSource;
import dev.stapes.models.wakeword.WakeWordModel;
import dev.stapes.models.wakeword.WakeWordPipeline;
import dev.stapes.models.wakeword.WakeWordStart;
import dev.stapes.models.wakeword.WakeWordStream;
import dev.stapes.store.ModelStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
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

  private static final int RATE = VadPipeline.SAMPLE_RATE;

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
    MicrophoneSource micSource = mic ? MicrophoneSource.open(RATE, block) : null;

    ModelStore store = CliSupport.store(err);
    SessionOptions options = SessionOptions.builder().optIntraOpThreads(threads).build();
    SileroVad vad = null;
    WakeWordModel wake = null;
    GtcrnModel gtcrn = null;
    AudioOut audioOut = null;
    try {
      if (enhance) {
        gtcrn =
            GtcrnModel.open(
                CliSupport.model(store, ModelCatalog.GTCRN, err), GtcrnModel.defaultOptions());
        audioOut = openAudioOut(block, err);
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
            WakeWordModel.open(
                store,
                kws,
                enrolled.isEmpty() ? null : new dev.stapes.models.enroll.EnrolledWords(enrolled),
                mel,
                options);
      }
      Events events = new Events(out);
      // one stream into every pipeline of the run, each with its own chunk
      List<PipelineStream> members = new ArrayList<>();
      List<Integer> chunks = new ArrayList<>();
      int vadAt = -1;
      int wakeAt = -1;
      int enhanceAt = -1;
      if (vad != null) {
        vadAt = members.size();
        members.add(VadPipeline.stream(vad, SegmenterOptions.defaults(), events));
        chunks.add(ModelDescriptors.SILERO_CHUNK_16K);
      }
      if (wake != null) {
        wakeAt = members.size();
        members.add(WakeWordPipeline.stream(wake, threshold, events));
        chunks.add(WakeWordStream.CHUNK);
      }
      if (gtcrn != null) {
        enhanceAt = members.size();
        members.add(EnhancePipeline.stream(gtcrn, audioOut));
        chunks.add(GtcrnDescriptor.HOP);
      }
      int[] c = new int[chunks.size()];
      for (int i = 0; i < c.length; i++) {
        c[i] = chunks.get(i);
      }
      try (FanOut pipeline = new FanOut(members, c)) {
        // warm-up: the first runs of each model allocate and compile; keep them out of the figures
        events.muted = true;
        if (audioOut != null) {
          audioOut.mute(true);
        }
        float[] silence = new float[WARMUP_SECONDS * RATE];
        for (int off = 0; off < silence.length; off += block) {
          pipeline.push(silence, off, Math.min(block, silence.length - off));
        }
        pipeline.reset();
        if (audioOut != null) {
          audioOut.mute(false);
          audioOut.reset();
        }
        events.muted = false;
        events.pipeline = pipeline;
        String what =
            (vad != null ? "Silero VAD v5" : "")
                + (vad != null && wake != null ? " + " : "")
                + (wake != null ? "openWakeWord " + wake.keywords() : "")
                + (gtcrn != null
                    ? (vad != null || wake != null ? " + " : "") + "GTCRN enhancement"
                    : "");
        LatencyRecorder latency;
        PacedDriver.Result result;
        if (mic) {
          out.println(
              "Listening on the default microphone (16 kHz mono) with "
                  + what
                  + ";"
                  + (seconds == null ? " Ctrl-C to stop." : " for " + seconds + " s."));
          out.flush();
          latency = new LatencyRecorder(1 << 22);
          result = runMic(micSource, pipeline, block, latency, audioOut);
        } else {
          String name = input == null ? "bundled sample (" + SAMPLE + ")" : input.toString();
          out.println("Streaming " + name + " in " + fmt(blockMs) + " ms blocks through " + what);
          out.flush();
          try (AudioSource src = openSource()) {
            long length = src.length();
            latency =
                new LatencyRecorder(
                    length > 0 ? (int) Math.min(1 << 24, length / block + 2) : 1 << 20);
            result = runFile(src, pipeline, block, realtimePace, latency, audioOut);
          }
        }
        report(out, result, latency, pipeline, vadAt, wakeAt, enhanceAt, block, audioOut);
      }
    } finally {
      if (micSource != null) {
        micSource.close();
      }
      if (audioOut != null) {
        audioOut.close();
      }
      if (gtcrn != null) {
        gtcrn.close();
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

  private PacedDriver.Result runFile(
      AudioSource src,
      PipelineStream pipeline,
      int block,
      boolean realtimePace,
      LatencyRecorder latency,
      AudioOut audioOut)
      throws Exception {
    long length = src.length();
    boolean bar = System.console() != null && length > 0 && length > PROGRESS_SECONDS * RATE;
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
      PacedDriver.Result[] result = new PacedDriver.Result[1];
      // The processing loop runs on its own thread: the place where real-time thread controls
      // (CPU pinning, SCHED_FIFO, locked memory) apply to the per-block work.
      RealTimeRunner.run(
          "stapes-run",
          realtime,
          System.err,
          "stapes run: ",
          () ->
              result[0] =
                  PacedDriver.run(
                      src,
                      pipeline,
                      block,
                      realtimePace,
                      () -> false,
                      Long.MAX_VALUE,
                      latency,
                      fed -> {
                        if (audioOut != null) {
                          audioOut.emit();
                        }
                        if (pb != null && (latency.count() & 31) == 0) {
                          pb.stepTo(fed);
                        }
                      }));
      if (pb != null) {
        pb.stepTo(result[0].samples());
      }
      barActive = false;
      return result[0];
    }
  }

  private AudioSource openSource() throws IOException {
    if (input != null) {
      return FileSource.open(input, RATE);
    }
    InputStream in = RunCommand.class.getResourceAsStream(SAMPLE);
    if (in == null) {
      throw new IOException("bundled sample " + SAMPLE + " missing from the jar");
    }
    return FileSource.open(in, "sample.wav", RATE);
  }

  private PacedDriver.Result runMic(
      MicrophoneSource src,
      PipelineStream pipeline,
      int block,
      LatencyRecorder latency,
      AudioOut audioOut)
      throws Exception {
    long limit = seconds == null ? Long.MAX_VALUE : Math.round(seconds * RATE);
    AtomicBoolean stop = new AtomicBoolean();
    Thread hook = new Thread(() -> stop.set(true));
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      PacedDriver.Result[] result = new PacedDriver.Result[1];
      RealTimeRunner.run(
          "stapes-run",
          realtime,
          System.err,
          "stapes run: ",
          () ->
              result[0] =
                  PacedDriver.run(
                      src,
                      pipeline,
                      block,
                      false,
                      stop::get,
                      limit,
                      latency,
                      fed -> {
                        if (audioOut != null) {
                          audioOut.emit();
                        }
                      }));
      return result[0];
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // shutting down: the hook already ran
      }
    }
  }

  /**
   * Where the cleaned audio goes: with --mic the default output plays it (a note on stderr where
   * there is none), with --enhance-out a WAV file gets it.
   */
  private AudioOut openAudioOut(int block, PrintWriter err) throws IOException {
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
      return AudioOut.open(RATE, block, speaker, enhanceOut);
    } catch (IOException | RuntimeException e) {
      if (speaker != null) {
        speaker.close();
      }
      throw e;
    }
  }

  private void report(
      PrintWriter out,
      PacedDriver.Result s,
      LatencyRecorder latency,
      FanOut p,
      int vadAt,
      int wakeAt,
      int enhanceAt,
      int block,
      AudioOut audioOut) {
    long[] q = latency.percentiles(50, 99, 100);
    double audioSeconds = p.samplesPushed() / (double) RATE;
    double processSeconds = s.processNanos() / 1e9;
    out.println();
    out.printf(
        Locale.ROOT,
        "%.2f s of audio in %d blocks of %d samples (%s ms), after a %d s warm-up on silence%n",
        audioSeconds,
        latency.count(),
        block,
        fmt(block * 1000.0 / RATE),
        WARMUP_SECONDS);
    out.printf(
        Locale.ROOT,
        "per-block latency: p50 %s ms, p99 %s ms, max %s ms%n",
        ms(q[0]),
        ms(q[1]),
        ms(q[2]));
    if (vadAt >= 0 && p.member(vadAt).chunksRun() > 0) {
      long n = p.member(vadAt).chunksRun();
      out.printf(
          Locale.ROOT,
          "  VAD: %d chunks of 32 ms, mean %s ms per chunk%n",
          n,
          ms(p.nanos(vadAt) / n));
    }
    if (wakeAt >= 0 && p.member(wakeAt).chunksRun() > 0) {
      long n = p.member(wakeAt).chunksRun();
      out.printf(
          Locale.ROOT,
          "  wake words: %d chunks of 80 ms, mean %s ms per chunk%n",
          n,
          ms(p.nanos(wakeAt) / n));
    }
    if (enhanceAt >= 0 && p.blocks() > 0) {
      out.printf(
          Locale.ROOT,
          "  enhancement: %d blocks, mean %s ms per block (one GTCRN run per 16 ms hop);"
              + " %d samples cleaned, algorithmic latency %s ms%n",
          p.blocks(),
          ms(p.nanos(enhanceAt) / p.blocks()),
          audioOut.samplesOut(),
          fmt(GtcrnDescriptor.LATENCY_SAMPLES * 1000.0 / RATE));
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
  private final class Events implements PipelineSink {
    private final PrintWriter out;
    PipelineStream pipeline;
    boolean muted;

    Events(PrintWriter out) {
      this.out = out;
    }

    private void line(String text) {
      if (muted) {
        return;
      }
      double now = pipeline == null ? 0 : pipeline.samplesPushed() / (double) RATE;
      String clear = barActive ? "\r\033[K" : "";
      out.printf(Locale.ROOT, "%s[%8.3f s] %s%n", clear, now, text);
      out.flush();
    }

    @Override
    public void onEvent(PipelineEvent event) {
      if (event instanceof SpeechStart st) {
        line("speech started at " + CliSupport.seconds(st.timeSeconds()) + " s");
      } else if (event instanceof SpeechSegment sg) {
        line(
            "speech ended: "
                + CliSupport.seconds(sg.start())
                + " - "
                + CliSupport.seconds(sg.end())
                + " s");
      } else if (event instanceof WakeWordStart w) {
        line(
            "wake word '"
                + w.keyword()
                + "' (score "
                + String.format(Locale.ROOT, "%.3f", w.score())
                + ")");
      }
    }
  }
}
