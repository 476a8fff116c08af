package dev.stapes.cli;

import dev.stapes.audio.AudioFiles;
import dev.stapes.engine.Session;
import dev.stapes.engine.inject.InjectedModel;
import dev.stapes.engine.inject.Injector;
import dev.stapes.engine.inject.LoraAdapter;
import dev.stapes.engine.inject.ModuleMapping;
import dev.stapes.engine.inject.Task;
import dev.stapes.models.PipelineSink;
import dev.stapes.models.PipelineStream;
import dev.stapes.models.kws.KeywordDetection;
import dev.stapes.models.kws.KwsOptions;
import dev.stapes.models.kws.KwsPipeline;
import dev.stapes.models.kws.Kwt1;
import dev.stapes.tflite.TfliteImporter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./stapes kws IN.wav [--json]}: keywords spotted by KWT-1. */
@Command(
    name = "kws",
    mixinStandardHelpOptions = true,
    description = {
      "Spot the Speech Commands keywords (yes, no, up, down, left, right, on, off, stop, go) in a"
          + " WAV file with KWT-1, the Keyword Transformer (any WAV encoding and rate; resampled to"
          + " 16 kHz).",
      "One-second windows every hop, softmax posteriors averaged over a few windows, one"
          + " detection per spoken keyword, at the centre of the word.",
      "Model: the store's 'kwt1' (TFLite, imported to ONNX on first use; set STAPES_MODEL_MIRROR"
          + " to a directory holding kwt1/kwt1_non_stream.tflite)."
    })
public final class KwsCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IN.wav", description = "The WAV file.")
  Path input;

  @Option(
      names = "--json",
      description = "Print {\"detections\":[{\"time\":s,\"label\":\"...\",\"score\":x},...]}.")
  boolean json;

  @Option(
      names = "--hop-ms",
      paramLabel = "MS",
      description = "Time between two windows (default: ${DEFAULT-VALUE}).",
      defaultValue = "100")
  double hopMs;

  @Option(
      names = "--smoothing",
      paramLabel = "N",
      description = "Windows whose posteriors are averaged (default: ${DEFAULT-VALUE}).",
      defaultValue = "3")
  int smoothing;

  @Option(
      names = "--threshold",
      paramLabel = "P",
      description = "Smoothed posterior that starts a detection (default: ${DEFAULT-VALUE}).",
      defaultValue = "0.6")
  float threshold;

  @Option(
      names = "--release",
      paramLabel = "P",
      description = "Smoothed posterior below which it ends (default: ${DEFAULT-VALUE}).",
      defaultValue = "0.3")
  float release;

  @Option(
      names = "--min-windows",
      paramLabel = "N",
      description = "Windows a keyword must lead to count (default: ${DEFAULT-VALUE}).",
      defaultValue = "3")
  int minWindows;

  @Option(
      names = "--model",
      paramLabel = "FILE",
      description = "Use this KWT-style model (.onnx, or .tflite imported on the fly).")
  Path model;

  @Option(
      names = "--lora",
      paramLabel = "DIR[:SCALE]",
      description =
          "A PEFT LoRA directory for KWT-1 (modules blocks.<i>.attn.q_proj|k_proj|v_proj|out_proj,"
              + " blocks.<i>.mlp.fc1|fc2), optionally :SCALE times its trained scale; merged into the"
              + " weights for this run. Repeatable.")
  List<String> loras = new ArrayList<>();

  @Option(
      names = "--module-mapping",
      paramLabel = "F.json",
      description = "Module mapping for --lora (default: KWT-1's built-in mapping).")
  Path mapping;

  @Override
  public Integer call() throws Exception {
    double minHop = 1000.0 / KwsOptions.SAMPLE_RATE;
    double maxHop = KwsOptions.WINDOW_SAMPLES * 1000.0 / KwsOptions.SAMPLE_RATE;
    if (!(hopMs >= minHop && hopMs <= maxHop)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--hop-ms=" + hopMs + " ms, expected " + minHop + " to " + maxHop + " ms");
    }
    KwsOptions options =
        KwsOptions.builder()
            .optHopMs(hopMs)
            .optSmoothingWindows(smoothing)
            .optThreshold(threshold)
            .optReleaseThreshold(release)
            .optMinWindows(minWindows)
            .build();
    CliSupport.openWav("kws", input, spec.commandLine().getErr());
    float[] audio = AudioFiles.readMono(input, KwsOptions.SAMPLE_RATE);
    Path onnx = modelPath();
    List<KeywordDetection> detections = new ArrayList<>();
    // the kws pipeline's streaming contract: the whole clip pushed, then the end of input
    try (KwsPipeline pipeline = new KwsPipeline(open(onnx), options);
        PipelineStream stream =
            pipeline.newStream(PipelineSink.collect(KeywordDetection.class, detections))) {
      stream.push(audio, 0, audio.length);
      stream.endOfInput();
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      StringBuilder sb = new StringBuilder("{\"detections\":[");
      for (int i = 0; i < detections.size(); i++) {
        KeywordDetection d = detections.get(i);
        sb.append(i == 0 ? "" : ",")
            .append(
                String.format(
                    Locale.ROOT,
                    "{\"time\":%.3f,\"label\":\"%s\",\"score\":%.4f}",
                    d.timeSeconds(),
                    d.label(),
                    d.score()));
      }
      out.println(sb.append("]}"));
    } else {
      for (KeywordDetection d : detections) {
        out.printf(Locale.ROOT, "%8.3f s  %-6s %.4f%n", d.timeSeconds(), d.label(), d.score());
      }
      if (detections.isEmpty()) {
        out.println("no keyword");
      }
    }
    out.flush();
    return 0;
  }

  /** The model, with the LoRAs merged into its weights when any is given. */
  private Session open(Path onnx) throws java.io.IOException {
    if (loras.isEmpty()) {
      if (mapping != null) {
        throw new IllegalArgumentException("--module-mapping needs at least one --lora");
      }
      return Session.open(onnx, Kwt1.singleThreaded());
    }
    Task.Builder task = Task.builder("kws");
    for (String spec : loras) {
      Object[] dirScale = InjectionOptions.parseLora(spec);
      Path dir = (Path) dirScale[0];
      if (!Files.isDirectory(dir)) {
        throw new java.nio.file.NoSuchFileException(dir + " (no such PEFT LoRA directory)");
      }
      task.add(LoraAdapter.readPeft(dir), (Float) dirScale[1]);
    }
    ModuleMapping modules = mapping == null ? Kwt1.injectionMapping() : ModuleMapping.read(mapping);
    InjectedModel merged =
        Injector.builder()
            .model(onnx)
            .mapping(modules)
            .mode(Injector.Mode.BAKED)
            .task(task.build())
            .build();
    return merged.openSession(onnx + " + LoRA", Kwt1.singleThreaded());
  }

  private Path modelPath() throws Exception {
    if (model == null) {
      return Kwt1.onnx(CliSupport.store(spec.commandLine().getErr()));
    }
    CliSupport.requireFile(model);
    if (model.getFileName().toString().endsWith(".tflite")) {
      Path tmp = Files.createTempFile("stapes-kws-", ".onnx");
      tmp.toFile().deleteOnExit();
      TfliteImporter.importFile(model, tmp);
      return tmp;
    }
    return model;
  }
}
