package dev.stapes.engine.inject;

import dev.stapes.engine.inject.internal.FlatBufferReader;
import dev.stapes.engine.internal.AtomicFiles;
import dev.stapes.engine.internal.Half;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An ONNX Runtime adapter file ({@code .onnx_adapter}): named tensors that {@code
 * ai.onnxruntime.OrtLoraAdapter} feeds to the graph inputs of the same names when a run is given
 * {@code OrtSession.RunOptions.addActiveLoraAdapter}. It is the file form of one Stapes task of a
 * {@link Injector.Mode#BOUND} model: {@link #fromTask} exports a task, and {@link #parameters()} of
 * a file read here is a task's bound values for {@link InjectedModel#ofBoundInputs}.
 *
 * <pre>{@code
 * // export: ONNX Runtime users run m.modelBytes() with this file active
 * InjectedModel m = Injector.builder().model(base).task(Task.of("de", lora)).build();
 * OrtAdapterFile.fromTask(m, "de").write(Path.of("de.onnx_adapter"));
 *
 * // import: a model whose LoRA weights are graph inputs (Olive's ExtractAdapters) and its adapters
 * Map<String, Map<String, WeightTensor>> tasks = new LinkedHashMap<>();
 * tasks.put("de", OrtAdapterFile.read(Path.of("de.onnx_adapter")).parameters());
 * tasks.put("fr", OrtAdapterFile.read(Path.of("fr.onnx_adapter")).parameters());
 * try (InjectedSession s = InjectedModel.ofBoundInputs(Path.of("model.onnx"), tasks).open(env, o)) {
 *   s.run(inputs, "fr");
 * }
 * }</pre>
 *
 * <p>The format is ONNX Runtime's FlatBuffers schema {@code onnxruntime/lora/adapter_format/
 * adapter_schema.fbs}: file identifier {@code "TORT"}, root table {@code Adapter {format_version,
 * adapter_version, model_version, parameters:[Parameter]}}, {@code Parameter {name, dims:[int64],
 * data_type, raw_data:[uint8]}}, little-endian, format version {@value #FORMAT_VERSION} (the only
 * one ONNX Runtime accepts up to 1.30).
 *
 * <p>Reading is safe on hostile input: every offset, vtable, vector and string is checked against
 * the file before use; names must be non-empty, unique, zero-terminated UTF-8; at most {@value
 * #MAX_PARAMETERS} parameters (ONNX Runtime's FlatBuffers verifier allows as many tables) of rank
 * at most {@value #MAX_RANK}; dimensions not negative; {@code raw_data} exactly the size that
 * {@code dims} and the data type need, and the parameters' {@code raw_data} together no larger than
 * the file (so parameters cannot share data to make the reader allocate more than twice the file's
 * size); every value finite. Data types {@link #READABLE_TYPES}: float32, and float16 decoded
 * exactly to float32. Writing produces float32 parameters with every field present and {@code
 * raw_data} 8-aligned as the schema asks.
 *
 * <p>Cost model: {@link #read} holds the whole file in memory while it decodes, then keeps one
 * float32 array per parameter; {@link #toBytes} allocates the whole file once. Instances are
 * immutable (the tensors' arrays are shared, not copied, as {@link WeightTensor} promises) and
 * thread-safe.
 */
public final class OrtAdapterFile {
  /**
   * The adapter format version written and accepted (ONNX Runtime's {@code kAdapterFormatVersion}).
   */
  public static final int FORMAT_VERSION = 1;

  /** The FlatBuffers file identifier of adapter files. */
  public static final String IDENTIFIER = "TORT";

  /** The most parameters accepted on read. */
  public static final int MAX_PARAMETERS = 1_000_000;

  /** The highest parameter rank accepted on read. */
  public static final int MAX_RANK = 64;

  /** The largest file, in bytes (FlatBuffers buffers stay below 2 GiB). */
  public static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

  /**
   * ONNX Runtime's {@code TensorDataType} enum, by code, with the byte width of those read here.
   */
  private enum DataType {
    UNDEFINED(0),
    FLOAT(4),
    UINT8(0),
    INT8(0),
    UINT16(0),
    INT16(0),
    INT32(0),
    INT64(0),
    STRING(0),
    BOOL(0),
    FLOAT16(2),
    DOUBLE(0),
    UINT32(0),
    UINT64(0),
    COMPLEX64(0),
    COMPLEX128(0),
    BFLOAT16(0),
    FLOAT8E4M3FN(0),
    FLOAT8E4M3FNUZ(0),
    FLOAT8E5M2(0),
    FLOAT8E5M2FNUZ(0);

    /** Bytes per element for the types Stapes decodes, 0 for those it refuses. */
    final int width;

    DataType(int width) {
      this.width = width;
    }

    /** The code in the schema (the enum is declared in code order, from 0). */
    int code() {
      return ordinal();
    }

    @Override
    public String toString() {
      return name() + " (" + code() + ")";
    }
  }

  /** The data types {@link #read} decodes, as {@code NAME (code)}, derived from the type table. */
  public static final List<String> READABLE_TYPES = readableTypes();

  private static List<String> readableTypes() {
    List<String> l = new ArrayList<>();
    for (DataType t : DataType.values()) {
      if (t.width > 0) {
        l.add(t.toString());
      }
    }
    return List.copyOf(l);
  }

  private final Map<String, WeightTensor> parameters;
  private final int adapterVersion;
  private final int modelVersion;

  private OrtAdapterFile(
      Map<String, WeightTensor> parameters, int adapterVersion, int modelVersion) {
    this.parameters = Collections.unmodifiableMap(parameters);
    this.adapterVersion = adapterVersion;
    this.modelVersion = modelVersion;
  }

  /**
   * An adapter of {@code parameters} (copied into a map of the same iteration order; the tensors
   * are not copied), to be written as float32.
   *
   * @param adapterVersion free for the adapter's author (ONNX Runtime does not read it)
   * @param modelVersion free for the adapter's author (ONNX Runtime does not read it)
   * @throws IllegalArgumentException for an empty name or a null tensor
   */
  public static OrtAdapterFile of(
      Map<String, WeightTensor> parameters, int adapterVersion, int modelVersion) {
    Map<String, WeightTensor> copy = new LinkedHashMap<>();
    for (Map.Entry<String, WeightTensor> e : parameters.entrySet()) {
      if (e.getKey() == null || e.getKey().isEmpty()) {
        throw new IllegalArgumentException("parameter name is empty, expected a graph input name");
      }
      if (e.getValue() == null) {
        throw new IllegalArgumentException("parameter " + e.getKey() + " has no tensor");
      }
      copy.put(e.getKey(), e.getValue());
    }
    return new OrtAdapterFile(copy, adapterVersion, modelVersion);
  }

  /**
   * The bound values of {@code task} of a {@link Injector.Mode#BOUND} model as an adapter (versions
   * 0): its parameter names are the graph's input names, so ONNX Runtime runs {@link
   * InjectedModel#modelBytes()} with this adapter active as Stapes runs the task. Branch scales are
   * bound inputs too and carry the task's multipliers as built; changes made later with {@link
   * InjectedSession#setScale} are not seen.
   *
   * @throws IllegalArgumentException for an unknown task, or a model in mode {@link
   *     Injector.Mode#BAKED} (no bound inputs) or {@link Injector.Mode#PER_ROW} (stacked tasks)
   */
  public static OrtAdapterFile fromTask(InjectedModel model, String task) {
    if (model.mode() != Injector.Mode.BOUND) {
      throw new IllegalArgumentException(
          "mode="
              + model.mode()
              + ", expected BOUND: "
              + (model.mode() == Injector.Mode.BAKED
                  ? "a BAKED model holds its weights as constants"
                  : "a PER_ROW model stacks every task in one set of inputs")
              + "; build the model with Injector.Mode.BOUND to export a task");
    }
    return of(model.boundValues(task), 0, 0);
  }

  /** The parameters by name, in file order; unmodifiable. */
  public Map<String, WeightTensor> parameters() {
    return parameters;
  }

  /** The adapter version field. */
  public int adapterVersion() {
    return adapterVersion;
  }

  /** The model version field. */
  public int modelVersion() {
    return modelVersion;
  }

  // --------------------------------------------------------------------------------------------
  // Reading

  /**
   * Reads an adapter file.
   *
   * @throws InvalidAdapterException naming the file when it is not a valid adapter file of a
   *     readable data type (see the class comment)
   * @throws IOException when the file cannot be read
   */
  public static OrtAdapterFile read(Path file) throws IOException {
    if (Files.exists(file) && !Files.isRegularFile(file)) {
      throw new InvalidAdapterException(file + ": not a regular file");
    }
    long n = Files.size(file);
    if (n > MAX_FILE_BYTES) {
      throw new InvalidAdapterException(
          file + ": " + n + " bytes, expected at most " + MAX_FILE_BYTES + " (FlatBuffers limit)");
    }
    return parse(Files.readAllBytes(file), file.toString());
  }

  /**
   * Parses adapter file bytes ({@code source} names them in messages).
   *
   * @throws InvalidAdapterException when they are not a valid adapter file of a readable data type
   */
  public static OrtAdapterFile parse(byte[] bytes, String source) throws InvalidAdapterException {
    FlatBufferReader r = new FlatBufferReader(ByteBuffer.wrap(bytes), source);
    ByteBuffer b = r.buffer();
    int root = r.root(IDENTIFIER);
    int format = r.intField(root, 0, 0, "Adapter.format_version");
    if (format != FORMAT_VERSION) {
      throw r.invalid("format_version=" + format + ", expected one of [" + FORMAT_VERSION + "]");
    }
    int adapterVersion = r.intField(root, 1, 0, "Adapter.adapter_version");
    int modelVersion = r.intField(root, 2, 0, "Adapter.model_version");
    int vec = r.offsetField(root, 3, "Adapter.parameters");
    if (vec < 0) {
      throw r.invalid("the adapter has no parameters vector");
    }
    int n = r.vectorLength(vec, 4, "Adapter.parameters");
    if (n > MAX_PARAMETERS) {
      throw r.invalid(
          "Adapter.parameters holds " + n + " entries, expected at most " + MAX_PARAMETERS);
    }
    Map<String, WeightTensor> out = new LinkedHashMap<>();
    long rawTotal = 0;
    for (int i = 0; i < n; i++) {
      String at = "parameter " + i;
      int p = r.table(r.offsetAt(vec + 4 + 4 * i, at), at);
      int nameAt = r.offsetField(p, 0, at + " name");
      if (nameAt < 0) {
        throw r.invalid(at + " has no name");
      }
      String name = r.string(nameAt, at + " name");
      if (name.isEmpty()) {
        throw r.invalid(at + " has an empty name, expected a graph input name");
      }
      if (out.containsKey(name)) {
        throw r.invalid(at + " is named " + quote(name) + " like an earlier parameter");
      }
      String what = "parameter " + quote(name);

      int dimsAt = r.offsetField(p, 1, what + " dims");
      if (dimsAt < 0) {
        throw r.invalid(what + " has no dims");
      }
      int rank = r.vectorLength(dimsAt, 8, what + " dims");
      if (rank > MAX_RANK) {
        throw r.invalid(what + " has rank " + rank + ", expected at most " + MAX_RANK);
      }
      long[] dims = new long[rank];
      long count = 1;
      for (int k = 0; k < rank; k++) {
        dims[k] = b.getLong(dimsAt + 4 + 8 * k);
        if (dims[k] < 0) {
          throw r.invalid(what + " has dims " + Arrays.toString(dims) + " with a negative size");
        }
        count = dims[k] == 0 || count <= r.size() / dims[k] ? count * dims[k] : Long.MAX_VALUE;
      }

      int code = r.intField(p, 2, 0, what + " data_type");
      DataType type = code >= 0 && code < DataType.values().length ? DataType.values()[code] : null;
      if (type == null || type.width == 0) {
        throw r.invalid(
            what
                + " has data_type="
                + (type == null ? code + " (not a TensorDataType)" : type)
                + ", expected one of "
                + READABLE_TYPES);
      }

      int rawAt = r.offsetField(p, 3, what + " raw_data");
      if (rawAt < 0) {
        throw r.invalid(what + " has no raw_data");
      }
      int rawLen = r.vectorLength(rawAt, 1, what + " raw_data");
      if (count == Long.MAX_VALUE || count * type.width != rawLen) {
        throw r.invalid(
            what
                + " has dims "
                + Arrays.toString(dims)
                + " of "
                + type.name()
                + (count == Long.MAX_VALUE
                    ? ", more elements than the file could hold"
                    : ", which need " + count * type.width + " bytes")
                + "; its raw_data holds "
                + rawLen
                + " bytes");
      }
      rawTotal += rawLen;
      if (rawTotal > r.size()) {
        throw r.invalid(
            "the parameters' raw_data add up to more than the file's "
                + r.size()
                + " bytes at "
                + what
                + ": parameters share data, which is refused");
      }
      float[] data = new float[(int) count];
      int d = rawAt + 4;
      if (type == DataType.FLOAT) {
        for (int k = 0; k < data.length; k++) {
          data[k] = b.getFloat(d + 4 * k);
        }
      } else {
        for (int k = 0; k < data.length; k++) {
          data[k] = Half.toFloat(b.getShort(d + 2 * k));
        }
      }
      WeightTensor w = new WeightTensor(dims, data);
      int bad = w.firstNonFinite();
      if (bad >= 0) {
        throw r.invalid(what + " element " + bad + " is " + data[bad] + ", expected finite values");
      }
      out.put(name, w);
    }
    return new OrtAdapterFile(out, adapterVersion, modelVersion);
  }

  /**
   * {@code name} in single quotes for a one-line message: control characters, quotes and
   * backslashes escaped as {@code \\uXXXX}, so a hostile name cannot break or forge a line.
   */
  static String quote(String name) {
    StringBuilder s = new StringBuilder(name.length() + 2).append('\'');
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '\'' || c == '\\' || Character.isISOControl(c)) {
        s.append(String.format("\\u%04x", (int) c));
      } else {
        s.append(c);
      }
    }
    return s.append('\'').toString();
  }

  // --------------------------------------------------------------------------------------------
  // Writing

  /** Positions of one parameter's parts in the file. */
  private record Placed(byte[] name, long table, long nameAt, long dimsAt, long rawAt) {}

  private static final int VTABLE_BYTES = 12; // size, inline size, four field offsets
  private static final int TABLE_BYTES = 20; // vtable offset and four 4-byte fields

  private static long align(long pos, int to, int phase) {
    long p = pos;
    while (Math.floorMod(p, to) != phase) {
      p++;
    }
    return p;
  }

  /**
   * The file's bytes. Layout, front to back with forward offsets only: root offset, identifier, the
   * Adapter vtable and table, the one vtable shared by every Parameter, the parameters vector, then
   * per parameter its table, name, dims and raw_data (dims and raw_data 8-aligned).
   *
   * @throws IllegalArgumentException when the file would reach {@value #MAX_FILE_BYTES} bytes
   */
  public byte[] toBytes() {
    List<Placed> placed = new ArrayList<>();
    long adapterVt = 8;
    long adapterTable = adapterVt + VTABLE_BYTES;
    long paramVt = adapterTable + TABLE_BYTES;
    long vec = paramVt + VTABLE_BYTES;
    long pos = vec + 4 + 4L * parameters.size();
    for (Map.Entry<String, WeightTensor> e : parameters.entrySet()) {
      byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
      long table = align(pos, 4, 0);
      long nameAt = table + TABLE_BYTES;
      long dimsAt = align(nameAt + 4 + name.length + 1, 8, 4);
      long rawAt = align(dimsAt + 4 + 8L * e.getValue().rank(), 8, 4);
      pos = rawAt + 4 + 4L * e.getValue().size();
      placed.add(new Placed(name, table, nameAt, dimsAt, rawAt));
      if (pos > MAX_FILE_BYTES) {
        throw new IllegalArgumentException(
            "the adapter would take more than " + MAX_FILE_BYTES + " bytes (FlatBuffers limit)");
      }
    }
    long total = align(pos, 8, 0);
    ByteBuffer b = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0, (int) adapterTable);
    b.put(4, IDENTIFIER.getBytes(StandardCharsets.US_ASCII));
    putVtable(b, (int) adapterVt);
    b.putInt((int) adapterTable, (int) (adapterTable - adapterVt));
    b.putInt((int) adapterTable + 4, FORMAT_VERSION);
    b.putInt((int) adapterTable + 8, adapterVersion);
    b.putInt((int) adapterTable + 12, modelVersion);
    putOffset(b, adapterTable + 16, vec);
    putVtable(b, (int) paramVt);
    b.putInt((int) vec, parameters.size());
    int i = 0;
    for (WeightTensor w : parameters.values()) {
      Placed p = placed.get(i);
      putOffset(b, vec + 4 + 4L * i, p.table());
      int t = (int) p.table();
      b.putInt(t, (int) (p.table() - paramVt));
      putOffset(b, p.table() + 4, p.nameAt());
      putOffset(b, p.table() + 8, p.dimsAt());
      b.putInt(t + 12, DataType.FLOAT.code());
      putOffset(b, p.table() + 16, p.rawAt());
      b.putInt((int) p.nameAt(), p.name().length);
      b.put((int) p.nameAt() + 4, p.name()); // the zero terminator is the buffer's zero fill
      b.putInt((int) p.dimsAt(), w.rank());
      for (int k = 0; k < w.rank(); k++) {
        b.putLong((int) p.dimsAt() + 4 + 8 * k, w.dim(k));
      }
      b.putInt((int) p.rawAt(), 4 * w.size());
      float[] data = w.data();
      int d = (int) p.rawAt() + 4;
      for (int k = 0; k < data.length; k++) {
        b.putFloat(d + 4 * k, data[k]);
      }
      i++;
    }
    return b.array();
  }

  /** A vtable for a table of four 4-byte fields at table offsets 4, 8, 12 and 16. */
  private static void putVtable(ByteBuffer b, int at) {
    b.putShort(at, (short) VTABLE_BYTES);
    b.putShort(at + 2, (short) TABLE_BYTES);
    for (int k = 0; k < 4; k++) {
      b.putShort(at + 4 + 2 * k, (short) (4 + 4 * k));
    }
  }

  private static void putOffset(ByteBuffer b, long at, long target) {
    b.putInt((int) at, (int) (target - at));
  }

  /**
   * Writes the file, replacing {@code file} atomically (a failed write leaves no partial file).
   *
   * @throws java.nio.file.FileSystemException naming {@code file} when it cannot be written
   */
  public void write(Path file) throws IOException {
    byte[] bytes = toBytes();
    AtomicFiles.write(file, out -> out.write(bytes));
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof OrtAdapterFile f)
        || f.adapterVersion != adapterVersion
        || f.modelVersion != modelVersion
        || !f.parameters.keySet().equals(parameters.keySet())) {
      return false;
    }
    for (Map.Entry<String, WeightTensor> e : parameters.entrySet()) {
      WeightTensor a = e.getValue();
      WeightTensor c = f.parameters.get(e.getKey());
      if (!Arrays.equals(a.shape(), c.shape()) || !Arrays.equals(a.data(), c.data())) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return Objects.hash(parameters.keySet(), adapterVersion, modelVersion);
  }

  @Override
  public String toString() {
    StringBuilder s =
        new StringBuilder("OrtAdapterFile[adapterVersion=")
            .append(adapterVersion)
            .append(", modelVersion=")
            .append(modelVersion)
            .append(", parameters={");
    int i = 0;
    for (Map.Entry<String, WeightTensor> e : parameters.entrySet()) {
      s.append(i++ == 0 ? "" : ", ")
          .append(e.getKey())
          .append('=')
          .append(e.getValue().shapeString());
    }
    return s.append("}]").toString();
  }
}
