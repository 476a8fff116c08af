package dev.stapes.cli;

import dev.stapes.audio.AudioFiles;
import dev.stapes.engine.SessionOptions;
import dev.stapes.models.ModelCatalog;
import dev.stapes.models.vad.SegmenterOptions;
import dev.stapes.models.vad.SileroVad;
import dev.stapes.models.vad.SpeechSegment;
import dev.stapes.models.vad.VadStream;
import dev.stapes.models.vad.VoiceActivityDetector;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./stapes vad IN.wav [--json]}: speech segments found by Silero VAD v5. */
@Command(
    name = "vad",
    mixinStandardHelpOptions = true,
    description = {
      "Find the speech segments of a WAV file with Silero VAD v5 (any WAV encoding and rate;"
          + " 8 kHz files run natively, others are resampled to 16 kHz).",
      "Segments follow Silero's get_speech_timestamps defaults: threshold 0.5, end after 100 ms"
          + " below threshold-0.15, minimum speech 250 ms, 30 ms padding."
    })
public final class VadCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IN.wav", description = "The WAV file.")
  Path input;

  @Option(names = "--json", description = "Print {\"segments\":[{\"start\":s,\"end\":s},...]}.")
  boolean json;

  @Option(
      names = "--rate",
      paramLabel = "HZ",
      description = "Model rate: 16000 or 8000 (default: 8000 for 8 kHz files, else 16000).")
  Integer rate;

  @Option(
      names = "--threshold",
      paramLabel = "P",
      description = "Speech threshold in (0, 1] (default: ${DEFAULT-VALUE}).",
      defaultValue = "0.5")
  float threshold;

  @Option(
      names = "--min-silence-ms",
      paramLabel = "MS",
      description = "Silence that ends a segment (default: ${DEFAULT-VALUE}).",
      defaultValue = "100")
  int minSilenceMs;

  @Option(
      names = "--min-speech-ms",
      paramLabel = "MS",
      description = "Shorter segments are dropped (default: ${DEFAULT-VALUE}).",
      defaultValue = "250")
  int minSpeechMs;

  @Option(
      names = "--pad-ms",
      paramLabel = "MS",
      description = "Padding on each side (default: ${DEFAULT-VALUE}).",
      defaultValue = "30")
  int padMs;

  @Option(
      names = "--model",
      paramLabel = "FILE",
      description = "Use this Silero VAD v5 .onnx file instead of the store's.")
  Path model;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    checkMs("--min-silence-ms", minSilenceMs);
    checkMs("--min-speech-ms", minSpeechMs);
    checkMs("--pad-ms", padMs);
    SegmenterOptions options =
        SegmenterOptions.builder()
            .optThreshold(threshold)
            .optMinSilenceMs(minSilenceMs)
            .optMinSpeechMs(minSpeechMs)
            .optSpeechPadMs(padMs)
            .build();
    int fileRate = CliSupport.openWav("vad", input, err).sampleRate();
    int r = rate != null ? rate : (fileRate == 8000 ? 8000 : 16000);
    if (r != 8000 && r != 16000) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--rate=" + r + " Hz, expected 8000 or 16000");
    }
    Path modelPath = CliSupport.modelOrOverride(model, ModelCatalog.SILERO_VAD_V5, err);
    float[] audio = AudioFiles.readMono(input, r);
    List<SpeechSegment> segments;
    try (SileroVad vad = SileroVad.open(modelPath, SessionOptions.defaults());
        VadStream stream = vad.newStream(r)) {
      segments = VoiceActivityDetector.segments(stream, audio, options);
    }
    if (json) {
      StringBuilder sb = new StringBuilder("{\"segments\":[");
      for (int i = 0; i < segments.size(); i++) {
        SpeechSegment s = segments.get(i);
        sb.append(i == 0 ? "" : ",")
            .append("{\"start\":")
            .append(CliSupport.seconds(s.start()))
            .append(",\"end\":")
            .append(CliSupport.seconds(s.end()))
            .append('}');
      }
      out.println(sb.append("]}"));
    } else {
      for (SpeechSegment s : segments) {
        out.println(
            "speech " + CliSupport.seconds(s.start()) + " - " + CliSupport.seconds(s.end()) + " s");
      }
      out.println(
          segments.size()
              + " segment(s) in "
              + CliSupport.seconds(audio.length / (double) r)
              + " s of audio (Silero VAD v5 at "
              + r
              + " Hz)");
    }
    out.flush();
    return 0;
  }

  private void checkMs(String option, int ms) {
    if (ms < 0 || ms > 60_000) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), option + "=" + ms + " ms, expected 0 to 60000 ms");
    }
  }
}
