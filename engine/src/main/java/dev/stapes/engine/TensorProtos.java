package dev.stapes.engine;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Reads ONNX {@code TensorProto} files ({@code .pb}, as in the ONNX backend tests): every data
 * type, from {@code raw_data} or from the typed fields ({@code float_data}, {@code int32_data},
 * {@code int64_data}, {@code uint64_data}, {@code double_data}, {@code string_data}). Sizes are
 * checked against the data present before any buffer is allocated. Thread-safe.
 */
public final class TensorProtos {
  private TensorProtos() {}

  /** ONNX {@code TensorProto.DataType} names, indexed by number. */
  private static final String[] ONNX_TYPES = {
    "undefined",
    "float32",
    "uint8",
    "int8",
    "uint16",
    "int16",
    "int32",
    "int64",
    "string",
    "bool",
    "float16",
    "float64",
    "uint32",
    "uint64",
    "complex64",
    "complex128",
    "bfloat16",
    "float8e4m3fn",
    "float8e4m3fnuz",
    "float8e5m2",
    "float8e5m2fnuz",
    "uint4",
    "int4",
    "float4e2m1"
  };

  /** The name of ONNX data type number {@code t}. */
  public static String onnxTypeName(int t) {
    return t >= 0 && t < ONNX_TYPES.length ? ONNX_TYPES[t] : "type " + t;
  }

  /** One decoded tensor: name, ONNX data type, shape, and either little-endian data or strings. */
  public static final class Value {
    private final String name;
    private final int onnxType;
    private final long[] shape;
    private final ByteBuffer data;
    private final String[] strings;

    Value(String name, int onnxType, long[] shape, ByteBuffer data, String[] strings) {
      this.name = name;
      this.onnxType = onnxType;
      this.shape = shape;
      this.data = data;
      this.strings = strings;
    }

    /** The name stored in the proto (may be empty). */
    public String name() {
      return name;
    }

    /** ONNX data type number (1 = float, ...). */
    public int onnxType() {
      return onnxType;
    }

    /** Stapes element type ({@link ElementType#OTHER} for complex and 8/4-bit types). */
    public ElementType type() {
      return ElementType.ofOnnx(onnxType);
    }

    /** The data type's name, e.g. {@code float32} or {@code complex64}. */
    public String typeName() {
      return onnxTypeName(onnxType);
    }

    public long[] shape() {
      return shape.clone();
    }

    /** Little-endian data (read-only), null for strings. */
    public ByteBuffer data() {
      return data == null ? null : data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The strings of a string tensor, null otherwise. */
    public String[] strings() {
      return strings == null ? null : strings.clone();
    }

    /**
     * A tensor holding this value.
     *
     * @throws IllegalArgumentException when ONNX Runtime Java cannot create tensors of its type
     */
    public Tensor toTensor() {
      if (strings != null) {
        return Tensor.ofStrings(strings, shape);
      }
      ElementType t = type();
      if (t == ElementType.OTHER) {
        throw new IllegalArgumentException(
            "element type "
                + typeName()
                + " cannot be passed to ONNX Runtime Java 1.26, expected one of [float32, float64,"
                + " float16, bfloat16, int8, int16, int32, int64, uint8, bool, string]");
      }
      return Tensor.of(t, data(), shape);
    }

    /**
     * A NumPy array holding this value.
     *
     * @throws IllegalStateException for types without a NumPy dtype (string, bfloat16, ...)
     */
    public NpyArray toNpy() {
      NpyDType d = type().npy();
      if (d == null || data == null) {
        throw new IllegalStateException("a " + typeName() + " tensor has no NumPy dtype");
      }
      return new NpyArray(d, shape, data());
    }

    @Override
    public String toString() {
      return "TensorProto[" + name + ": " + typeName() + Arrays.toString(shape) + "]";
    }
  }

