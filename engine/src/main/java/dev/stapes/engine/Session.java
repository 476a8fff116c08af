package dev.stapes.engine;

import ai.onnxruntime.MapInfo;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.SequenceInfo;
import ai.onnxruntime.TensorInfo;
import dev.stapes.engine.internal.ExternalData;
import dev.stapes.engine.internal.ModelInspector;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A loaded ONNX model: immutable and thread-safe. Any number of threads may call {@link #run}
 * concurrently, and any number of {@link Stream}s may share one session (each stream is used by one
 * thread at a time).
 *
 * <p>Before ONNX Runtime sees the model, Stapes parses it with the ONNX protos and reads the data
 * of tensors kept in external files itself, with the checks every loading path shares (the
 * injection path's {@code OnnxModels.read} included): a location that is absolute, contains {@code
 * ..}, leads outside the model's folder through a symbolic link, is not a regular file, or whose
 * offset and length do not fit the file is refused. ONNX Runtime gets the bytes from memory and is
 * never told where the folder is. Small external tensors are inlined into the model; larger
 * main-graph initializers are handed over as direct buffers, which the session holds until it is
 * closed (they count against {@code -XX:MaxDirectMemorySize}).
 *
 * <pre>{@code
 * try (Session session = Session.open(Path.of("model.onnx"))) {
 *   System.out.println(session.inputs().values());
 * }
 * }</pre>
 *
 * <p>{@link #close()} is idempotent; afterwards every method but {@link #name()}, {@link
 * #options()} and {@link #isClosed()} throws {@code IllegalStateException("Session is closed")}. A
 * {@link Cleaner} releases the native session of an unreachable, unclosed session.
 */
public final class Session implements AutoCloseable {
  private static final Cleaner CLEANER = Cleaner.create();

  private final String name;
  private final SessionOptions options;
  private final OrtSession ort;
  private final Map<String, ValueInfo> inputs;
  private final Map<String, ValueInfo> outputs;
  private final Map<String, String> metadata;
  private final Cleaner.Cleanable cleanable;
  private volatile boolean closed;

  private Session(
      String name,
      SessionOptions options,
      OrtSession ort,
      List<OnnxTensor> weights,
      Map<String, String> meta)
      throws OrtException {
    this.name = name;
    this.options = options;
    this.ort = ort;
    this.inputs = infos(ort.getInputInfo());
    this.outputs = infos(ort.getOutputInfo());
    this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(meta));
    this.cleanable = CLEANER.register(this, new Release(ort, weights));
  }

  /** Closes the native session, then the external initializers it was reading from memory. */
  private static final class Release implements Runnable {
    private final OrtSession ort;
    private final List<OnnxTensor> weights;

    Release(OrtSession ort, List<OnnxTensor> weights) {
      this.ort = ort;
      this.weights = weights;
    }

    @Override
    public void run() {
      closeQuietly(ort);
      closeAll(weights);
    }
  }

  /** Loads {@code model} with default options. */
  public static Session open(Path model) throws IOException {
    return open(model, SessionOptions.defaults());
  }

  /**
   * Loads {@code model} (external data is read relative to its folder).
   *
   * @throws NoSuchFileException when the file does not exist
   * @throws ModelFormatException when it is not a regular file or not a valid ONNX model, ONNX
   *     Runtime refuses it, or its external data is unsafe or unreadable (see the class comment)
   * @throws ExecutionProviderException when the requested execution provider is not available
   */
  public static Session open(Path model, SessionOptions options) throws IOException {
    byte[] bytes;
    try {
      bytes = ModelInspector.readModelFile(model);
    } catch (ModelInspector.BadModel e) {
      throw new ModelFormatException(e.getMessage(), e.getCause());
    }
    Path folder = model.toAbsolutePath().getParent();
    return load(bytes, model.toString(), folder, options);
  }

  /**
   * Loads a model from {@code bytes}, {@code name} naming it in messages. {@code folder} is where
   * external data lives (null: a model with external data is refused); it is read with the same
   * checks as {@link #open(Path, SessionOptions)}'s.
   *
   * @throws ModelFormatException when the bytes are not a valid ONNX model, ONNX Runtime refuses
   *     it, or its external data is unsafe or unreadable
   */
  public static Session fromBytes(byte[] bytes, String name, Path folder, SessionOptions options)
      throws IOException {
    return load(bytes.clone(), name, folder, options);
  }

  /** A parsed model whose external data has been read (see {@link ExternalData}). */
  private record Prepared(
      byte[] bytes, Map<String, String> metadata, List<ExternalData.Initializer> weights) {}

  private static Prepared prepare(byte[] bytes, String name, Path folder)
      throws ModelFormatException {
    try {
      ModelInspector inspected = ModelInspector.inspect(bytes, name);
      ExternalData.Loaded ext =
          ExternalData.load(inspected.model(), folder, name, Session::fromMemory);
      byte[] out = bytes;
      if (ext.model() != inspected.model()) {
        try {
          out = ext.model().toByteArray();
        } catch (RuntimeException e) {
          throw new ModelFormatException(
              name
                  + ": the model with its small external tensors inlined cannot be serialised ("
                  + oneLine(e.getMessage())
                  + ")",
              e);
        }
      }
      return new Prepared(out, inspected.metadata(), ext.initializers());
    } catch (ModelInspector.BadModel e) {
      throw new ModelFormatException(e.getMessage(), e.getCause());
    }
  }

  /** Whether ONNX Runtime Java can take an initializer of this ONNX data type from memory. */
  private static boolean fromMemory(int onnxDataType) {
    ElementType t = ElementType.ofOnnx(onnxDataType);
    return t.creatable() && t != ElementType.STRING;
  }

  private static Session load(byte[] bytes, String name, Path folder, SessionOptions options)
      throws IOException {
    Prepared model = prepare(bytes, name, folder);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Path cache = options.optimizedModelCache();
    String key = cache == null ? null : cacheKey(model, options, env);
    boolean fromCache = false;
    if (cache != null && Files.isRegularFile(cache) && Files.isRegularFile(keyFile(cache))) {
      String stored = Files.readString(keyFile(cache), StandardCharsets.UTF_8).trim();
      fromCache = stored.equals(key);
    }
    OrtSession ort;
    List<OnnxTensor> weights = new ArrayList<>();
    try (OrtSession.SessionOptions so = ortOptions(options, fromCache)) {
      if (fromCache) {
        byte[] cachedBytes;
        try {
          cachedBytes = ModelInspector.readModelFile(cache);
        } catch (ModelInspector.BadModel e) {
          throw new ModelFormatException(e.getMessage(), e.getCause());
        }
        Prepared cached =
            prepare(cachedBytes, cache.toString(), cache.toAbsolutePath().getParent());
        weights = tensors(env, cached.weights());
        if (!weights.isEmpty()) {
          so.addExternalInitializers(byName(weights, cached.weights()));
        }
        ort = env.createSession(cached.bytes(), so);
      } else {
        if (cache != null) {
          Path parent = cache.toAbsolutePath().getParent();
          if (parent != null) {
            Files.createDirectories(parent);
          }
          Files.deleteIfExists(keyFile(cache));
          so.setOptimizedModelFilePath(cache.toString());
        }
        weights = tensors(env, model.weights());
        if (!weights.isEmpty()) {
          so.addExternalInitializers(byName(weights, model.weights()));
        }
        ort = env.createSession(model.bytes(), so);
        if (cache != null) {
          Files.writeString(keyFile(cache), key + "\n", StandardCharsets.UTF_8);
        }
      }
    } catch (OrtException e) {
      closeAll(weights);
      throw new ModelFormatException(
          name + ": ONNX Runtime refused the model: " + oneLine(e.getMessage()), e);
    } catch (IOException | RuntimeException e) {
      closeAll(weights);
      throw e;
    }
    Session s;
    try {
      s = new Session(name, options, ort, weights, model.metadata());
    } catch (OrtException | RuntimeException e) {
      closeQuietly(ort);
      closeAll(weights);
      if (e instanceof OrtException) {
        throw new ModelFormatException(name + ": " + oneLine(e.getMessage()), e);
      }
      throw (RuntimeException) e;
    }
    try {
      s.warmUp(options.warmupRuns());
    } catch (InferenceException e) {
      s.close();
      throw new ModelFormatException(
          "warm-up run failed (zero inputs, symbolic dimensions set to 1; set warmupRuns=0): "
              + e.getMessage(),
          e);
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  /** ONNX Runtime tensors over the direct buffers of {@code weights}, in order. */
  private static List<OnnxTensor> tensors(
      OrtEnvironment env, List<ExternalData.Initializer> weights) throws OrtException {
    List<OnnxTensor> out = new ArrayList<>(weights.size());
    try {
      for (ExternalData.Initializer w : weights) {
        out.add(OnnxTensor.createTensor(env, w.data(), w.dims(), w.type().javaType()));
      }
      return out;
    } catch (OrtException | RuntimeException e) {
      closeAll(out);
      throw e;
    }
  }

  private static Map<String, OnnxTensorLike> byName(
      List<OnnxTensor> tensors, List<ExternalData.Initializer> weights) {
    Map<String, OnnxTensorLike> m = new LinkedHashMap<>();
    for (int i = 0; i < tensors.size(); i++) {
      m.put(weights.get(i).name(), tensors.get(i));
    }
    return m;
  }

  private static void closeAll(List<OnnxTensor> tensors) {
    for (OnnxTensor t : tensors) {
      t.close();
    }
  }

  private static void closeQuietly(OrtSession ort) {
    try {
      ort.close();
    } catch (OrtException | RuntimeException e) {
      // already failing
    }
  }

  static String oneLine(String s) {
    return s == null ? "" : s.replace('\n', ' ').trim();
  }

  private static Path keyFile(Path cache) {
    return cache.resolveSibling(cache.getFileName() + ".key");
  }

  /** The cache key: SHA-256 over the model and its external data, runtime, provider, level. */
  private static String cacheKey(Prepared model, SessionOptions o, OrtEnvironment env) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(model.bytes());
      for (ExternalData.Initializer w : model.weights()) {
        md.update(w.name().getBytes(StandardCharsets.UTF_8));
        md.update(w.data().duplicate());
      }
      String sha = HexFormat.of().formatHex(md.digest());
      return "sha256="
          + sha
          + " ort="
          + env.getVersion()
          + " provider="
          + o.executionProvider()
          + ":"
          + o.deviceId()
          + " level="
          + o.optimizationLevel();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static OrtSession.SessionOptions ortOptions(SessionOptions o, boolean fromCache)
      throws OrtException, ExecutionProviderException {
    OrtSession.SessionOptions so = new OrtSession.SessionOptions();
    try {
      // ONNX Runtime's warnings (shape merging, unused initializers) would break the command
      // line's one-line errors; errors still surface as exceptions
      so.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
      if (o.intraOpThreads() > 0) {
        so.setIntraOpNumThreads(o.intraOpThreads());
      }
      if (o.interOpThreads() > 0) {
        so.setInterOpNumThreads(o.interOpThreads());
      }
      if (!o.allowSpinning()) {
        so.addConfigEntry("session.intra_op.allow_spinning", "0");
        so.addConfigEntry("session.inter_op.allow_spinning", "0");
      }
      so.setOptimizationLevel(fromCache ? OrtSession.SessionOptions.OptLevel.NO_OPT : level(o));
      if (o.executionProvider() == SessionOptions.ExecutionProvider.CUDA) {
        addCuda(so, o.deviceId());
      }
      return so;
    } catch (OrtException | ExecutionProviderException | RuntimeException e) {
      so.close();
      throw e;
    }
  }

  /** Registers CUDA on {@code so}, or explains what is missing. Package-private for tests. */
  static void addCuda(OrtSession.SessionOptions so, int deviceId)
      throws ExecutionProviderException {
    if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
      throw new ExecutionProviderException(
          "execution provider CUDA requested, but this ONNX Runtime build provides only "
              + OrtEnvironment.getAvailableProviders()
              + "; build with the GPU artifact ('mvn -Pgpu ...', which uses"
              + " com.microsoft.onnxruntime:onnxruntime_gpu) on Linux x64 or Windows x64 with"
              + " CUDA 12 and cuDNN 9 installed",
          null);
    }
    try {
      so.addCUDA(deviceId);
    } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
      throw new ExecutionProviderException(
          "execution provider CUDA (device "
              + deviceId
              + ") failed to load: "
              + oneLine(e.getMessage())
              + "; check the driver (nvidia-smi) and that the CUDA 12 and cuDNN 9 libraries are"
              + " on LD_LIBRARY_PATH",
          e);
    }
  }

  private static OrtSession.SessionOptions.OptLevel level(SessionOptions o) {
    switch (o.optimizationLevel()) {
      case NONE:
        return OrtSession.SessionOptions.OptLevel.NO_OPT;
      case BASIC:
        return OrtSession.SessionOptions.OptLevel.BASIC_OPT;
      case EXTENDED:
        return OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
      default:
        return OrtSession.SessionOptions.OptLevel.ALL_OPT;
    }
  }

  private static Map<String, ValueInfo> infos(Map<String, NodeInfo> nodes) {
    Map<String, ValueInfo> out = new LinkedHashMap<>();
    for (NodeInfo n : nodes.values()) {
      out.put(n.getName(), info(n));
    }
    return Collections.unmodifiableMap(out);
  }

  private static ValueInfo info(NodeInfo n) {
    if (n.getInfo() instanceof TensorInfo t) {
      return new ValueInfo(
          n.getName(),
          ValueInfo.Kind.TENSOR,
          ElementType.of(t.onnxType),
          t.getShape(),
          t.getDimensionNames(),
          null);
    }
    ValueInfo.Kind kind =
        n.getInfo() instanceof SequenceInfo
            ? ValueInfo.Kind.SEQUENCE
            : n.getInfo() instanceof MapInfo ? ValueInfo.Kind.MAP : ValueInfo.Kind.OTHER;
    String d = String.valueOf(n.getInfo());
    if (kind == ValueInfo.Kind.OTHER && d.toLowerCase().contains("optional")) {
      kind = ValueInfo.Kind.OPTIONAL;
    }
    return new ValueInfo(n.getName(), kind, ElementType.OTHER, null, null, d);
  }

  private void warmUp(int runs) throws InferenceException {
    if (runs == 0) {
      return;
    }
    Map<String, Tensor> zeros = new LinkedHashMap<>();
    try {
      for (ValueInfo in : inputs.values()) {
        if (in.kind() != ValueInfo.Kind.TENSOR || !in.type().creatable()) {
          throw new IllegalArgumentException(
              name + ": warm-up needs tensor inputs, input " + in + " is not; set warmupRuns=0");
        }
        zeros.put(in.name(), Tensor.zeros(in.type(), concrete(in.shape())));
      }
      for (int i = 0; i < runs; i++) {
        try (Outputs o = run(zeros)) {
          // discard
        }
      }
    } finally {
      for (Tensor t : zeros.values()) {
        t.close();
      }
    }
  }

  /** {@code shape} with every symbolic dimension set to 1. */
  static long[] concrete(long[] shape) {
    long[] s = shape.clone();
    for (int i = 0; i < s.length; i++) {
      if (s[i] < 0) {
        s[i] = 1;
      }
    }
    return s;
  }

  void checkOpen() {
    if (closed) {
      throw new IllegalStateException("Session is closed");
    }
  }

  /** The model's name in messages (its path, or the name given with the bytes). */
  public String name() {
    return name;
  }

  public SessionOptions options() {
    return options;
  }

  /** Inputs the caller feeds, in the model's order. */
  public Map<String, ValueInfo> inputs() {
    checkOpen();
    return inputs;
  }

  /** Outputs, in the model's order. */
  public Map<String, ValueInfo> outputs() {
    checkOpen();
    return outputs;
  }

  /** The model's metadata_props (custom key/value pairs such as {@code stapes.chunk_samples}). */
  public Map<String, String> metadata() {
    checkOpen();
    return metadata;
  }

  /** The declared input {@code name}, or an exception naming the valid names. */
  public ValueInfo input(String inputName) {
    checkOpen();
    ValueInfo v = inputs.get(inputName);
    if (v == null) {
      throw new IllegalArgumentException(
          "Unknown input name " + inputName + ", expected one of " + inputs.keySet());
    }
    return v;
  }

  /** The declared output {@code name}, or an exception naming the valid names. */
  public ValueInfo output(String outputName) {
    checkOpen();
    ValueInfo v = outputs.get(outputName);
    if (v == null) {
      throw new IllegalArgumentException(
          "Unknown output name " + outputName + ", expected one of " + outputs.keySet());
    }
    return v;
  }

  /**
   * Checks that {@code t} fits input {@code inputName}: known name, tensor input, same element
   * type, same rank and equal fixed dimensions.
   *
   * @throws IllegalArgumentException naming the input, the expected and the actual type or shape
   */
  public void checkInput(String inputName, Tensor t) {
    ValueInfo v = input(inputName);
    if (v.kind() != ValueInfo.Kind.TENSOR) {
      throw new IllegalArgumentException(
          "Input "
              + inputName
              + " is a "
              + v.kind().name().toLowerCase()
              + " ("
              + v
              + "); only tensor inputs are supported");
    }
    if (t.type() != v.type()) {
      throw new IllegalArgumentException(
          "Input "
              + inputName
              + " has type "
              + t.type()
              + ", expected "
              + v.type()
              + " (shape "
              + v.shapeString()
              + ")");
    }
    if (!v.accepts(t.shapeRef())) {
      throw new IllegalArgumentException(
          "Input "
              + inputName
              + " has shape "
              + Arrays.toString(t.shape())
              + ", expected "
              + v.shapeString()
              + " (type "
              + v.type()
              + ")");
    }
  }

  /**
   * Runs the model once on {@code feeds} (every input, by name) and returns every output. This is
   * the general path: it checks the inputs and allocates the outputs; for audio streams use a
   * {@link Stream}. Thread-safe.
   *
   * @throws IllegalArgumentException for an unknown or missing input, or one of the wrong type or
   *     shape
   * @throws InferenceException when ONNX Runtime fails while running the model
   */
  public Outputs run(Map<String, Tensor> feeds) throws InferenceException {
    checkOpen();
    Map<String, OnnxTensor> ortFeeds = new HashMap<>();
    for (Map.Entry<String, Tensor> e : feeds.entrySet()) {
      checkInput(e.getKey(), e.getValue());
      ortFeeds.put(e.getKey(), e.getValue().unwrap());
    }
    for (ValueInfo v : inputs.values()) {
      if (!feeds.containsKey(v.name())) {
        throw new IllegalArgumentException(
            "Missing input " + v + ", the model's inputs are " + inputs.keySet());
      }
    }
    try {
      OrtSession.Result r = ort.run(ortFeeds);
      try {
        return new Outputs(r);
      } catch (RuntimeException e) {
        r.close();
        throw e;
      }
    } catch (OrtException e) {
      throw new InferenceException(name, "Session.run", oneLine(e.getMessage()), e);
    }
  }

  /** A new stream over this session; see {@link Stream}. */
  public Stream newStream(StreamSpec spec) {
    checkOpen();
    return new Stream(this, spec);
  }

  /**
   * The streaming contract declared in the model's {@code stapes.*} metadata, or null when the
   * model declares none.
   */
  public StreamSpec streamSpecFromMetadata() {
    checkOpen();
    return StreamSpec.fromMetadata(metadata);
  }

  OrtSession ort() {
    checkOpen();
    return ort;
  }

  /** True after {@link #close()}. */
  public boolean isClosed() {
    return closed;
  }

  /** Releases the native session; idempotent. Streams over it fail afterwards. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      cleanable.clean();
    }
  }

  @Override
  public String toString() {
    return "Session["
        + name
        + ", inputs="
        + inputs.values()
        + ", outputs="
        + outputs.values()
        + ", "
        + options
        + "]";
  }

  /**
   * The outputs of one {@link Session#run}, in the model's order. Owns them: {@link #close()}
   * releases every output tensor (idempotent).
   */
  public static final class Outputs implements AutoCloseable {
    private final OrtSession.Result result;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final Map<String, String> nonTensors = new LinkedHashMap<>();

    Outputs(OrtSession.Result result) {
      this.result = result;
      for (Map.Entry<String, OnnxValue> e : result) {
        if (e.getValue() instanceof OnnxTensor t) {
          tensors.put(e.getKey(), Tensor.view(t));
        } else {
          nonTensors.put(e.getKey(), e.getValue().getType().name());
        }
      }
    }

    /** Names of the tensor outputs, in order. */
    public java.util.Set<String> names() {
      return Collections.unmodifiableSet(tensors.keySet());
    }

    /**
     * Output {@code outputName}.
     *
     * @throws IllegalArgumentException for an unknown name or a non-tensor output
     */
    public Tensor get(String outputName) {
      Tensor t = tensors.get(outputName);
      if (t == null) {
        if (nonTensors.containsKey(outputName)) {
          throw new IllegalArgumentException(
              "Output "
                  + outputName
                  + " is not a tensor ("
                  + nonTensors.get(outputName)
                  + "); only tensor outputs are supported");
        }
        throw new IllegalArgumentException(
            "Unknown output name " + outputName + ", expected one of " + tensors.keySet());
      }
      return t;
    }

    /** Names of outputs that are not tensors (sequences, maps, optionals), with their kind. */
    public Map<String, String> nonTensorOutputs() {
      return Collections.unmodifiableMap(nonTensors);
    }

    @Override
    public void close() {
      for (Tensor t : tensors.values()) {
        t.close();
      }
      result.close();
    }
  }
}
