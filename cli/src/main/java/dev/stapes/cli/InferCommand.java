package dev.stapes.cli;

import dev.stapes.engine.ElementType;
import dev.stapes.engine.Npy;
import dev.stapes.engine.NpyArray;
import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.Tensor;
import dev.stapes.engine.TensorProtos;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./stapes infer --model M.onnx --input NAME=F.npy ... --out DIR}: runs any ONNX model once
 * and writes one {@code .npy} per output.
 *
 * <p>The run is four steps, each a method, so that options added later (adapters, task embeddings,
 * merging) slot in without touching the others: {@link #loadModel} reads the model bytes and passes
 * them through every {@link Extension#rewriteModel}; {@link #readInputs} reads the {@code --input}
 * files; every {@link Extension#addInputs} may add or replace feeds (bound task tensors); {@link
 * #writeOutputs} writes the results. An extension is a picocli {@code @Mixin} of this class that
 * implements {@link Extension} and is listed in {@link #extensions()}.
 */
@Command(
    name = "infer",
    mixinStandardHelpOptions = true,
    description = {
      "Run an ONNX model once on tensors from files and write one .npy per output.",
      "Inputs are NumPy .npy files (versions 1-3, either byte order, C order) or ONNX TensorProto"
          + " .pb files (as in the ONNX backend tests; NAME= may be omitted for a .pb whose"
          + " proto names the input). Shapes and types are checked against the model's.",
      "Adapters (--lora, --adapter, --task-embedding) are injected into the graph at load time:"
          + " bound as extra inputs by default, baked into constants with --merge."
    })
public final class InferCommand implements Callable<Integer> {

  /**
   * A piece of {@code infer} contributed by another feature (e.g. adapters): rewrites the model
   * before it is loaded and/or adds inputs before the run. Both default to doing nothing.
   */
  public interface Extension {
    /** The model to load, given the bytes so far; {@code modelFile} is the {@code --model}. */
    default byte[] rewriteModel(byte[] model, Path modelFile) throws IOException {
      return model;
    }

    /** Adds or replaces feeds; tensors added here are closed by {@code infer} after the run. */
    default void addInputs(Session session, Map<String, Tensor> feeds) throws IOException {}
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "M.onnx",
      description = "The ONNX model.")
  Path model;

  @Option(
      names = "--input",
      paramLabel = "NAME=FILE",
      description =
          "An input tensor: NAME=F.npy or NAME=F.pb (repeat for each input; none for a model"
              + " without inputs).")
  List<String> inputs = new ArrayList<>();

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Directory for the outputs (created): one NAME.npy per output.")
  Path out;

  @Option(
      names = "--provider",
      paramLabel = "EP",
      defaultValue = "cpu",
      description =
          "Execution provider: cpu or cuda (cuda needs a build with -Pgpu, CUDA 12 and cuDNN 9)"
              + " (default: ${DEFAULT-VALUE}).")
  String provider;

  @Option(
      names = "--device",
      paramLabel = "N",
      defaultValue = "0",
      description = "GPU index for --provider cuda (default: ${DEFAULT-VALUE}).")
  int device;

  @Option(
      names = "--threads",
      paramLabel = "N",
      defaultValue = "0",
      description = "Intra-op threads, 0 = ONNX Runtime's default (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(
      names = "--optimization",
      paramLabel = "LEVEL",
      defaultValue = "all",
      description = "Graph optimisation: none, basic, extended, all (default: ${DEFAULT-VALUE}).")
  String optimization;

  @CommandLine.Mixin InjectionOptions injection = new InjectionOptions();

  /** The extensions taking part in this run: adapter injection. */
  List<Extension> extensions() {
    return List.of(injection);
  }

  @Override
  public Integer call() throws IOException {
    if (out.toString().isEmpty()) {
      throw new IllegalArgumentException("--out is empty, expected a directory path");
    }
    SessionOptions options = sessionOptions();
    byte[] bytes = loadModel();
    Path folder = model.toAbsolutePath().getParent();
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    try (Session session = Session.fromBytes(bytes, model.toString(), folder, options)) {
      readInputs(session, feeds);
      for (Extension e : extensions()) {
        e.addInputs(session, feeds);
      }
      try (Session.Outputs outputs = session.run(feeds)) {
        writeOutputs(outputs, spec.commandLine().getOut());
      }
    } finally {
      for (Tensor t : feeds.values()) {
        t.close();
      }
    }
    return 0;
  }

  SessionOptions sessionOptions() {
    SessionOptions.Builder b = SessionOptions.builder();
    switch (provider.toLowerCase(Locale.ROOT)) {
      case "cpu":
        break;
      case "cuda":
        b.optCuda(device);
        break;
      default:
        throw new IllegalArgumentException(
            "--provider " + provider + ", expected one of [cpu, cuda]");
    }
    try {
      b.optOptimizationLevel(
          SessionOptions.OptimizationLevel.valueOf(optimization.toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--optimization " + optimization + ", expected one of [none, basic, extended, all]");
    }
    return b.optIntraOpThreads(threads).build();
  }

  /** The model's bytes after every extension's rewrite. */
  byte[] loadModel() throws IOException {
    if (!Files.exists(model)) {
      throw new NoSuchFileException(model.toString(), null, "model file not found");
    }
    if (!Files.isRegularFile(model)) {
      throw new IOException(model + ": not a regular file, expected an .onnx file");
    }
    byte[] bytes = Files.readAllBytes(model);
    for (Extension e : extensions()) {
      bytes = e.rewriteModel(bytes, model);
    }
    return bytes;
  }

  /** Reads every {@code --input} into {@code feeds}, checking names, types and shapes. */
  void readInputs(Session session, Map<String, Tensor> feeds) throws IOException {
    for (String arg : inputs) {
      int eq = arg.indexOf('=');
      String name = eq < 0 ? null : arg.substring(0, eq);
      Path file = Path.of(eq < 0 ? arg : arg.substring(eq + 1));
      if (!Files.exists(file)) {
        throw new NoSuchFileException(file.toString(), null, "input file not found");
      }
      String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
      Tensor t;
      if (lower.endsWith(".npy")) {
        if (name == null) {
          throw new IllegalArgumentException(
              "--input " + arg + ": expected NAME=FILE, e.g. --input x=" + file);
        }
        t = Tensor.of(Npy.read(file));
      } else if (lower.endsWith(".pb")) {
        TensorProtos.Value v = TensorProtos.read(file);
        if (name == null) {
          name = v.name();
          if (name.isEmpty()) {
            throw new IllegalArgumentException(
                "--input " + arg + ": the TensorProto has no name, expected NAME=FILE");
          }
        }
        t = v.toTensor();
      } else {
        throw new IllegalArgumentException(
            "--input " + arg + ": unsupported file type, expected .npy or .pb");
      }
      Tensor previous = feeds.put(name, t);
      if (previous != null) {
        previous.close();
        throw new IllegalArgumentException("--input " + name + " is given twice");
      }
      try {
        session.checkInput(name, t);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(e.getMessage() + " (from " + file + ")", e);
      }
    }
  }

  /** Writes each tensor output to {@code --out}, one line per output on {@code stdout}. */
  void writeOutputs(Session.Outputs outputs, PrintWriter stdout) throws IOException {
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new IOException(out + ": exists and is not a directory");
    }
    for (String name : outputs.names()) {
      ElementType type = outputs.get(name).type();
      if (type != ElementType.STRING && type != ElementType.BFLOAT16 && type.npy() == null) {
        // checked before anything is written, so that a failure leaves no partial output
        throw new IOException(
            "output " + name + " has element type " + type + ", which .npy cannot hold");
      }
    }
    Files.createDirectories(out);
    Set<String> used = new HashSet<>();
    for (String name : outputs.names()) {
      Tensor t = outputs.get(name);
      String base = fileName(name);
      String fileName = base;
      for (int i = 2; !used.add(fileName); i++) {
        fileName = base + "_" + i;
      }
      Path f = out.resolve(fileName + ".npy");
      String note = "";
      if (t.type() == ElementType.STRING) {
        Npy.writeStrings(f, t.toStrings(), t.shape());
      } else if (t.type() == ElementType.BFLOAT16) {
        Npy.write(f, bfloat16ToFloat32(t));
        note = " (bfloat16 written as float32)";
      } else if (t.type().npy() != null) {
        Npy.write(f, t.toNpy());
      } else {
        throw new IOException(
            "output " + name + " has element type " + t.type() + ", which .npy cannot hold");
      }
      stdout.println(name + ": " + t.type() + Arrays.toString(t.shape()) + " -> " + f + note);
    }
    for (Map.Entry<String, String> e : outputs.nonTensorOutputs().entrySet()) {
      stdout.println(e.getKey() + ": " + e.getValue() + " (not a tensor: not written)");
    }
    stdout.flush();
  }

  /** A file name for output {@code name}: characters other than {@code [A-Za-z0-9._-]} become _. */
  static String fileName(String name) {
    String s = name.replaceAll("[^A-Za-z0-9._-]", "_");
    if (s.isEmpty() || s.startsWith(".")) {
      s = "_" + s;
    }
    return s;
  }

  private static NpyArray bfloat16ToFloat32(Tensor t) {
    ByteBuffer in = t.data();
    int n = (int) t.size();
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = Float.intBitsToFloat((in.getShort(2 * i) & 0xffff) << 16);
    }
    return NpyArray.ofFloat32(f, t.shape());
  }
}
