package dev.stapes.cli;

import dev.stapes.audio.AudioFiles;
import dev.stapes.engine.SessionOptions;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.PipelineStream;
import dev.stapes.models.enroll.EnrolledWords;
import dev.stapes.models.enroll.WakeWordTask;
import dev.stapes.models.wakeword.MelSource;
import dev.stapes.models.wakeword.WakeWordDetection;
import dev.stapes.models.wakeword.WakeWordModel;
import dev.stapes.models.wakeword.WakeWordPipeline;
import dev.stapes.models.wakeword.WakeWordSpotter;
import dev.stapes.store.ModelStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./stapes wakeword IN.wav --keyword K [--json]}: openWakeWord detections. */
@Command(
    name = "wakeword",
    mixinStandardHelpOptions = true,
    description = {
      "Spot a wake word in a WAV file with openWakeWord (any WAV encoding and rate; resampled to"
          + " 16 kHz). One detection per utterance.",
      "The pre-trained openWakeWord models are licensed CC BY-NC-SA 4.0: non-commercial use only."
    })
public final class WakewordCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IN.wav", description = "The WAV file.")
  Path input;

  @Option(
      names = "--task",
      paramLabel = "F.task",
      description =
          "An enrolled word ('stapes enroll'), repeatable; scored beside the --keyword models on"
              + " the same embeddings, at its own calibrated threshold (score 0.5).")
  List<Path> tasks = new java.util.ArrayList<>();

  @Option(
      names = {"-k", "--keyword"},
      paramLabel = "K",
      description =
          "The wake word: alexa, hey_jarvis, hey_mycroft, hey_rhasspy or weather (the oww-*"
              + " classifiers of 'stapes models list'; the oww- prefix is optional); required"
              + " unless --task is given.")
  String keyword;

  @Option(
      names = "--json",
      description = "Print {\"detections\":[{\"time\":s,\"score\":x},...],\"max_score\":x}.")
  boolean json;

  @Option(
      names = "--threshold",
      paramLabel = "P",
      description = "Detection threshold in (0, 1] (default: ${DEFAULT-VALUE}).",
      defaultValue = "0.5")
  float threshold;

  @Option(
      names = "--mel",
      paramLabel = "SOURCE",
      description =
          "Mel spectrogram: STAPES (the oww-mel frontend) or ONNX (melspectrogram.onnx)"
              + " (default: ${DEFAULT-VALUE}).",
      defaultValue = "STAPES")
  MelSource mel;

  @Option(
      names = "--pad",
      paramLabel = "S",
      description =
          "Seconds of silence added before and after the audio, since the pipeline"
              + " needs over a second of context (default: ${DEFAULT-VALUE}).",
      defaultValue = "1.5")
  double pad;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (keyword == null && tasks.isEmpty()) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "Missing --keyword=K or --task=F.task, expected at least one");
    }
    if (keyword != null) {
      keyword = ModelCatalog.wakewordKeyword(keyword); // validates it, listing the valid ones
    }
    if (!tasks.isEmpty() && mel != MelSource.STAPES) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--mel=" + mel + " with --task: enrolled words were trained on the STAPES mel frontend");
    }
    List<WakeWordTask> loaded = new java.util.ArrayList<>();
    for (Path t : tasks) {
      loaded.add(WakeWordTask.read(t)); // one line for a corrupt, foreign or other-base file
    }
    if (!(pad >= 0 && pad <= 60)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--pad=" + pad + " s, expected 0 to 60 s");
    }
    CliSupport.openWav("wakeword", input, err);
    ModelStore store = CliSupport.store(err);
    if (mel == MelSource.ONNX) {
      CliSupport.model(store, ModelCatalog.OWW_MELSPECTROGRAM, err);
    }
    CliSupport.model(store, ModelCatalog.OWW_EMBEDDING, err);
    if (keyword != null) {
      CliSupport.model(store, ModelCatalog.WAKEWORD_PREFIX + keyword, err);
    }
    float[] raw = AudioFiles.readMono(input, 16000);
    int padSamples = (int) Math.round(pad * 16000);
    float[] audio = new float[raw.length + 2 * padSamples];
    System.arraycopy(raw, 0, audio, padSamples, raw.length);
    WakeWordSpotter.Result r;
    List<String> keywords;
    try (WakeWordModel model =
        WakeWordModel.open(
            store,
            keyword == null ? List.of() : List.of(keyword),
            loaded.isEmpty() ? null : new EnrolledWords(loaded),
            mel,
            SessionOptions.defaults())) {
      keywords = model.keywords();
      // the wakeword pipeline's stream: detections (crossing time, peak score) and per-chunk scores
      WakeWordSpotter.Collector found = new WakeWordSpotter.Collector(keywords);
      try (PipelineStream stream = WakeWordPipeline.stream(model, threshold, found)) {
        stream.push(audio, 0, audio.length);
        stream.endOfInput();
      }
      r = found.result();
    }
    double shift = pad;
    if (json) {
      StringBuilder sb = new StringBuilder("{\"detections\":[");
      for (int i = 0; i < r.detections().size(); i++) {
        WakeWordDetection d = r.detections().get(i);
        sb.append(i == 0 ? "" : ",")
            .append(
                keywords.size() > 1
                    ? "{\"keyword\":" + dev.stapes.engine.Json.quote(d.keyword()) + ","
                    : "{")
            .append("\"time\":")
            .append(CliSupport.seconds(Math.max(0, d.time() - shift)))
            .append(",\"score\":")
            .append(score(d.score()))
            .append('}');
      }
      sb.append("],\"max_score\":").append(score(r.maxScores()[0]));
      if (r.maxScores().length > 1) {
        sb.append(",\"max_scores\":{");
        for (int k = 0; k < keywords.size(); k++) {
          sb.append(k == 0 ? "" : ",")
              .append(dev.stapes.engine.Json.quote(keywords.get(k)))
              .append(':')
              .append(score(r.maxScores()[k]));
        }
        sb.append('}');
      }
      sb.append('}');
      out.println(sb);
    } else {
      for (WakeWordDetection d : r.detections()) {
        out.println(
            d.keyword()
                + " at "
                + CliSupport.seconds(Math.max(0, d.time() - shift))
                + " s, score "
                + score(d.score()));
      }
      StringBuilder max = new StringBuilder();
      for (int k = 0; k < keywords.size(); k++) {
        max.append(k == 0 ? "" : ", ").append(keywords.get(k)).append(' ');
        max.append(score(r.maxScores()[k]));
      }
      out.println(
          r.detections().size()
              + " detection(s) of "
              + keywords
              + ", max score "
              + max
              + " (threshold "
              + threshold
              + ", mel "
              + mel.name().toLowerCase(Locale.ROOT)
              + ")");
    }
    out.flush();
    return 0;
  }

  private static String score(float s) {
    return String.format(Locale.ROOT, "%.4f", s);
  }
}
