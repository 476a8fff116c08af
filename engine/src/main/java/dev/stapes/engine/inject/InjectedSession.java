package dev.stapes.engine.inject;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.stapes.engine.InferenceException;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX Runtime session on an {@link InjectedModel}, with every task's bound tensors built once.
 *
 * <p>Switching task is {@link TaskBinding#bindInto(Map)}: a few map puts of prebuilt tensors, no
 * session rebuild and no allocation when the map already holds the keys. A branch's scale is an
 * element of a bound tensor backed by a direct buffer, or folded into a LoRA branch's bound B;
 * {@link #setScale} writes it in place (one float, or B's r x out floats), so it takes effect on
 * the next run. The session is immutable apart from those scales and may run on several threads;
 * {@link #setScale} must not race with a run that reads the same task.
 */
public final class InjectedSession implements AutoCloseable {
  private static final Cleaner CLEANER = Cleaner.create();

  /** A task's prebuilt bound tensors. */
  public static final class TaskBinding {
    private final String task;
    private final String[] names;
    private final OnnxTensor[] tensors;

    TaskBinding(String task, String[] names, OnnxTensor[] tensors) {
      this.task = task;
      this.names = names;
      this.tensors = tensors;
    }

    /** The task name. */
    public String task() {
      return task;
    }

    /** Names of the bound inputs. */
    public List<String> names() {
      return List.of(names);
    }

    /** The tensor bound to input {@code i} (owned by the session). */
    public OnnxTensor tensor(int i) {
      return tensors[i];
    }

    /** Number of bound inputs. */
    public int size() {
      return names.length;
    }

    /** Puts this task's tensors into {@code feed}; allocation-free when the keys are present. */
    public void bindInto(Map<String, OnnxTensor> feed) {
      for (int i = 0; i < names.length; i++) {
        feed.put(names[i], tensors[i]);
      }
    }
  }

  /**
   * The per-row task index of a {@link Injector.Mode#PER_ROW} session for one batch size, backed by
   * a direct buffer: set rows, then {@link #bindInto(Map)}. Owned by its session.
   */
  public final class RowTasks {
    private final LongBuffer buf;
    private final OnnxTensor tensor;
    private final int batch;

    RowTasks(int batch) throws OrtException {
      this.batch = batch;
      this.buf = ByteBuffer.allocateDirect(8 * batch).order(ByteOrder.nativeOrder()).asLongBuffer();
      this.tensor = OnnxTensor.createTensor(env, buf, new long[] {batch});
      state.owned.add(tensor);
    }

    /** Row {@code row} uses {@code task}. */
    public RowTasks set(int row, String task) {
      if (row < 0 || row >= batch) {
        throw new IllegalArgumentException("row=" + row + ", expected 0.." + (batch - 1));
      }
      buf.put(row, model.taskIndex(task));
      return this;
    }

    /** Row {@code row} uses task number {@code taskIndex}. */
    public RowTasks set(int row, int taskIndex) {
      if (taskIndex < 0 || taskIndex >= model.tasks().size()) {
        throw new IllegalArgumentException(
            "taskIndex=" + taskIndex + ", expected 0.." + (model.tasks().size() - 1));
      }
      buf.put(row, taskIndex);
      return this;
    }

    /** Puts the stacked weights and the task index into {@code feed}. */
    public void bindInto(Map<String, OnnxTensor> feed) {
      shared.bindInto(feed);
      if (model.taskIndexInput() != null) {
        feed.put(model.taskIndexInput(), tensor);
      }
    }
  }

  private static final class State implements Runnable {
    final List<AutoCloseable> owned = new ArrayList<>();
    OrtSession session;

    @Override
    public void run() {
      for (AutoCloseable c : owned) {
        try {
          c.close();
        } catch (Exception e) {
          // best effort on cleanup
        }
      }
      owned.clear();
      if (session != null) {
        try {
          session.close();
        } catch (OrtException e) {
          // best effort on cleanup
        }
        session = null;
      }
    }
  }

  private final InjectedModel model;
  private final OrtEnvironment env;
  private final State state = new State();
  private final Cleaner.Cleanable cleanable;
  private final Map<String, TaskBinding> bindings = new LinkedHashMap<>();
  private final Map<String, FloatBuffer> buffers = new HashMap<>();
  private final Map<String, Map<String, FloatBuffer>> taskBuffers = new HashMap<>();
  private final TaskBinding shared;
  private volatile boolean closed;

  InjectedSession(InjectedModel model, OrtEnvironment env, OrtSession.SessionOptions options)
      throws OrtException {
    this.model = model;
    this.env = env;
    this.cleanable = CLEANER.register(this, state);
    boolean ok = false;
    try {
      state.session = env.createSession(model.modelBytes(), options);
      if (model.mode() == Injector.Mode.PER_ROW) {
        shared =
            binding(
                "", model.tasks().isEmpty() ? Map.of() : model.boundValues(model.tasks().get(0)));
        for (String t : model.tasks()) {
          bindings.put(t, shared);
          taskBuffers.put(t, taskBuffers.get(""));
        }
      } else {
        shared = null;
        for (String t : model.tasks()) {
          bindings.put(t, binding(t, model.boundValues(t)));
        }
      }
      ok = true;
    } finally {
      if (!ok) {
        cleanable.clean();
      }
    }
  }

  private TaskBinding binding(String task, Map<String, WeightTensor> values) throws OrtException {
    String[] names = new String[values.size()];
    OnnxTensor[] tensors = new OnnxTensor[values.size()];
    Map<String, FloatBuffer> bufs = new HashMap<>();
    int i = 0;
    for (Map.Entry<String, WeightTensor> e : values.entrySet()) {
      WeightTensor w = e.getValue();
      FloatBuffer fb =
          ByteBuffer.allocateDirect(4 * w.size()).order(ByteOrder.nativeOrder()).asFloatBuffer();
      fb.put(w.data()).rewind();
      names[i] = e.getKey();
      tensors[i] = OnnxTensor.createTensor(env, fb, w.shape());
      state.owned.add(tensors[i]);
      bufs.put(e.getKey(), fb);
      i++;
    }
    taskBuffers.put(task, bufs);
    return new TaskBinding(task, names, tensors);
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("InjectedSession is closed");
    }
  }

  /** The model this session runs. */
  public InjectedModel model() {
    return model;
  }

  /** The underlying ONNX Runtime session. */
  public OrtSession session() {
    ensureOpen();
    return state.session;
  }

  /** The prebuilt tensors of {@code task}. */
  public TaskBinding binding(String task) {
    ensureOpen();
    TaskBinding b = bindings.get(task);
    if (b == null) {
      if (model.mode() == Injector.Mode.BAKED && model.tasks().contains(task)) {
        return new TaskBinding(task, new String[0], new OnnxTensor[0]);
      }
      throw new IllegalArgumentException(
          "task=" + task + " is unknown, expected one of " + model.tasks());
    }
    return b;
  }

  /**
   * A per-row task index for batches of {@code batch} rows ({@link Injector.Mode#PER_ROW} only).
   */
  public RowTasks rowTasks(int batch) throws OrtException {
    ensureOpen();
    if (model.mode() != Injector.Mode.PER_ROW) {
      throw new IllegalStateException(
          "rowTasks needs mode PER_ROW, this session is " + model.mode());
    }
    if (batch < 1) {
      throw new IllegalArgumentException("batch=" + batch + ", expected at least 1");
    }
    synchronized (state) {
      return new RowTasks(batch);
    }
  }

  /**
   * Sets the scale multiplier of {@code adapter} (a LoRA or bottleneck) in {@code task}: the branch
   * scale becomes its trained scale times {@code multiplier}. Takes effect on the next run; no
   * allocation.
   */
  public void setScale(String task, String adapter, float multiplier) {
    ensureOpen();
    if (!Float.isFinite(multiplier)) {
      throw new IllegalArgumentException("multiplier=" + multiplier + ", expected a finite number");
    }
    if (model.mode() == Injector.Mode.BAKED) {
      throw new IllegalStateException(
          "scales are constants in mode BAKED; build with BOUND to change them per call");
    }
    Map<String, FloatBuffer> bufs =
        taskBuffers.get(model.mode() == Injector.Mode.PER_ROW ? "" : task);
    model.writeScale(task, adapter, multiplier, bufs);
  }

  /**
   * Runs one call with {@code task}; allocates the feed map (use a binding on hot paths).
   *
   * @throws InferenceException when ONNX Runtime fails to run the model
   */
  public OrtSession.Result run(Map<String, OnnxTensor> inputs, String task)
      throws InferenceException {
    ensureOpen();
    Map<String, OnnxTensor> feed = new HashMap<>(inputs);
    if (model.mode() == Injector.Mode.PER_ROW) {
      throw new IllegalStateException("mode PER_ROW needs a task per row: use runRows");
    }
    binding(task).bindInto(feed);
    try {
      return state.session.run(feed);
    } catch (OrtException e) {
      throw new InferenceException("injected model", "InjectedSession.run", e.getMessage(), e);
    }
  }

  /**
   * Runs one batch whose row {@code i} uses {@code rowTasks[i]} ({@link Injector.Mode#PER_ROW}).
   *
   * @throws InferenceException when ONNX Runtime fails to run the model
   */
  public OrtSession.Result runRows(Map<String, OnnxTensor> inputs, String... rowTasks)
      throws InferenceException {
    RowTasks rt;
    try {
      rt = rowTasks(rowTasks.length);
    } catch (OrtException e) {
      throw new InferenceException("injected model", "InjectedSession.runRows", e.getMessage(), e);
    }
    for (int i = 0; i < rowTasks.length; i++) {
      rt.set(i, rowTasks[i]);
    }
    Map<String, OnnxTensor> feed = new HashMap<>(inputs);
    rt.bindInto(feed);
    try {
      return state.session.run(feed);
    } catch (OrtException e) {
      throw new InferenceException("injected model", "InjectedSession.runRows", e.getMessage(), e);
    } finally {
      synchronized (state) {
        state.owned.remove(rt.tensor);
      }
      rt.tensor.close();
    }
  }

  /** Closes the session and every tensor it built; idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      cleanable.clean();
    }
  }

  @Override
  public String toString() {
    return "InjectedSession[" + model + ", closed=" + closed + "]";
  }
}
