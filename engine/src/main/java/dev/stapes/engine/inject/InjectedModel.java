package dev.stapes.engine.inject;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.util.Collections;
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
   * is {@code base} times the multiplier the caller sets.
   */
  public record ScaleRef(String input, int index, float base) {}

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
