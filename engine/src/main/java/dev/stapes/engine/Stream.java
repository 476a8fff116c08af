package dev.stapes.engine;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One audio stream through a shared {@link Session}: owns every piece of mutable state (the audio
 * window with its carried context, the carried model state, the output buffers), so that many
 * streams can share one session. Used by one thread at a time; different streams may run on
 * different threads concurrently.
 *
 * <p><b>Per chunk</b>, {@link #process(float[], int)}: shifts the last {@code contextSamples} of
 * the previous window to the front, writes the new chunk (times the spec's scale) behind it, and
 * runs the model with every input bound to a preallocated direct buffer and every output pinned to
 * a preallocated direct buffer. Each state pair ping-pongs between two buffers: run {@code n} reads
 * state from buffer {@code n % 2} and writes the new state into the other one, so nothing is copied
 * and nothing is allocated by Stapes' code in steady state. ONNX Runtime's own Java layer still
 * creates a small {@code OrtSession.Result} per run.
 *
 * <p>The first {@code process} call may allocate: when an output has a symbolic dimension, it runs
 * unpinned once to learn the output shapes, then pins buffers of those shapes.
 *
 * <p><b>Bound inputs</b>: a model input that is neither the audio, a state nor a spec constant must
 * be bound with {@link #bind} before the first chunk; {@link #bind} can swap it for another
 * prebuilt {@link Tensor} of the same shape between any two chunks without allocating (this is how
 * a task switch swaps task-embedding or adapter tensors). The stream does not own bound tensors:
 * keep them open while bound.
 *
 * <p><b>Outputs</b> of the latest chunk are read with {@link #output(String)}, {@link
 * #outputFloats(String)} or {@link #outputFloat(String, int)}; they are valid until the next {@code
 * process}, {@link #reset()} or {@link #close()}.
 *
 * <p>{@link #close()} is idempotent; every other method throws {@code IllegalStateException("Stream
 * is closed")} afterwards. A {@link Cleaner} releases the native buffers of an unreachable,
 * unclosed stream.
 */
public final class Stream implements AutoCloseable {
  private static final Cleaner CLEANER = Cleaner.create();

  private final Session session;
  private final StreamSpec spec;
  private final OrtSession ort;
  private final int chunk;
  private final int context;
  private final float scale;
  private final Tensor audio;
  private final FloatBuffer audioBuf;

  private final String[] stateIn;
  private final String[] stateOut;
  private final Tensor[][] stateBufs;
  private final ByteBuffer[] stateInitial; // native order, or null for zeros

  private final Map<String, Integer> freeIndex = new HashMap<>();
  private final Tensor[] freeBound;
  private int unbound;

  @SuppressWarnings("unchecked")
  private final Map<String, OnnxTensor>[] feeds = new Map[] {new HashMap<>(), new HashMap<>()};

  @SuppressWarnings("unchecked")
  private final Map<String, OnnxValue>[] pinned = new Map[] {new HashMap<>(), new HashMap<>()};

  // ORT wants the pinned outputs apart from the requested (unpinned) ones
  private static final Set<String> NO_NAMES = java.util.Collections.emptySet();
  private final Set<String> requested = new LinkedHashSet<>();
  private final String[] outNames; // requested outputs that are not state outputs
  private final Map<String, Integer> outIndex = new HashMap<>(); // >= 0 output, < 0 -(state+1)
  private Tensor[] outTensors;
  private FloatBuffer[] outFloats;
  private final FloatBuffer[][] stateFloats;
  private boolean resolved;

  private int phase;
  private long chunks;
  private boolean closed;
  private final Resources resources;
  private final Cleaner.Cleanable cleanable;

  /** Native buffers of a stream, released by close() or by the cleaner. */
  private static final class Resources implements Runnable {
    final List<Tensor> owned = new ArrayList<>();

    @Override
    public void run() {
      for (Tensor t : owned) {
        t.close();
      }
      owned.clear();
    }
  }

  /**
   * A stream over {@code session} following {@code spec}; callers use {@link Session#newStream}.
   *
   * @throws IllegalArgumentException when the spec does not fit the model (unknown names, wrong
   *     types or shapes), naming the input and the valid set
   */
  Stream(Session session, StreamSpec spec) {
    this.session = session;
    this.spec = spec;
    this.ort = session.ort();
    this.chunk = spec.chunkSamples();
    this.context = spec.contextSamples();
    this.scale = spec.scale().factor();
    this.resources = new Resources();
    this.cleanable = CLEANER.register(this, resources);
    try {
      // audio
      ValueInfo a = session.input(spec.audioInput());
      if (a.kind() != ValueInfo.Kind.TENSOR || a.type() != ElementType.FLOAT) {
        throw new IllegalArgumentException(
            "audio input " + a + " must be a float32 tensor (Stapes streams float32 audio)");
      }
      long[] shape = audioShape(a, spec);
      this.audio = own(Tensor.zeros(ElementType.FLOAT, shape));
      this.audioBuf = audio.writableData().asFloatBuffer();
      put(spec.audioInput(), audio.unwrap());

      // states
      int k = spec.states().size();
      stateIn = new String[k];
      stateOut = new String[k];
      stateBufs = new Tensor[k][2];
      stateInitial = new ByteBuffer[k];
      stateFloats = new FloatBuffer[k][2];
      for (int i = 0; i < k; i++) {
        StreamSpec.StatePair p = spec.states().get(i);
        ValueInfo in = session.input(p.input());
        ValueInfo out = session.output(p.output());
        if (in.kind() != ValueInfo.Kind.TENSOR
            || !in.type().creatable()
            || in.type() == ElementType.STRING) {
          throw new IllegalArgumentException("state input " + in + " must be a numeric tensor");
        }
        if (out.type() != in.type()) {
          throw new IllegalArgumentException(
              "state pair " + p + ": output " + out + " and input " + in + " differ in type");
        }
        long[] s;
        if (p.initial() != null) {
          s = p.initial().shape();
          if (ElementType.of(p.initial().dtype()) != in.type()) {
            throw new IllegalArgumentException(
                "Input "
                    + p.input()
                    + " initial state has type "
                    + ElementType.of(p.initial().dtype())
                    + ", expected "
                    + in.type());
          }
        } else if (p.shape() != null) {
          s = p.shape();
        } else {
          s = Session.concrete(in.shape());
        }
        if (!in.accepts(s)) {
          throw new IllegalArgumentException(
              "Input "
                  + p.input()
                  + " state shape "
                  + Arrays.toString(s)
                  + ", expected "
                  + in.shapeString());
        }
        stateIn[i] = p.input();
        stateOut[i] = p.output();
        for (int j = 0; j < 2; j++) {
          stateBufs[i][j] = own(Tensor.zeros(in.type(), s));
          stateFloats[i][j] =
              in.type() == ElementType.FLOAT
                  ? stateBufs[i][j].writableData().asFloatBuffer().asReadOnlyBuffer()
                  : null;
        }
        if (p.initial() != null) {
          ByteBuffer init = ByteBuffer.allocateDirect(p.initial().data().remaining());
          init.order(ByteOrder.nativeOrder());
          try (Tensor t = Tensor.of(p.initial())) {
            init.put(t.writableData()).flip();
          }
          stateInitial[i] = init;
        }
        feeds[0].put(p.input(), stateBufs[i][0].unwrap());
        feeds[1].put(p.input(), stateBufs[i][1].unwrap());
        pinned[0].put(p.output(), stateBufs[i][1].unwrap());
        pinned[1].put(p.output(), stateBufs[i][0].unwrap());
        outIndex.put(p.output(), -(i + 1));
        requested.add(p.output());
      }
      // constants
      for (Map.Entry<String, NpyArray> c : spec.constants().entrySet()) {
        Tensor t = own(Tensor.of(c.getValue()));
        session.checkInput(c.getKey(), t);
        put(c.getKey(), t.unwrap());
      }
      // free inputs
      List<String> free = new ArrayList<>();
      for (ValueInfo in : session.inputs().values()) {
        if (!feeds[0].containsKey(in.name())) {
          free.add(in.name());
        }
      }
      freeBound = new Tensor[free.size()];
      for (int i = 0; i < free.size(); i++) {
        freeIndex.put(free.get(i), i);
      }
      unbound = free.size();

      // outputs
      List<String> outs = new ArrayList<>();
      if (spec.outputs().isEmpty()) {
        for (ValueInfo o : session.outputs().values()) {
          if (o.kind() == ValueInfo.Kind.TENSOR && !outIndex.containsKey(o.name())) {
            outs.add(o.name());
          }
        }
      } else {
        for (String o : spec.outputs()) {
          ValueInfo v = session.output(o);
          if (v.kind() != ValueInfo.Kind.TENSOR
              || v.type() == ElementType.STRING
              || !v.type().creatable()) {
            throw new IllegalArgumentException(
                "Output " + v + " cannot be streamed: streams support numeric tensor outputs");
          }
          if (!outIndex.containsKey(o) && !outs.contains(o)) {
            outs.add(o);
          }
        }
      }
      outNames = outs.toArray(new String[0]);
      for (int i = 0; i < outNames.length; i++) {
        outIndex.put(outNames[i], i);
        requested.add(outNames[i]);
      }
      boolean allStatic = true;
      for (String o : outNames) {
        ValueInfo v = session.output(o);
        allStatic &= v.isStatic() && v.type().creatable() && v.type() != ElementType.STRING;
      }
      if (allStatic) {
        Tensor[] t = new Tensor[outNames.length];
        for (int i = 0; i < t.length; i++) {
          ValueInfo v = session.output(outNames[i]);
          t[i] = own(Tensor.zeros(v.type(), v.shape()));
        }
        pin(t);
      }
      reset();
    } catch (RuntimeException e) {
      cleanable.clean();
      throw e;
    }
  }

  private Tensor own(Tensor t) {
    resources.owned.add(t);
    return t;
  }

  private void put(String input, OnnxTensor t) {
    feeds[0].put(input, t);
    feeds[1].put(input, t);
  }

  static long[] audioShape(ValueInfo a, StreamSpec spec) {
    long window = spec.windowSamples();
    long[] shape;
    if (spec.audioShape() != null) {
      shape = spec.audioShape();
      for (int i = 0; i < shape.length; i++) {
        if (shape[i] < 0) {
          shape[i] = 1;
          long rest = 1;
          for (long d : shape) {
            rest *= d;
          }
          shape[i] = window / Math.max(rest, 1);
        }
      }
    } else {
      shape = a.shape();
      int last = -1;
      for (int i = 0; i < shape.length; i++) {
        if (shape[i] < 0) {
          last = i;
          shape[i] = 1;
        }
      }
      if (last >= 0) {
        long rest = NpyArray.elementCount(shape);
        shape[last] = window / Math.max(rest, 1);
      }
    }
    if (NpyArray.elementCount(shape) != window) {
      throw new IllegalArgumentException(
          "audio input "
              + a
              + " with shape "
              + Arrays.toString(shape)
              + " holds "
              + NpyArray.elementCount(shape)
              + " samples, expected contextSamples + chunkSamples = "
              + window);
    }
    if (!a.accepts(shape)) {
      throw new IllegalArgumentException(
          "Input "
              + a.name()
              + " audio shape "
              + Arrays.toString(shape)
              + ", expected "
              + a.shapeString());
    }
    return shape;
  }

  private void pin(Tensor[] t) {
    outTensors = t;
    outFloats = new FloatBuffer[t.length];
    for (int i = 0; i < t.length; i++) {
      pinned[0].put(outNames[i], t[i].unwrap());
      pinned[1].put(outNames[i], t[i].unwrap());
      outFloats[i] =
          t[i].type() == ElementType.FLOAT
              ? t[i].writableData().asFloatBuffer().asReadOnlyBuffer()
              : null;
    }
    resolved = true;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("Stream is closed");
    }
    session.checkOpen();
  }

  /** The spec this stream follows. */
  public StreamSpec spec() {
    return spec;
  }

  /** The session this stream runs. */
  public Session session() {
    return session;
  }

  /** Chunks processed since creation or the last {@link #reset()}. */
  public long chunksProcessed() {
    return chunks;
  }

  /** Samples per chunk. */
  public int chunkSamples() {
    return chunk;
  }

  /** Inputs that must be {@link #bind bound} by the caller (neither audio, state nor constant). */
  public Set<String> boundInputs() {
    return java.util.Collections.unmodifiableSet(freeIndex.keySet());
  }

  /**
   * Binds {@code tensor} to input {@code inputName} for the following chunks, replacing any
   * previous binding (also of a spec constant). Allocates nothing when the input was bound before.
   * The stream does not take ownership of {@code tensor}.
   *
   * @throws IllegalArgumentException for an unknown input, the audio or a state input, or a tensor
   *     whose type or shape does not fit the model
   */
  public void bind(String inputName, Tensor tensor) {
    checkOpen();
    if (inputName.equals(spec.audioInput())) {
      throw new IllegalArgumentException(
          "Input " + inputName + " is the audio input of this stream; process() feeds it");
    }
    for (int i = 0; i < stateIn.length; i++) {
      if (stateIn[i].equals(inputName)) {
        throw new IllegalArgumentException(
            "Input "
                + inputName
                + " carries state from output "
                + stateOut[i]
                + "; the previous run feeds it");
      }
    }
    session.checkInput(inputName, tensor);
    Integer free = freeIndex.get(inputName);
    if (free != null) {
      Tensor previous = freeBound[free];
      if (previous == null) {
        unbound--;
      } else if (resolved
          && !Arrays.equals(previous.shapeRef(), tensor.shapeRef())
          && !allOutputsStatic()) {
        // output shapes may follow the new input shape: learn them again on the next chunk
        resolved = false;
      }
      freeBound[free] = tensor;
    }
    OnnxTensor t = tensor.unwrap();
    feeds[0].put(inputName, t);
    feeds[1].put(inputName, t);
  }

  private boolean allOutputsStatic() {
    for (String o : outNames) {
      if (!session.output(o).isStatic()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Processes one chunk: {@code chunkSamples} samples of {@code samples} from {@code offset}.
   * Allocates nothing in steady state. Same as {@link #runChunk(float[], int)}, with a native
   * failure reported unchecked.
   *
   * @throws IllegalArgumentException when fewer than {@code chunkSamples} samples remain
   * @throws IllegalStateException when the stream or its session is closed, an input is unbound, or
   *     ONNX Runtime fails (then its cause is the {@link InferenceException})
   */
  public void process(float[] samples, int offset) {
    try {
      runChunk(samples, offset);
    } catch (InferenceException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /**
   * Processes one chunk: {@code chunkSamples} samples of {@code samples} from {@code offset}.
   * Allocates nothing in steady state.
   *
   * @throws IllegalArgumentException when fewer than {@code chunkSamples} samples remain
   * @throws IllegalStateException when the stream or its session is closed or an input is unbound
   * @throws InferenceException when ONNX Runtime fails
   */
  public void runChunk(float[] samples, int offset) throws InferenceException {
    checkOpen();
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
    if (unbound > 0) {
      throw new IllegalStateException(
          "Inputs not bound: " + unboundNames() + "; call bind(name, tensor) before process()");
    }
    FloatBuffer a = audioBuf;
    for (int i = 0; i < context; i++) {
      a.put(i, a.get(chunk + i));
    }
    float s = scale;
    for (int i = 0; i < chunk; i++) {
      a.put(context + i, samples[offset + i] * s);
    }
    run();
  }

  /** Processes {@code samples}, which must hold exactly {@code chunkSamples} samples. */
  public void process(float[] samples) {
    if (samples.length != chunk) {
      throw new IllegalArgumentException(
          "samples.length=" + samples.length + ", expected chunkSamples=" + chunk);
    }
    process(samples, 0);
  }

  private List<String> unboundNames() {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, Integer> e : freeIndex.entrySet()) {
      if (freeBound[e.getValue()] == null) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  private void run() throws InferenceException {
    int p = phase;
    try {
      if (!resolved) {
        discover(p);
      } else {
        try (OrtSession.Result r = ort.run(feeds[p], NO_NAMES, pinned[p])) {
          // outputs were written into the pinned buffers
        }
      }
    } catch (OrtException e) {
      throw new InferenceException(
          session.name(), "Stream.runChunk", Session.oneLine(e.getMessage()), e);
    }
    phase = p ^ 1;
    chunks++;
  }

  /** First run with symbolic output shapes: run unpinned, then pin buffers of the shapes seen. */
  private void discover(int p) throws OrtException {
    try (OrtSession.Result r = ort.run(feeds[p], requested)) {
      for (int i = 0; i < stateOut.length; i++) {
        OnnxTensor t = (OnnxTensor) r.get(stateOut[i]).orElseThrow();
        long[] s = t.getInfo().getShape();
        Tensor dst = stateBufs[i][p ^ 1];
        if (!Arrays.equals(s, dst.shapeRef())) {
          throw new IllegalArgumentException(
              "state output "
                  + stateOut[i]
                  + " has shape "
                  + Arrays.toString(s)
                  + ", its input "
                  + stateIn[i]
                  + " "
                  + Arrays.toString(dst.shapeRef())
                  + "; give the state's shape in the StreamSpec");
        }
        copy(t, dst);
      }
      Tensor[] old = outTensors;
      Tensor[] t = new Tensor[outNames.length];
      for (int i = 0; i < outNames.length; i++) {
        OnnxTensor o = (OnnxTensor) r.get(outNames[i]).orElseThrow();
        t[i] = own(Tensor.zeros(ElementType.of(o.getInfo().onnxType), o.getInfo().getShape()));
        copy(o, t[i]);
      }
      pin(t);
      if (old != null) {
        for (Tensor o : old) {
          resources.owned.remove(o);
          o.close();
        }
      }
    }
  }

  private static void copy(OnnxTensor src, Tensor dst) {
    ByteBuffer b = src.getByteBuffer();
    b.order(ByteOrder.nativeOrder());
    ByteBuffer d = dst.writableData();
    d.put(b);
  }

  /**
   * Starts the stream afresh: state back to its initial value, context and audio to zeros, chunk
   * count to 0. Bound inputs stay bound. Allocates nothing.
   */
  public void reset() {
    if (closed) {
      throw new IllegalStateException("Stream is closed");
    }
    for (int i = 0; i < audioBuf.capacity(); i++) {
      audioBuf.put(i, 0f);
    }
    for (int i = 0; i < stateBufs.length; i++) {
      for (int j = 0; j < 2; j++) {
        ByteBuffer d = stateBufs[i][j].writableDataRef();
        if (stateInitial[i] != null && j == 0) {
          d.put(0, stateInitial[i], 0, stateInitial[i].capacity());
        } else {
          for (int b = 0; b < d.capacity(); b++) {
            d.put(b, (byte) 0);
          }
        }
      }
    }
    phase = 0;
    chunks = 0;
  }

  private int outputSlot(String name) {
    Integer i = outIndex.get(name);
    if (i == null) {
      throw new IllegalArgumentException(
          "Unknown output name " + name + ", expected one of " + requested);
    }
    if (chunks == 0) {
      throw new IllegalStateException(
          "no chunk processed yet: outputs are available after process()");
    }
    return i;
  }

  /**
   * The latest value of output {@code name} (a streamed output or a state output), owned by the
   * stream and valid until the next {@code process}, {@code reset} or {@code close}.
   */
  public Tensor output(String name) {
    checkOpen();
    int i = outputSlot(name);
    return i >= 0 ? outTensors[i] : stateBufs[-i - 1][phase];
  }

  /**
   * A read-only view of float32 output {@code name}, positioned at 0. The same view object is
   * returned for every chunk (no allocation); its contents change with each {@code process}.
   */
  public FloatBuffer outputFloats(String name) {
    checkOpen();
    int i = outputSlot(name);
    FloatBuffer f = i >= 0 ? outFloats[i] : stateFloats[-i - 1][phase];
    if (f == null) {
      throw new IllegalStateException(
          "Output " + name + " is " + output(name).type() + ", not float32; use output(name)");
    }
    f.clear();
    return f;
  }

  /** Element {@code index} (flat, C order) of float32 output {@code name}. */
  public float outputFloat(String name, int index) {
    return outputFloats(name).get(index);
  }

  /** True after {@link #close()}. */
  public boolean isClosed() {
    return closed;
  }

  /** Releases the stream's native buffers; idempotent. Bound tensors stay open. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      cleanable.clean();
    }
  }

  @Override
  public String toString() {
    return "Stream["
        + session.name()
        + ", "
        + spec
        + ", chunks="
        + chunks
        + (closed ? ", closed" : "")
        + "]";
  }
}
