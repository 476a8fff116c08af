package dev.stapes.engine;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Many audio streams of one {@link Session} stepped together: each {@link Lane} is one stream (its
 * audio window with carried context, its carried state, its outputs), and {@link #step()} runs
 * every lane that has a chunk waiting in calls of up to {@code maxBatch} lanes, the audio and the
 * states gathered along their batch axis and scattered back afterwards. A lane without a chunk
 * waits for the next step. This spares ONNX Runtime's per-call overhead for services with many
 * streams, and lets its kernels work on a batch.
 *
 * <p>The model's batch axis must be free: for the audio and each state the first symbolic dimension
 * whose size is 1 in a single stream (Silero VAD: {@code input [batch, samples]} and {@code state
 * [2, batch, 128]}); for outputs the axis that grows with the batch (found by two runs at
 * construction). Models whose inputs other than audio, state and the spec's constants must be bound
 * are refused, as are non-float32 outputs.
 *
 * <p>Cost model: a lane holds copies of its state and outputs; {@link Lane#push} and {@link
 * #step()} allocate nothing in Stapes' code once every batch size has been seen once (buffers are
 * made per batch size on first use, then kept); ONNX Runtime's Java layer still creates a small
 * result object per call. One thread drives a runner: pushes, steps and reads of the outputs come
 * from the same thread, or are ordered by the caller.
 */
public final class BatchRunner implements AutoCloseable {
  private static final Set<String> NO_NAMES = Collections.emptySet();

  private final Session session;
  private final StreamSpec spec;
  private final OrtSession ort;
  private final int maxBatch;
  private final int chunk;
  private final int context;
  private final float scale;

  /** Gathered tensors: audio (index 0) then the state inputs. */
  private final Part[] ins;

  /** Scattered tensors: state outputs (same order as the state inputs), then the outputs. */
  private final Part[] outs;

  private final int states;
  private final String[] outNames;
  private final Map<String, Integer> outIndex = new HashMap<>();
  private final Map<String, Tensor> constants = new HashMap<>();

  private final Batch[] batches;
  private final List<Lane> lanes = new ArrayList<>();
  private Lane[] ready = new Lane[16];
  private int readyCount;
  private boolean closed;

  /** One gathered or scattered tensor: its name, type, single-stream shape and batch axis. */
  private static final class Part {
    final String name;
    final ElementType type;
    final long[] solo;
    int axis;
    long outer;
    long inner;

    Part(String name, ElementType type, long[] solo, int axis) {
      this.name = name;
      this.type = type;
      this.solo = solo;
      setAxis(axis);
    }

    void setAxis(int a) {
      axis = a;
      outer = 1;
      inner = 1;
      for (int d = 0; d < solo.length; d++) {
        if (d < a) {
          outer *= solo[d];
        } else if (d > a) {
          inner *= solo[d];
        }
      }
    }

    long[] batched(int k) {
      long[] s = solo.clone();
      s[axis] = k;
      return s;
    }

    int soloBytes() {
      return (int) (outer * inner * type.size());
    }
  }

  /** The tensors of one batch size. */
  private final class Batch {
    final Tensor[] in;
    final Tensor[] out;
    final Map<String, OnnxTensor> feeds = new HashMap<>();
    final Map<String, OnnxValue> pinned = new HashMap<>();

    Batch(int k) {
      in = new Tensor[ins.length];
      out = new Tensor[outs.length];
      try {
        for (int i = 0; i < ins.length; i++) {
          in[i] = Tensor.zeros(ins[i].type, ins[i].batched(k));
          feeds.put(ins[i].name, in[i].unwrap());
        }
        for (Map.Entry<String, Tensor> c : constants.entrySet()) {
          feeds.put(c.getKey(), c.getValue().unwrap());
        }
        for (int i = 0; i < outs.length; i++) {
          out[i] = Tensor.zeros(outs[i].type, outs[i].batched(k));
          pinned.put(outs[i].name, out[i].unwrap());
        }
      } catch (RuntimeException e) {
        close();
        throw e;
      }
    }

    void close() {
      for (Tensor t : in) {
        if (t != null) {
          t.close();
        }
      }
      for (Tensor t : out) {
        if (t != null) {
          t.close();
        }
      }
    }
  }

  /**
   * A runner over {@code session} for streams following {@code spec}, stepping up to {@code
   * maxBatch} lanes per model call.
   *
   * @throws IllegalArgumentException when {@code maxBatch} is outside 1..4096, the spec does not
   *     fit the model, or the model's batch axis is not free
   * @throws IllegalStateException when ONNX Runtime fails on the probing runs
   */
  public BatchRunner(Session session, StreamSpec spec, int maxBatch) {
    if (maxBatch < 1 || maxBatch > 4096) {
      throw new IllegalArgumentException("maxBatch=" + maxBatch + ", expected 1..4096");
    }
    this.session = session;
    this.spec = spec;
    this.ort = session.ort();
    this.maxBatch = maxBatch;
    this.chunk = spec.chunkSamples();
    this.context = spec.contextSamples();
    this.scale = spec.scale().factor();
    this.batches = new Batch[maxBatch + 1];
    ValueInfo a = session.input(spec.audioInput());
    if (a.kind() != ValueInfo.Kind.TENSOR || a.type() != ElementType.FLOAT) {
      throw new IllegalArgumentException(
          "audio input " + a + " must be a float32 tensor (Stapes streams float32 audio)");
    }
    states = spec.states().size();
    ins = new Part[1 + states];
    long[] audioSolo = Stream.audioShape(a, spec);
    ins[0] = new Part(a.name(), ElementType.FLOAT, audioSolo, batchAxis(a, audioSolo));
    List<Part> outList = new ArrayList<>();
    for (int i = 0; i < states; i++) {
      StreamSpec.StatePair p = spec.states().get(i);
      ValueInfo in = session.input(p.input());
      ValueInfo out = session.output(p.output());
      if (in.kind() != ValueInfo.Kind.TENSOR || !in.type().creatable() || out.type() != in.type()) {
        throw new IllegalArgumentException(
            "state pair "
                + p
                + ": input "
                + in
                + " and output "
                + out
                + " must be one numeric type");
      }
      long[] s =
          p.initial() != null
              ? p.initial().shape()
              : p.shape() != null ? p.shape() : Session.concrete(in.shape());
      ins[1 + i] = new Part(p.input(), in.type(), s, batchAxis(in, s));
      outList.add(new Part(p.output(), out.type(), s, ins[1 + i].axis));
    }
    for (Map.Entry<String, NpyArray> c : spec.constants().entrySet()) {
      Tensor t = Tensor.of(c.getValue());
      session.checkInput(c.getKey(), t);
      constants.put(c.getKey(), t);
    }
    Set<String> fed = new LinkedHashSet<>();
    for (Part p : ins) {
      fed.add(p.name);
    }
    fed.addAll(constants.keySet());
    for (ValueInfo in : session.inputs().values()) {
      if (!fed.contains(in.name())) {
        closeConstants();
        throw new IllegalArgumentException(
            "Input "
                + in.name()
                + " is neither the audio, a state nor a constant of the spec; the batch runner"
                + " feeds only those (bound per-stream inputs need Session.newStream)");
      }
    }
    List<String> names = new ArrayList<>();
    Set<String> stateOuts = new LinkedHashSet<>();
    for (StreamSpec.StatePair p : spec.states()) {
      stateOuts.add(p.output());
    }
    if (spec.outputs().isEmpty()) {
      for (ValueInfo o : session.outputs().values()) {
        if (o.kind() == ValueInfo.Kind.TENSOR && !stateOuts.contains(o.name())) {
          names.add(o.name());
        }
      }
    } else {
      for (String o : spec.outputs()) {
        session.output(o);
        if (!stateOuts.contains(o) && !names.contains(o)) {
          names.add(o);
        }
      }
    }
    outNames = names.toArray(new String[0]);
    try {
      probeOutputs(outList);
    } catch (RuntimeException e) {
      closeConstants();
      throw e;
    }
    outs = outList.toArray(new Part[0]);
    for (int i = 0; i < outNames.length; i++) {
      outIndex.put(outNames[i], states + i);
    }
  }

  /** The first symbolic axis whose size is 1 for one stream. */
  private static int batchAxis(ValueInfo v, long[] solo) {
    long[] declared = v.shape();
    for (int d = 0; d < declared.length && d < solo.length; d++) {
      if (declared[d] < 0 && solo[d] == 1) {
        return d;
      }
    }
    throw new IllegalArgumentException(
        "Input "
            + v.name()
            + " "
            + v.shapeString()
            + " (one stream: "
            + Arrays.toString(solo)
            + ") has no free batch axis: the batch runner needs a symbolic dimension of size 1"
            + " per stream");
  }

  /** Runs batches of 1 and 2 on the initial state to learn each output's shape and batch axis. */
  private void probeOutputs(List<Part> outList) {
    long[][][] seen = new long[2][outNames.length][];
    for (int k = 1; k <= 2; k++) {
      Map<String, OnnxTensor> feeds = new HashMap<>();
      List<Tensor> made = new ArrayList<>();
      try {
        for (Part p : ins) {
          Tensor t = Tensor.zeros(p.type, p.batched(k));
          made.add(t);
          feeds.put(p.name, t.unwrap());
        }
        for (Map.Entry<String, Tensor> c : constants.entrySet()) {
          feeds.put(c.getKey(), c.getValue().unwrap());
        }
        try (OrtSession.Result r = ort.run(feeds, new LinkedHashSet<>(Arrays.asList(outNames)))) {
          for (int i = 0; i < outNames.length; i++) {
            OnnxTensor t = (OnnxTensor) r.get(outNames[i]).orElseThrow();
            if (ElementType.of(t.getInfo().onnxType) != ElementType.FLOAT) {
              throw new IllegalArgumentException(
                  "Output "
                      + outNames[i]
                      + " is "
                      + t.getInfo().type
                      + "; the batch runner takes float32 outputs");
            }
            seen[k - 1][i] = t.getInfo().getShape();
          }
        }
      } catch (OrtException e) {
        throw new IllegalStateException(
            session.name()
                + ": probing run at batch "
                + k
                + " failed: "
                + Session.oneLine(e.getMessage()),
            e);
      } finally {
        for (Tensor t : made) {
          t.close();
        }
      }
    }
    for (int i = 0; i < outNames.length; i++) {
      long[] s1 = seen[0][i];
      long[] s2 = seen[1][i];
      int axis = -1;
      for (int d = 0; d < s1.length && s1.length == s2.length; d++) {
        if (s1[d] == 1 && s2[d] == 2) {
          axis = d;
          break;
        }
      }
      if (axis < 0) {
        throw new IllegalArgumentException(
            "Output "
                + outNames[i]
                + " has shape "
                + Arrays.toString(s1)
                + " for one stream and "
                + Arrays.toString(s2)
                + " for two: no batch axis; the batch runner needs outputs that grow with the batch");
      }
      outList.add(new Part(outNames[i], ElementType.FLOAT, s1, axis));
    }
  }

  private void closeConstants() {
    for (Tensor t : constants.values()) {
      t.close();
    }
  }

  /** The most lanes one model call steps. */
  public int maxBatch() {
    return maxBatch;
  }

  /** The session this runner steps. */
  public Session session() {
    return session;
  }

  /** Lanes open now. */
  public int lanes() {
    return lanes.size();
  }

  /** A new stream, starting from the spec's initial state. */
  public Lane newLane() {
    checkOpen();
    Lane l = new Lane();
    lanes.add(l);
    if (ready.length < lanes.size()) {
      ready = Arrays.copyOf(ready, ready.length * 2);
    }
    return l;
  }

  /**
   * Runs every lane that has a chunk waiting, in model calls of at most {@code maxBatch} lanes, in
   * the order their chunks were pushed.
   *
   * @return the number of lanes stepped
   * @throws IllegalStateException when the runner is closed, or when ONNX Runtime fails (then its
   *     cause is the {@link InferenceException}; the lanes of a failed call keep their previous
   *     state)
   */
  public int step() {
    checkOpen();
    int n = readyCount;
    int done = 0;
    while (done < n) {
      int k = Math.min(maxBatch, n - done);
      runBatch(done, k);
      done += k;
    }
    for (int i = 0; i < n; i++) {
      ready[i].pending = false;
      ready[i] = null;
    }
    readyCount = 0;
    return n;
  }

  private void runBatch(int from, int k) {
    Batch b = batches[k];
    if (b == null) {
      b = new Batch(k);
      batches[k] = b;
    }
    for (int i = 0; i < ins.length; i++) {
      ByteBuffer dst = b.in[i].writableDataRef();
      for (int j = 0; j < k; j++) {
        Lane l = ready[from + j];
        gather(ins[i], l.in[i], dst, j, k);
      }
    }
    try (OrtSession.Result r = ort.run(b.feeds, NO_NAMES, b.pinned)) {
      // outputs were written into the pinned buffers
    } catch (OrtException e) {
      InferenceException ie =
          new InferenceException(
              session.name(),
              "BatchRunner.step (" + k + " lanes)",
              Session.oneLine(e.getMessage()),
              e);
      throw new IllegalStateException(ie.getMessage(), ie);
    }
    for (int i = 0; i < outs.length; i++) {
      ByteBuffer src = b.out[i].writableDataRef();
      for (int j = 0; j < k; j++) {
        Lane l = ready[from + j];
        ByteBuffer dst = i < states ? l.in[1 + i] : l.out[i - states];
        scatter(outs[i], src, dst, j, k);
      }
    }
    for (int j = 0; j < k; j++) {
      ready[from + j].chunks++;
    }
  }

  /** Copies a lane's [outer, inner] block into row {@code j} of a [outer, k, inner] tensor. */
  private static void gather(Part p, ByteBuffer lane, ByteBuffer batch, int j, int k) {
    int es = p.type.size();
    int block = (int) (p.inner * es);
    for (long o = 0; o < p.outer; o++) {
      batch.put((int) ((o * k + j) * block), lane, (int) (o * block), block);
    }
  }

  /** Copies row {@code j} of a [outer, k, inner] tensor into a lane's [outer, inner] block. */
  private static void scatter(Part p, ByteBuffer batch, ByteBuffer lane, int j, int k) {
    int es = p.type.size();
    int block = (int) (p.inner * es);
    for (long o = 0; o < p.outer; o++) {
      lane.put((int) (o * block), batch, (int) ((o * k + j) * block), block);
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("BatchRunner is closed");
    }
    session.checkOpen();
  }

  /** Closes the runner's tensors and every lane. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Batch b : batches) {
      if (b != null) {
        b.close();
      }
    }
    closeConstants();
    lanes.clear();
  }

  @Override
  public String toString() {
    return "BatchRunner[session="
        + session.name()
        + ", maxBatch="
        + maxBatch
        + ", lanes="
        + lanes.size()
        + ", chunkSamples="
        + chunk
        + "]";
  }

  /**
   * One stream of a {@link BatchRunner}: {@link #push} a chunk, {@link BatchRunner#step()} runs it
   * with the other lanes, then its outputs are read here until the next step. Heap buffers only: a
   * lane needs no closing beyond {@link #close()} removing it from its runner.
   */
  public final class Lane implements AutoCloseable {
    /** Audio window (index 0) and the carried states, one stream's blocks, native order. */
    final ByteBuffer[] in;

    /** One stream's outputs, native order. */
    final ByteBuffer[] out;

    private final FloatBuffer audio;
    private final FloatBuffer[] outFloats;
    boolean pending;
    long chunks;
    private boolean laneClosed;

    private Lane() {
      in = new ByteBuffer[ins.length];
      for (int i = 0; i < ins.length; i++) {
        in[i] = ByteBuffer.allocate(ins[i].soloBytes()).order(ByteOrder.nativeOrder());
      }
      audio = in[0].asFloatBuffer();
      out = new ByteBuffer[outNames.length];
      outFloats = new FloatBuffer[outNames.length];
      for (int i = 0; i < outNames.length; i++) {
        out[i] = ByteBuffer.allocate(outs[states + i].soloBytes()).order(ByteOrder.nativeOrder());
        outFloats[i] = out[i].asFloatBuffer().asReadOnlyBuffer();
      }
      reset();
    }

    /**
     * Queues one chunk, {@code chunkSamples} samples of {@code samples} from {@code offset} (times
     * the spec's scale), for the next {@link BatchRunner#step()}. Allocates nothing.
     *
     * @throws IllegalArgumentException when fewer than {@code chunkSamples} samples remain
     * @throws IllegalStateException when the lane already has a chunk waiting, or is closed
     */
    public void push(float[] samples, int offset) {
      checkLane();
      if (offset < 0 || offset > samples.length - chunk) {
        throw new IllegalArgumentException(
            "offset="
                + offset
                + " length="
                + samples.length
                + ": a chunk needs "
                + chunk
                + " samples from offset, expected 0 <= offset <= "
                + (samples.length - chunk));
      }
      if (pending) {
        throw new IllegalStateException(
            "lane already has a chunk waiting; call BatchRunner.step() before the next push");
      }
      FloatBuffer a = audio;
      for (int i = 0; i < context; i++) {
        a.put(i, a.get(chunk + i));
      }
      for (int i = 0; i < chunk; i++) {
        a.put(context + i, samples[offset + i] * scale);
      }
      pending = true;
      ready[readyCount++] = this;
    }

    /** Whether a chunk waits for the next step. */
    public boolean ready() {
      return pending;
    }

    /** Chunks stepped since creation or the last {@link #reset()}. */
    public long chunksProcessed() {
      return chunks;
    }

    /**
     * A read-only view of float32 output {@code name} of the latest step, positioned at 0; the same
     * view every time (no allocation).
     *
     * @throws IllegalArgumentException for an unknown output name
     * @throws IllegalStateException before the first step of this lane
     */
    public FloatBuffer outputFloats(String name) {
      return outFloats[slot(name)];
    }

    /** Element {@code index} of float32 output {@code name} of the latest step. */
    public float outputFloat(String name, int index) {
      return outFloats[slot(name)].get(index);
    }

    private int slot(String name) {
      checkLane();
      Integer i = outIndex.get(name);
      if (i == null) {
        throw new IllegalArgumentException(
            "Unknown output name " + name + ", expected one of " + Arrays.toString(outNames));
      }
      if (chunks == 0) {
        throw new IllegalStateException(
            "no chunk stepped yet: outputs are available after BatchRunner.step()");
      }
      return i - states;
    }

    /** Starts afresh: state back to its initial value, audio window to zeros. */
    public void reset() {
      checkLane();
      if (pending) {
        throw new IllegalStateException("lane has a chunk waiting; reset after the step");
      }
      for (int i = 0; i < in.length; i++) {
        ByteBuffer b = in[i];
        for (int x = 0; x < b.capacity(); x++) {
          b.put(x, (byte) 0);
        }
      }
      for (int i = 0; i < states; i++) {
        NpyArray init = spec.states().get(i).initial();
        if (init != null) {
          try (Tensor t = Tensor.of(init)) {
            in[1 + i].put(0, t.writableDataRef(), 0, in[1 + i].capacity());
          }
        }
      }
      chunks = 0;
    }

    private void checkLane() {
      if (laneClosed) {
        throw new IllegalStateException("Lane is closed");
      }
      checkOpen();
    }

    /** Removes this lane from its runner. Idempotent. */
    @Override
    public void close() {
      if (laneClosed) {
        return;
      }
      if (pending) {
        for (int i = 0; i < readyCount; i++) {
          if (ready[i] == this) {
            System.arraycopy(ready, i + 1, ready, i, readyCount - i - 1);
            ready[--readyCount] = null;
            break;
          }
        }
        pending = false;
      }
      laneClosed = true;
      lanes.remove(this);
    }
  }
}
