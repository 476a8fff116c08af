package dev.stapes.engine.inject;

import dev.stapes.engine.ElementType;
import dev.stapes.engine.Stream;
import dev.stapes.engine.Tensor;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every task's bound inputs of an {@link InjectedModel} as prebuilt engine {@link Tensor}s, for a
 * {@link dev.stapes.engine.Session} opened with {@link InjectedModel#openSession}.
 *
 * <p>A task switch on a {@link Stream} is {@link #bind(Stream, String)}: one {@link Stream#bind}
 * per bound input, of tensors built here once, so it allocates nothing and rebuilds nothing. A
 * scale change ({@link #setScale}) writes into the tensors' direct buffers: one float per scale
 * input, or the r x out floats of a LoRA branch's B where the scale is folded into B. Not
 * thread-safe: switch and scale from the thread that drives the stream, or guard externally. {@link
 * #close()} closes every tensor and is idempotent; the streams they are bound to must not run
 * afterwards.
 */
public final class TaskTensors implements AutoCloseable {
  private final InjectedModel model;
  private final Map<String, String[]> names = new LinkedHashMap<>();
  private final Map<String, Tensor[]> tensors = new LinkedHashMap<>();
  private final Map<String, Map<String, FloatBuffer>> floats = new HashMap<>();
  private boolean closed;

  private TaskTensors(InjectedModel model) {
    this.model = model;
  }

  /** Builds the tensors of every task of {@code model}. */
  public static TaskTensors of(InjectedModel model) {
    TaskTensors t = new TaskTensors(model);
    boolean ok = false;
    try {
      List<String> keys = model.mode() == Injector.Mode.PER_ROW ? List.of("") : model.tasks();
      for (String task : keys) {
        Map<String, WeightTensor> values =
            model.mode() == Injector.Mode.PER_ROW
                ? (model.tasks().isEmpty() ? Map.of() : model.boundValues(model.tasks().get(0)))
                : model.boundValues(task);
        String[] n = new String[values.size()];
        Tensor[] v = new Tensor[values.size()];
        int i = 0;
        for (Map.Entry<String, WeightTensor> e : values.entrySet()) {
          n[i] = e.getKey();
          v[i] = Tensor.ofFloats(e.getValue().data(), e.getValue().shape());
          t.floats
              .computeIfAbsent(task, x -> new HashMap<>())
              .put(e.getKey(), v[i].writableFloats());
          i++;
        }
        t.names.put(task, n);
        t.tensors.put(task, v);
      }
      ok = true;
      return t;
    } finally {
      if (!ok) {
        t.close();
      }
    }
  }

  private String key(String task) {
    if (closed) {
      throw new IllegalStateException("TaskTensors is closed");
    }
    model.requireTask(task);
    return model.mode() == Injector.Mode.PER_ROW ? "" : task;
  }

  /**
   * Binds {@code task}'s tensors to {@code stream}. Allocation-free once the stream has had its
   * inputs bound (the first bind of each input may allocate inside the stream).
   */
  public void bind(Stream stream, String task) {
    String k = key(task);
    String[] n = names.get(k);
    Tensor[] v = tensors.get(k);
    if (n == null) {
      return;
    }
    for (int i = 0; i < n.length; i++) {
      stream.bind(n[i], v[i]);
    }
  }

  /** Puts {@code task}'s tensors into a feed map for {@link dev.stapes.engine.Session#run}. */
  public void putInto(Map<String, Tensor> feeds, String task) {
    String k = key(task);
    String[] n = names.get(k);
    Tensor[] v = tensors.get(k);
    if (n == null) {
      return;
    }
    for (int i = 0; i < n.length; i++) {
      feeds.put(n[i], v[i]);
    }
  }

  /**
   * The per-row task index of a {@link Injector.Mode#PER_ROW} model for batches of {@code batch}
   * rows: an int64 [batch] tensor with a cached view, so setting rows allocates nothing. Every row
   * starts at task 0. The caller owns it and closes it.
   */
  public final class TaskIndex implements AutoCloseable {
    private final Tensor tensor;
    private final java.nio.LongBuffer rows;

    private TaskIndex(int batch) {
      this.tensor = Tensor.zeros(ElementType.INT64, batch);
      this.rows = tensor.writableData().order(ByteOrder.nativeOrder()).asLongBuffer();
    }

    /** Row {@code row} uses {@code task}; no allocation. */
    public TaskIndex set(int row, String task) {
      if (row < 0 || row >= rows.capacity()) {
        throw new IllegalArgumentException("row=" + row + ", expected 0.." + (rows.capacity() - 1));
      }
      rows.put(row, model.taskIndex(task));
      return this;
    }

    /** The int64 [batch] tensor. */
    public Tensor tensor() {
      return tensor;
    }

    /** Puts the task index and the stacked weights into {@code feeds}. */
    public void putInto(Map<String, Tensor> feeds) {
      feeds.put(model.taskIndexInput(), tensor);
      TaskTensors.this.putInto(feeds, model.tasks().get(0));
    }

    /** Closes the tensor; idempotent. */
    @Override
    public void close() {
      tensor.close();
    }
  }

  /**
   * A per-row task index for batches of {@code batch} rows ({@link Injector.Mode#PER_ROW} only).
   *
   * @throws IllegalStateException when the model has no task-index input
   */
  public TaskIndex newTaskIndex(int batch) {
    if (model.taskIndexInput() == null) {
      throw new IllegalStateException(
          "the model has no task-index input (mode " + model.mode() + ")");
    }
    if (batch < 1) {
      throw new IllegalArgumentException("batch=" + batch + ", expected at least 1");
    }
    return new TaskIndex(batch);
  }

  /**
   * Sets the scale multiplier of {@code adapter} in {@code task} (trained scale times {@code
   * multiplier}); seen by the next run; no allocation.
   */
  public void setScale(String task, String adapter, float multiplier) {
    String k = key(task);
    if (!Float.isFinite(multiplier)) {
      throw new IllegalArgumentException("multiplier=" + multiplier + ", expected a finite number");
    }
    if (model.mode() == Injector.Mode.BAKED) {
      throw new IllegalStateException(
          "scales are constants in mode BAKED; build with BOUND to change them per call");
    }
    model.writeScale(task, adapter, multiplier, floats.get(k));
  }

  /** Closes every tensor; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Tensor[] ts : tensors.values()) {
      for (Tensor t : ts) {
        if (t != null) {
          t.close();
        }
      }
    }
  }

  @Override
  public String toString() {
    return "TaskTensors[mode="
        + model.mode()
        + ", tasks="
        + model.tasks()
        + ", closed="
        + closed
        + "]";
  }
}