  /**
   * Reads the TensorProto in {@code file}.
   *
   * @throws NoSuchFileException when it does not exist
   * @throws ModelFormatException when it is not a well-formed TensorProto
   */
  public static Value read(Path file) throws IOException {
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString(), null, "tensor file not found");
    }
    Npy.requireRegularFile(file, "a TensorProto .pb file");
    return parse(Files.readAllBytes(file), file.toString());
  }

  /** Decodes the TensorProto in {@code bytes}, {@code source} naming it in messages. */
  public static Value parse(byte[] bytes, String source) throws ModelFormatException {
    OnnxMl.TensorProto t;
    try {
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      in.setSizeLimit(Integer.MAX_VALUE);
      t = OnnxMl.TensorProto.parseFrom(in);
    } catch (IOException | RuntimeException e) {
      throw new ModelFormatException(
          source + ": not an ONNX TensorProto (" + Session.oneLine(e.getMessage()) + ")", e);
    }
    return decode(t, source);
  }

  /** Decodes a parsed TensorProto. */
  public static Value decode(OnnxMl.TensorProto t, String source) throws ModelFormatException {
    String src = source + (t.getName().isEmpty() ? "" : " (" + t.getName() + ")");
    if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL
        || t.getExternalDataCount() > 0) {
      throw new ModelFormatException(src + ": external data is not supported in tensor files");
    }
    if (t.hasSegment()) {
      throw new ModelFormatException(src + ": segmented tensors are not supported");
    }
    long[] shape = new long[t.getDimsCount()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = t.getDims(i);
    }
    long n;
    try {
      n = NpyArray.elementCount(shape);
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(src + ": " + e.getMessage());
    }
    int type = t.getDataType();
    if (type == OnnxMl.TensorProto.DataType.UNDEFINED_VALUE) {
      throw new ModelFormatException(
          src
              + ": data_type 0 (UNDEFINED), expected a tensor type such as 1 (FLOAT); not an ONNX"
              + " TensorProto, or an empty one");
    }
    if (type == OnnxMl.TensorProto.DataType.STRING_VALUE) {
      if (t.getStringDataCount() != n) {
        throw new ModelFormatException(
            src
                + ": "
                + t.getStringDataCount()
                + " strings, expected "
                + n
                + " for shape "
                + Arrays.toString(shape));
      }
      String[] s = new String[(int) n];
      for (int i = 0; i < s.length; i++) {
        s[i] = t.getStringData(i).toString(StandardCharsets.UTF_8);
      }
      return new Value(t.getName(), type, shape, null, s);
    }
    int size = elementBits(type, src);
    long bytes = size >= 8 ? n * (size / 8) : (n * size + 7) / 8;
    if (!t.getRawData().isEmpty() || n == 0) {
      ByteString raw = t.getRawData();
      if (raw.size() != bytes) {
        throw new ModelFormatException(
            src
                + ": raw_data has "
                + raw.size()
                + " bytes, expected "
                + bytes
                + " for "
                + onnxTypeName(type)
                + Arrays.toString(shape));
      }
      ByteBuffer b = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
      raw.copyTo(b);
      b.flip();
      return new Value(t.getName(), type, shape, b, null);
    }
    return new Value(t.getName(), type, shape, typed(t, type, n, bytes, size, src), null);
  }

  private static int elementBits(int type, String src) throws ModelFormatException {
    switch (type) {
      case 1: // float
      case 6: // int32
      case 12: // uint32
        return 32;
      case 2:
      case 3:
      case 9: // bool
      case 17:
      case 18:
      case 19:
      case 20:
        return 8;
      case 4:
      case 5:
      case 10:
      case 16:
        return 16;
      case 7:
      case 11:
      case 13:
      case 14: // complex64
        return 64;
      case 15: // complex128
        return 128;
      case 21:
      case 22:
      case 23:
        return 4;
      default:
        throw new ModelFormatException(src + ": unknown data type " + type);
    }
  }

  private static ByteBuffer typed(
      OnnxMl.TensorProto t, int type, long n, long bytes, int bits, String src)
      throws ModelFormatException {
    List<?> values;
    long expected = n;
    switch (type) {
      case 1:
        values = t.getFloatDataList();
        break;
      case 14:
        values = t.getFloatDataList();
        expected = 2 * n;
        break;
      case 11:
        values = t.getDoubleDataList();
        break;
      case 15:
        values = t.getDoubleDataList();
        expected = 2 * n;
        break;
      case 7:
        values = t.getInt64DataList();
        break;
      case 12:
      case 13:
        values = t.getUint64DataList();
        break;
      case 21:
      case 22:
      case 23:
        values = t.getInt32DataList();
        expected = (n + 1) / 2;
        break;
      default: // int32, int16, int8, uint16, uint8, bool, float16, bfloat16, float8: int32_data
        values = t.getInt32DataList();
        break;
    }
    if (values.size() != expected) {
      throw new ModelFormatException(
          src
              + ": "
              + values.size()
              + " values, expected "
              + expected
              + " for "
              + onnxTypeName(type)
              + Arrays.toString(t.getDimsList().toArray()));
    }
    ByteBuffer b = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (Object o : values) {
      switch (bits) {
        case 128:
        case 64:
          if (o instanceof Double d) {
            b.putDouble(d);
          } else if (o instanceof Float f) {
            b.putFloat(f);
          } else {
            b.putLong((Long) o);
          }
          break;
        case 32:
          if (o instanceof Float f) {
            b.putFloat(f);
          } else if (o instanceof Long l) {
            b.putInt((int) (long) l);
          } else {
            b.putInt((Integer) o);
          }
          break;
        case 16:
          b.putShort((short) (int) (Integer) o);
          break;
        case 8:
        case 4:
          b.put((byte) (int) (Integer) o);
          break;
        default:
          throw new AssertionError(bits);
      }
    }
    b.flip();
    return b;
  }
}
