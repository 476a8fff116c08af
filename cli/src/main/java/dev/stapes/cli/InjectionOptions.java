package dev.stapes.cli;

import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.Tensor;
import dev.stapes.engine.inject.Adapter;
import dev.stapes.engine.inject.BottleneckAdapter;
import dev.stapes.engine.inject.InjectedModel;
import dev.stapes.engine.inject.Injector;
import dev.stapes.engine.inject.LoraAdapter;
import dev.stapes.engine.inject.ModuleMapping;
import dev.stapes.engine.inject.Task;
import dev.stapes.engine.inject.TaskEmbedding;
import dev.stapes.engine.inject.TaskTensors;
import dev.stapes.engine.inject.WeightTensor;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * The injection flags of {@code ./stapes infer}, as a picocli mixin: a command declares
 * {@code @Mixin InjectionOptions injection;} and opens its model with {@link #open(Path,
 * SessionOptions)} instead of {@link Session#open(Path, SessionOptions)}, then adds {@link
 * Opened#putInto(Map)} to its feeds.
 *
 * <pre>
 * --lora DIR[:SCALE]          a PEFT LoRA directory, optionally with a scale multiplier (repeatable)
 * --adapter F.safetensors     a Stapes bottleneck adapter (repeatable)
 * --task-embedding F          a Stapes task embedding (repeatable)
 * --module-mapping F.json     module names to node names, for graphs without PyTorch scopes
 * --merge                     bake everything into constants (LoRA merged into the weights)
 * </pre>
 */
public final class InjectionOptions implements InferCommand.Extension {
  private InjectedModel injected;

  @Option(
      names = "--lora",
      paramLabel = "DIR[:SCALE]",
      description =
          "A Hugging Face PEFT LoRA directory (adapter_config.json + adapter_model.safetensors), "
              + "optionally followed by :SCALE, a multiplier of its trained scale (default 1). Repeatable; "
              + "LoRAs stack.")
  List<String> loras = new ArrayList<>();

  @Option(
      names = "--adapter",
      paramLabel = "F.safetensors",
      description = "A Stapes bottleneck adapter (format=stapes.bottleneck-adapter). Repeatable.")
  List<Path> adapters = new ArrayList<>();

  @Option(
      names = "--task-embedding",
      paramLabel = "F.safetensors",
      description = "A Stapes task embedding (format=stapes.task-embedding). Repeatable.")
  List<Path> embeddings = new ArrayList<>();

  @Option(
      names = "--module-mapping",
      paramLabel = "F.json",
      description = "Maps PyTorch module names to graph nodes (format=stapes.module-mapping).")
  Path mapping;

  @Option(
      names = "--merge",
      description =
          "Bake adapters into constants and merge LoRA into the weights (default: bound as graph inputs).")
  boolean merge;

  private InjectedModel inject(Injector.Builder b) throws IOException {
    b.mode(merge ? Injector.Mode.BAKED : Injector.Mode.BOUND).task(task());
    if (mapping != null) {
      requireFile(mapping, "--module-mapping");
      b.mapping(ModuleMapping.read(mapping));
    }
    return b.build();
  }

  @Override
  public byte[] rewriteModel(byte[] model, Path modelFile) throws IOException {
    requireAdaptersForMapping();
    if (isEmpty()) {
      return model;
    }
    Path folder = modelFile == null ? null : modelFile.toAbsolutePath().getParent();
    injected = inject(Injector.builder().model(model, String.valueOf(modelFile), folder));
    return injected.modelBytes();
  }

  @Override
  public void addInputs(Session session, Map<String, Tensor> feeds) {
    if (injected == null) {
      return;
    }
    for (Map.Entry<String, WeightTensor> e : injected.boundValues("cli").entrySet()) {
      Tensor previous =
          feeds.put(e.getKey(), Tensor.ofFloats(e.getValue().data(), e.getValue().shape()));
      if (previous != null) {
        previous.close();
      }
    }
  }

  /** A mapping without anything to map would be ignored silently: refuse it instead. */
  private void requireAdaptersForMapping() {
    if (mapping != null && isEmpty()) {
      throw new IllegalArgumentException(
          "--module-mapping "
              + mapping
              + " has no effect without --lora, --adapter or --task-embedding");
    }
  }

  /** Whether no adapter was given. */
  public boolean isEmpty() {
    return loras.isEmpty() && adapters.isEmpty() && embeddings.isEmpty();
  }

  /**
   * Splits {@code DIR[:SCALE]}; the part after the last colon is a scale only if it is a number.
   */
  static Object[] parseLora(String spec) {
    int colon = spec.lastIndexOf(':');
    if (colon > 0 && colon < spec.length() - 1) {
      String tail = spec.substring(colon + 1);
      try {
        float s = Float.parseFloat(tail);
        if (!Float.isFinite(s)) {
          throw new IllegalArgumentException(
              "--lora " + spec + ": scale=" + tail + ", expected a finite number");
        }
        return new Object[] {Path.of(spec.substring(0, colon)), s};
      } catch (NumberFormatException e) {
        // a path with a colon
      }
    }
    return new Object[] {Path.of(spec), 1f};
  }

  /** The task these flags describe (named {@code cli}). */
  public Task task() throws IOException {
    Task.Builder b = Task.builder("cli");
    Set<String> names = new HashSet<>();
    for (String spec : loras) {
      Object[] p = parseLora(spec);
      Path dir = (Path) p[0];
      if (!Files.isDirectory(dir)) {
        int colon = spec.lastIndexOf(':');
        if (colon > 0 && Files.isDirectory(Path.of(spec.substring(0, colon)))) {
          throw new IllegalArgumentException(
              "--lora "
                  + spec
                  + ": scale='"
                  + spec.substring(colon + 1)
                  + "' is not a number, expected DIR or DIR:SCALE with a finite SCALE");
        }
        throw new NoSuchFileException(
            dir.toString(),
            null,
            "--lora: "
                + (Files.exists(dir) ? "not a directory" : "no such directory")
                + " (expected a PEFT LoRA directory)");
      }
      b.add(unique(LoraAdapter.readPeft(dir), names), (Float) p[1]);
    }
    for (Path f : adapters) {
      requireFile(f, "--adapter");
      b.add(unique(BottleneckAdapter.read(f), names));
    }
    for (Path f : embeddings) {
      requireFile(f, "--task-embedding");
      b.add(unique(TaskEmbedding.read(f), names));
    }
    return b.build();
  }

  private static Adapter unique(Adapter a, Set<String> names) {
    String n = a.name();
    for (int k = 2; !names.add(n); k++) {
      n = a.name() + "#" + k;
    }
    if (n.equals(a.name())) {
      return a;
    }
    if (a instanceof LoraAdapter l) {
      return l.withName(n);
    }
    if (a instanceof BottleneckAdapter bn) {
      return bn.withName(n);
    }
    return ((TaskEmbedding) a).withName(n);
  }

  private static void requireFile(Path f, String flag) throws IOException {
    if (!Files.exists(f)) {
      throw new NoSuchFileException(f.toString(), null, flag + ": file not found");
    }
    if (!Files.isRegularFile(f)) {
      throw new FileSystemException(
          f.toString(), null, flag + ": not a regular file (a directory?), expected a file");
    }
  }

  /**
   * Opens {@code model} with the adapters applied (bound, or baked with {@code --merge}); without
   * adapters, opens it unchanged.
   */
  public Opened open(Path model, SessionOptions options) throws IOException {
    requireAdaptersForMapping();
    if (isEmpty()) {
      return new Opened(Session.open(model, options), null);
    }
    if (!Files.isRegularFile(model)) {
      throw new NoSuchFileException(model.toString(), null, "model file not found");
    }
    InjectedModel m = inject(Injector.builder().model(model));
    Session s = m.openSession(model.toString(), options);
    try {
      return new Opened(s, TaskTensors.of(m));
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
  }

  @Override
  public String toString() {
    return "InjectionOptions[loras="
        + loras
        + ", adapters="
        + adapters
        + ", embeddings="
        + embeddings
        + ", mapping="
        + mapping
        + ", merge="
        + merge
        + "]";
  }

  /** A session with adapters applied and the tensors of its bound inputs. */
  public static final class Opened implements AutoCloseable {
    private final Session session;
    private final TaskTensors tasks;

    Opened(Session session, TaskTensors tasks) {
      this.session = session;
      this.tasks = tasks;
    }

    /** The session. */
    public Session session() {
      return session;
    }

    /** Names of the inputs the caller must feed (the injection's bound inputs excluded). */
    public Set<String> userInputs() {
      Set<String> in = new java.util.LinkedHashSet<>(session.inputs().keySet());
      if (tasks != null) {
        Map<String, Tensor> bound = new java.util.HashMap<>();
        tasks.putInto(bound, "cli");
        in.removeAll(bound.keySet());
      }
      return in;
    }

    /** Adds the bound adapter tensors to {@code feeds}. */
    public void putInto(Map<String, Tensor> feeds) {
      if (tasks != null) {
        tasks.putInto(feeds, "cli");
      }
    }

    /** Closes the tensors and the session; idempotent. */
    @Override
    public void close() {
      if (tasks != null) {
        tasks.close();
      }
      session.close();
    }
  }
}
