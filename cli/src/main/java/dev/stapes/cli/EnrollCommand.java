package dev.stapes.cli;

import dev.stapes.audio.AudioFiles;
import dev.stapes.engine.SessionOptions;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.enroll.Enroller;
import dev.stapes.models.enroll.Enrollment;
import dev.stapes.models.enroll.TakeCheck;
import dev.stapes.models.enroll.WakeWordTask;
import dev.stapes.store.ModelStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.DataLine;
import javax.sound.sampled.LineUnavailableException;
import javax.sound.sampled.TargetDataLine;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./stapes enroll --name NAME TAKE.wav... --out NAME.task [--mic]}: a new wake word. */
@Command(
    name = "enroll",
    mixinStandardHelpOptions = true,
    description = {
      "Learn a new wake word from 3 to 5 takes (WAV files or the microphone) on openWakeWord's"
          + " shared embedding model, and write it as a task file for 'stapes wakeword --task'"
          + " and 'stapes run --task'.",
      "Each take is checked (clipped, too quiet, too long, no speech) and trimmed with Silero"
          + " VAD; the threshold is calibrated on held-out real speech to a false-accept target."
    })
public final class EnrollCommand implements Callable<Integer> {

  /** Records takes; the microphone, or a stand-in in tests. */
  interface TakeRecorder extends AutoCloseable {
    /** Records {@code seconds} of 16 kHz mono audio, calling {@code level} with peak levels. */
    float[] record(double seconds, java.util.function.DoubleConsumer level) throws IOException;

    @Override
    void close();
  }

