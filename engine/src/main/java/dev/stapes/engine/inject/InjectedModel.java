package dev.stapes.engine.inject;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.stapes.engine.inject.internal.OnnxModels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The result of an injection: the rewritten model's bytes and, for bound modes, the values of its
 * extra inputs per task. Immutable; {@link #open} turns it into an {@link InjectedSession}.
 */
public final class InjectedModel {

  /**
   * Where a branch's scale lives: element {@code index} of bound input {@code input}, whose value
   * is {@code base} times the multiplier the caller sets; or, with {@code index} {@link #WHOLE},
   * folded into bound input {@code input} (a LoRA branch's B, which holds {@code base} times B), so
   * that a scale change rewrites that tensor as its built value times the multiplier.
   */
  public record ScaleRef(String input, int index, float base) {
    /** The {@code index} of a scale folded into a whole bound tensor. */
    public static final int WHOLE = -1;
  }

  private final byte[] model;
  private final Injector.Mode mode;
  private final List<String> tasks;
  private final Map<String, Map<String, WeightTensor>> bound;
  private final Map<String, Map<String, List<ScaleRef>>> scales;
  private final String taskIndexInput;
  private final int addedNodes;

  InjectedModel(
      byte[] model,
      Injector.Mode mode,
      List<String> tasks,
      Map<String, Map<String, WeightTensor>> bound,
      Map<String, Map<String, List<ScaleRef>>> scales,
      String taskIndexInput,
      int addedNodes) {
    this.model = model;
    this.mode = mode;
    this.tasks = List.copyOf(tasks);
    this.bound = Collections.unmodifiableMap(new LinkedHashMap<>(bound));
    this.scales = Collections.unmodifiableMap(new LinkedHashMap<>(scales));
    this.taskIndexInput = taskIndexInput;
    this.addedNodes = addedNodes;
  }

  /**
   * A model whose adapter weights are already graph inputs (as Microsoft Olive's ExtractAdapters
   * leaves one, or {@link #modelBytes()} of a {@link Injector.Mode#BOUND} model) with the bound
   * values of each task, such as {@link OrtAdapterFile#parameters()}: the result runs through
   * {@link #open} or {@link TaskTensors} with a task switched per call, like an injected model. The
   * graph is not changed; tasks keep the map's iteration order and have no changeable scales.
   *
   * <p>Cost model: reads and parses the whole model once (its external data, if any, is inlined
   * from files beside it, refusing locations outside its folder) and keeps it as bytes; the tensors
   * are not copied.
   *
   * @throws InvalidAdapterException naming the task and tensor when a tensor is not a float32 graph
   *     input, its shape does not fit the input's fixed dimensions, or the tasks do not all bind
   *     the same inputs
   * @throws InvalidModelException when the file is not an ONNX model
   */
  public static InjectedModel ofBoundInputs(
      Path model, Map<String, ? extends Map<String, WeightTensor>> tasks) throws IOException {
    return ofBoundInputs(OnnxModels.read(model), model.toString(), tasks);
  }

  /**
   * {@link #ofBoundInputs(Path, Map)} for model bytes without external data; {@code source} names
   * them in messages.
   */
  public static InjectedModel ofBoundInputs(
      byte[] model, String source, Map<String, ? extends Map<String, WeightTensor>> tasks)
      throws IOException {
    return ofBoundInputs(OnnxModels.parse(model, source), source, tasks);
  }

  private static InjectedModel ofBoundInputs(
      OnnxMl.ModelProto proto,
      String source,
      Map<String, ? extends Map<String, WeightTensor>> tasks)
      throws InvalidAdapterException {
    Map<String, OnnxMl.ValueInfoProto> inputs = new LinkedHashMap<>();
    for (OnnxMl.ValueInfoProto v : proto.getGraph().getInputList()) {
      inputs.put(v.getName(), v);
    }
    Map<String, Map<String, WeightTensor>> bound = new LinkedHashMap<>();
    String first = null;
    for (Map.Entry<String, ? extends Map<String, WeightTensor>> t : tasks.entrySet()) {
      String task = t.getKey();
      if (task == null || task.isEmpty()) {
        throw new IllegalArgumentException("task name is empty");
      }
      for (Map.Entry<String, WeightTensor> e : t.getValue().entrySet()) {
        checkBound(source, task, e.getKey(), e.getValue(), inputs);
      }
      if (first == null) {
        first = task;
      } else if (!t.getValue().keySet().equals(bound.get(first).keySet())) {
        List<String> missing = new ArrayList<>(bound.get(first).keySet());
        missing.removeAll(t.getValue().keySet());
        List<String> extra = new ArrayList<>(t.getValue().keySet());
        extra.removeAll(bound.get(first).keySet());
        throw new InvalidAdapterException(
            source
                + ": task "
                + OrtAdapterFile.quote(task)
                + " binds other inputs than task "
                + OrtAdapterFile.quote(first)
                + ": missing "
                + missing
                + ", extra "
                + extra
                + "; every task must bind the same inputs");
      }
      bound.put(task, new LinkedHashMap<>(t.getValue()));
    }
    return new InjectedModel(
        proto.toByteArray(),
        Injector.Mode.BOUND,
        new ArrayList<>(bound.keySet()),
        bound,
        new HashMap<>(),
        null,
        0);
  }

  private static void checkBound(
      String source,
      String task,
      String name,
      WeightTensor w,
      Map<String, OnnxMl.ValueInfoProto> inputs)
      throws InvalidAdapterException {
    String what =
        source + ": task " + OrtAdapterFile.quote(task) + " tensor " + OrtAdapterFile.quote(name);
    OnnxMl.ValueInfoProto in = inputs.get(name);
    if (in == null) {
      List<String> names = new ArrayList<>(inputs.keySet());
      throw new InvalidAdapterException(
          what
              + " is not an input of the graph, expected one of "
              + (names.size() <= 20
                  ? names.toString()
                  : names.subList(0, 20) + " and " + (names.size() - 20) + " more"));
    }
    OnnxMl.TypeProto.Tensor tt = in.getType().getTensorType();
    if (!in.getType().hasTensorType()
        || tt.getElemType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber()) {
      throw new InvalidAdapterException(
          what
              + ": the graph input has type "
              + (in.getType().hasTensorType()
                  ? OnnxMl.TensorProto.DataType.forNumber(tt.getElemType())
                  : in.getType().getValueCase())
              + ", expected FLOAT (Stapes binds float32 tensors)");
    }
    if (!tt.hasShape()) {
      return;
    }
    long[] shape = w.shape();
    List<OnnxMl.TensorShapeProto.Dimension> dims = tt.getShape().getDimList();
    boolean fits = dims.size() == shape.length;
    for (int k = 0; fits && k < shape.length; k++) {
      fits = !dims.get(k).hasDimValue() || dims.get(k).getDimValue() == shape[k];
    }
    if (!fits) {
      List<String> expected = new ArrayList<>();
      for (OnnxMl.TensorShapeProto.Dimension d : dims) {
        expected.add(
            d.hasDimValue()
                ? Long.toString(d.getDimValue())
                : d.hasDimParam() ? d.getDimParam() : "?");
      }
      throw new InvalidAdapterException(
          what + " has shape " + Arrays.toString(shape) + ", the graph input has " + expected);
    }
  }

  /** The rewritten ONNX model (not a copy: do not change it). */
  public byte[] modelBytes() {
    return model;
  }

  /** How the adapters were applied. */
  public Injector.Mode mode() {
    return mode;
  }

  /** Task names in the order given (their index in {@link Injector.Mode#PER_ROW} mode). */
  public List<String> tasks() {
    return tasks;
  }

  /** The number of nodes the injection added to the graph. */
  public int addedNodes() {
    return addedNodes;
  }

  /**
   * Values of the bound inputs for {@code task} ({@link Injector.Mode#BOUND}); in {@link
   * Injector.Mode#PER_ROW} mode the one shared set of stacked values, under any task name. Empty
   * for {@link Injector.Mode#BAKED}.
   *
   * @throws IllegalArgumentException for an unknown task
   */
  public Map<String, WeightTensor> boundValues(String task) {
    requireTask(task);
    if (mode == Injector.Mode.PER_ROW) {
      return bound.getOrDefault("", Map.of());
    }
    return bound.getOrDefault(task, Map.of());
  }

  /**
   * Writes the scale of {@code adapter} in {@code task}, its trained scale times {@code
   * multiplier}, into {@code buffers} (the task's bound tensors' buffers by input name): one float
   * per scale input, or every float of a tensor the scale is folded into ({@link ScaleRef#WHOLE}).
   * No allocation.
   */
  void writeScale(
      String task, String adapter, float multiplier, Map<String, java.nio.FloatBuffer> buffers) {
    Map<String, WeightTensor> values = boundValues(task);
    for (ScaleRef r : scaleRefs(task, adapter)) {
      java.nio.FloatBuffer fb = buffers.get(r.input());
      if (r.index() != ScaleRef.WHOLE) {
        fb.put(r.index(), r.base() * multiplier);
      } else {
        float[] built = values.get(r.input()).data();
        for (int i = 0; i < built.length; i++) {
          fb.put(i, built[i] * multiplier);
        }
      }
    }
  }

  /** Names of the graph inputs that the injection added (bound weights, scales, task index). */
  public List<String> addedInputs() {
    java.util.List<String> l = new java.util.ArrayList<>();
    if (!tasks.isEmpty()) {
      l.addAll(boundValues(tasks.get(0)).keySet());
    }
    if (taskIndexInput != null) {
      l.add(taskIndexInput);
    }
    return List.copyOf(l);
  }

  /** Where the scale of {@code adapter} lives in {@code task} (empty when baked). */
  public List<ScaleRef> scaleRefs(String task, String adapter) {
    requireTask(task);
    Map<String, List<ScaleRef>> byAdapter = scales.getOrDefault(task, Map.of());
    List<ScaleRef> refs = byAdapter.get(adapter);
    if (refs == null) {
      throw new IllegalArgumentException(
          "adapter="
              + adapter
              + " has no scale in task "
              + task
              + ", expected one of "
              + byAdapter.keySet());
    }
    return refs;
  }

  /** Adapters with a changeable scale in {@code task}. */
  public java.util.Set<String> scaledAdapters(String task) {
    requireTask(task);
    return scales.getOrDefault(task, Map.of()).keySet();
  }

  /**
   * The int64 [batch] input that picks each row's task in {@link Injector.Mode#PER_ROW} mode, else
   * null.
   */
  public String taskIndexInput() {
    return taskIndexInput;
  }

  /** The index of {@code task}. */
  public int taskIndex(String task) {
    int i = tasks.indexOf(task);
    if (i < 0) {
      throw new IllegalArgumentException("task=" + task + " is unknown, expected one of " + tasks);
    }
    return i;
  }

  void requireTask(String task) {
    taskIndex(task);
  }

  /**
   * Opens an engine {@link dev.stapes.engine.Session} on the rewritten model; pair it with {@link
   * TaskTensors#of(InjectedModel)} to bind tasks.
   */
  public dev.stapes.engine.Session openSession(
      String name, dev.stapes.engine.SessionOptions options) throws IOException {
    return dev.stapes.engine.Session.fromBytes(model, name, null, options);
  }

  /** Opens an ONNX Runtime session on the rewritten model with its tasks' tensors prebuilt. */
  public InjectedSession open(OrtEnvironment env, OrtSession.SessionOptions options)
      throws OrtException {
    return new InjectedSession(this, env, options);
  }

  @Override
  public String toString() {
    return "InjectedModel[mode="
        + mode
        + ", tasks="
        + tasks
        + ", bytes="
        + model.length
        + ", addedNodes="
        + addedNodes
        + "]";
  }
}