  /** Opens the recorder for --mic (replaced in tests). */
  static java.util.function.Supplier<TakeRecorder> recorders = MicRecorder::open;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--name",
      required = true,
      paramLabel = "NAME",
      description = "The word's name, e.g. hey_nova (letters, digits, '_', '.', '-').")
  String name;

  @Parameters(
      arity = "0..*",
      paramLabel = "TAKE.wav",
      description = "3 to 5 recordings of the word, once each (any WAV encoding and rate).")
  List<Path> takes = new ArrayList<>();

  @Option(names = "--mic", description = "Record the takes from the default microphone.")
  boolean mic;

  @Option(
      names = "--takes",
      paramLabel = "N",
      defaultValue = "3",
      description = "With --mic: how many takes, 3 to 5 (default: ${DEFAULT-VALUE}).")
  int micTakes;

  @Option(
      names = "--take-seconds",
      paramLabel = "S",
      defaultValue = "2.5",
      description = "With --mic: seconds recorded per take (default: ${DEFAULT-VALUE}).")
  double takeSeconds;

  @Option(
      names = {"-o", "--out"},
      required = true,
      paramLabel = "F.task",
      description = "The task file to write.")
  Path out;

  @Option(
      names = "--negatives",
      paramLabel = "PATH",
      description =
          "More negative audio (a WAV file or a directory of them), repeatable: speech and"
              + " noise of where the device will listen.")
  List<Path> negatives = new ArrayList<>();

  @Option(
      names = "--corpus",
      paramLabel = "DIR",
      description =
          "The negatives corpus (librispeech/*.wav and noise clips; default: $STAPES_CORPUS, else"
              + " ../shared/corpus).")
  Path corpus;

  @Option(
      names = "--target-fa",
      paramLabel = "PER_HOUR",
      defaultValue = "0.5",
      description =
          "False accepts per hour of held-out speech the threshold is calibrated to (default:"
              + " ${DEFAULT-VALUE}).")
  double targetFa;

  @Option(
      names = "--speaker-lock",
      description =
          "Experimental: add a second stage meant to accept the word only in the enrolled voice"
              + " (a verifier head against other people's speech and voice-shifted copies of the"
              + " takes). Measured on this base it rejects almost none of the same word in other"
              + " voices (docs/enroll.md); it does lower false accepts.")
  boolean speakerLock;

  @Option(
      names = "--augmentations",
      paramLabel = "N",
      defaultValue = "20",
      description =
          "Training copies per take (the take itself and N-1 augmented ones), 1 to 200"
              + " (default: ${DEFAULT-VALUE}); fewer is faster and less robust.")
  int augmentations;

  @Override
  public Integer call() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      WakeWordTask.checkName(name);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--" + e.getMessage());
    }
    if (mic && !takes.isEmpty()) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "TAKE.wav files and --mic both given, expected one of them");
    }
    int n = mic ? micTakes : takes.size();
    if (n < 3 || n > 5) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          (mic ? "--takes=" + n : n + " take(s) given") + ", expected 3 to 5 takes of the word");
    }
    if (!(takeSeconds >= 1 && takeSeconds <= TakeCheck.MAX_TAKE_SECONDS)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--take-seconds=" + takeSeconds + ", expected 1 to 10 s");
    }
    if (!(targetFa > 0 && targetFa <= 1000)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--target-fa=" + targetFa + " per hour, expected (0, 1000]");
    }
    if (augmentations < 1 || augmentations > 200) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--augmentations=" + augmentations + ", expected 1 to 200");
    }
    Path parent = out.toAbsolutePath().getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      throw new IOException("--out " + out + ": directory " + parent + " does not exist");
    }
    Path corpusDir = corpus;
    if (corpusDir == null) {
      String env = System.getenv("STAPES_CORPUS");
      corpusDir = Path.of(env != null && !env.isBlank() ? env : "../shared/corpus");
    }
    if (!Files.isDirectory(corpusDir.resolve("librispeech"))) {
      throw new IOException(
          "corpus "
              + corpusDir
              + " has no librispeech/ directory of real speech to calibrate on (set --corpus DIR"
              + " or STAPES_CORPUS)");
    }
    for (Path p : takes) {
      CliSupport.openWav("enroll", p, err);
    }
    for (Path p : negatives) {
      if (!Files.exists(p)) {
        throw new IOException("--negatives " + p + ": no such file or directory");
      }
    }
    ModelStore store = CliSupport.store(err);
    CliSupport.model(store, ModelCatalog.OWW_EMBEDDING, err);
    CliSupport.model(store, ModelCatalog.SILERO_VAD_V5, err);
    SessionOptions options = SessionOptions.builder().optIntraOpThreads(1).build();
    long t0 = System.nanoTime();
    // fail fast, before loading models and negatives, when there is no microphone
    TakeRecorder recorder = mic ? recorders.get() : null;
    try (recorder;
        Enrollment e = Enrollment.open(store, corpusDir, negatives, options)) {
      List<float[]> trimmed = new ArrayList<>();
      if (mic) {
        {
          TakeRecorder rec = recorder;
          for (int i = 1; i <= n; ) {
            o.printf(
                Locale.ROOT,
                "Take %d of %d: say '%s' once, now (%.1f s)%n",
                i,
                n,
                name.replace('_', ' '),
                takeSeconds);
            o.flush();
            float[] audio = rec.record(takeSeconds, level -> meter(o, level));
            o.println();
            try {
              TakeCheck.Take t = e.check(audio);
              trimmed.add(t.audio());
              o.printf(
                  Locale.ROOT,
                  "  ok: %.2f s of speech, peak %.1f dBFS%n",
                  t.speechSeconds(),
                  t.peakDbfs());
              i++;
            } catch (TakeCheck.BadTakeException bad) {
              o.println("  take " + i + " refused: " + bad.getMessage() + "; again");
            }
            o.flush();
          }
        }
      } else {
        for (int i = 0; i < takes.size(); i++) {
          Path p = takes.get(i);
          try {
            trimmed.add(e.check(AudioFiles.readMono(p, 16000)).audio());
          } catch (TakeCheck.BadTakeException bad) {
            throw new IOException("take " + (i + 1) + " (" + p + "): " + bad.getMessage());
          }
        }
      }
      Enroller.Options opt =
          Enroller.Options.defaults()
              .withTarget(targetFa)
              .withAugmentations(augmentations)
              .withSpeakerLock(speakerLock);
      Enrollment.Result r = e.enroll(name, trimmed, opt);
      r.task().write(out);
      Enroller.Report rep = r.report();
      o.printf(
          Locale.ROOT,
          "Enrolled '%s' from %d takes in %.1f s (training %.1f s): threshold %.2f (logit) for"
              + " <= %s false accepts/hour, %d in %.1f min of held-out speech; expected recall"
              + " %.0f%% on %d augmented copies of the takes; wrote %s%n",
          name,
          trimmed.size(),
          (System.nanoTime() - t0) / 1e9,
          rep.totalSeconds(),
          rep.threshold(),
          CliSupport.seconds(targetFa),
          rep.calibrationFalseAccepts(),
          rep.calibrationHours() * 60,
          100 * rep.expectedRecall(),
          rep.validationClips(),
          out);
    }
    o.flush();
    return 0;
  }

  private static void meter(PrintWriter o, double peak) {
    double db = 20 * Math.log10(Math.max(peak, 1e-6));
    int bars = (int) Math.max(0, Math.min(40, (db + 60) * 40 / 60));
    o.print(
        "\r  level ["
            + "#".repeat(bars)
            + " ".repeat(40 - bars)
            + String.format(Locale.ROOT, "] %6.1f dBFS", db));
    o.flush();
  }

  /** The default microphone through javax.sound. */
  static final class MicRecorder implements TakeRecorder {
    private final TargetDataLine line;

    private MicRecorder(TargetDataLine line) {
      this.line = line;
    }

    static TakeRecorder open() {
      AudioFormat format = new AudioFormat(16000, 16, 1, true, false);
      DataLine.Info info = new DataLine.Info(TargetDataLine.class, format);
      if (!AudioSystem.isLineSupported(info)) {
        throw new IllegalStateException(
            "no microphone: javax.sound offers no capture line for 16 kHz mono 16-bit PCM on"
                + " this machine; give the takes as WAV files instead");
      }
      try {
        TargetDataLine l = (TargetDataLine) AudioSystem.getLine(info);
        l.open(format, 16000);
        return new MicRecorder(l);
      } catch (LineUnavailableException | IllegalArgumentException | SecurityException e) {
        throw new IllegalStateException(
            "no microphone: cannot open the capture line: " + e.getMessage(), e);
      }
    }

    @Override
    public float[] record(double seconds, java.util.function.DoubleConsumer level) {
      int total = (int) Math.round(seconds * 16000);
      float[] out = new float[total];
      byte[] buf = new byte[1600 * 2];
      line.flush();
      line.start();
      try {
        int n = 0;
        while (n < total) {
          int r = line.read(buf, 0, Math.min(buf.length, (total - n) * 2));
          float peak = 0;
          for (int i = 0; i + 1 < r; i += 2) {
            float v = (short) ((buf[i] & 0xff) | (buf[i + 1] << 8)) / 32768f;
            out[n++] = v;
            peak = Math.max(peak, Math.abs(v));
          }
          level.accept(peak);
        }
      } finally {
        line.stop();
      }
      return out;
    }

    @Override
    public void close() {
      line.close();
    }
  }
}
