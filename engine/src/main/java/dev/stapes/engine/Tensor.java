package dev.stapes.engine;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * An ONNX tensor of any element type that ONNX Runtime Java supports (float32, float64, float16,
 * bfloat16, int8/16/32/64, uint8, bool, string).
 *
 * <p>Tensors made by the factories here own a direct buffer in native byte order that ONNX Runtime
 * reads at every run without copying: changing it through {@link #writableData()} changes what the
 * next run sees, with no allocation. Such a tensor is safe to share between streams and threads as
 * an input while nobody writes to it. Tensors returned by {@link Session#run} are owned by their
 * {@link Session.Outputs} and read-only.
 *
 * <p>{@link #close()} is idempotent; other methods throw {@code IllegalStateException("Tensor is
 * closed")} afterwards.
 */
public final class Tensor implements AutoCloseable {
  private final OnnxTensor ort;
  private final ElementType type;
  private final long[] shape;
  private final ByteBuffer direct; // owned data (native order), null for ORT-owned outputs
  private final boolean owner;
  private volatile boolean closed;

  private Tensor(OnnxTensor ort, ElementType type, long[] shape, ByteBuffer direct, boolean owner) {
    this.ort = ort;
    this.type = type;
    this.shape = shape;
    this.direct = direct;
    this.owner = owner;
  }

  static OrtEnvironment env() {
    return OrtEnvironment.getEnvironment();
  }

  /** A view of an ORT-owned value; not closed by {@link #close()}. */
  static Tensor view(OnnxTensor t) {
    return new Tensor(t, ElementType.of(t.getInfo().onnxType), t.getInfo().getShape(), null, false);
  }

  /** A tensor over a direct buffer that this tensor owns. */
  static Tensor overDirect(ElementType type, ByteBuffer direct, long[] shape) {
    checkCreatable(type);
    try {
      OnnxTensor t = OnnxTensor.createTensor(env(), direct, shape.clone(), type.javaType());
      return new Tensor(t, type, shape.clone(), direct, true);
    } catch (OrtException e) {
      throw new IllegalArgumentException(
          "cannot create a "
              + type
              + " tensor of shape "
              + Arrays.toString(shape)
              + ": "
              + e.getMessage(),
          e);
    }
  }

  private static void checkCreatable(ElementType type) {
    if (!type.creatable() || type == ElementType.STRING) {
      if (type == ElementType.STRING) {
        return;
      }
      throw new IllegalArgumentException(
          "element type "
              + type
              + " cannot be passed to ONNX Runtime Java 1.26, expected one of [float32, float64,"
              + " float16, bfloat16, int8, int16, int32, int64, uint8, bool, string]");
    }
  }

  /**
   * Allocates a zeroed direct buffer in native order for {@code shape} elements of {@code type}.
   */
  static ByteBuffer allocateDirect(ElementType type, long[] shape) {
    long n = NpyArray.elementCount(shape);
    long bytes = n * type.size();
    if (bytes > Integer.MAX_VALUE - 64) {
      throw new IllegalArgumentException(
          "shape "
              + Arrays.toString(shape)
              + " of "
              + type
              + " needs "
              + bytes
              + " bytes, over 2 GiB");
    }
    // allocateDirect with 0 bytes is fine; ORT accepts empty tensors
    return ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
  }

  /** A tensor of zeros. */
  public static Tensor zeros(ElementType type, long... shape) {
    if (type == ElementType.STRING) {
      String[] s = new String[Math.toIntExact(NpyArray.elementCount(shape))];
      Arrays.fill(s, "");
      return ofStrings(s, shape);
    }
    checkCreatable(type);
    return overDirect(type, allocateDirect(type, shape), shape);
  }

  /**
   * A tensor holding {@code data}: {@code shape} elements of {@code type}, little-endian (copied).
   */
  public static Tensor of(ElementType type, ByteBuffer littleEndianData, long... shape) {
    checkCreatable(type);
    if (type == ElementType.STRING) {
      throw new IllegalArgumentException("use Tensor.ofStrings for string tensors");
    }
    long need = NpyArray.elementCount(shape) * type.size();
    ByteBuffer src = littleEndianData.duplicate();
    if (src.remaining() != need) {
      throw new IllegalArgumentException(
          "data has "
              + src.remaining()
              + " bytes, expected "
              + need
              + " for "
              + type
              + Arrays.toString(shape));
    }
    ByteBuffer d = allocateDirect(type, shape);
    d.put(src).flip();
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      swap(d, type.size());
    }
    return overDirect(type, d, shape);
  }

  /** A tensor holding a copy of {@code array}. */
  public static Tensor of(NpyArray array) {
    return of(ElementType.of(array.dtype()), array.data(), array.shape());
  }

  /** A float32 tensor holding a copy of {@code values}. */
  public static Tensor ofFloats(float[] values, long... shape) {
    return of(NpyArray.ofFloat32(values, shape));
  }

  /** An int64 tensor holding a copy of {@code values}. */
  public static Tensor ofLongs(long[] values, long... shape) {
    return of(NpyArray.ofInt64(values, shape));
  }

  /** A float64 tensor holding a copy of {@code values}. */
  public static Tensor ofDoubles(double[] values, long... shape) {
    return of(NpyArray.ofFloat64(values, shape));
  }

  /** An int32 tensor holding a copy of {@code values}. */
  public static Tensor ofInts(int[] values, long... shape) {
    return of(NpyArray.ofInt32(values, shape));
  }

  /** An int16 tensor holding a copy of {@code values}. */
  public static Tensor ofShorts(short[] values, long... shape) {
    return of(NpyArray.ofInt16(values, shape));
  }

  /** An int8 ({@link ElementType#INT8}) or uint8 ({@link ElementType#UINT8}) tensor. */
  public static Tensor ofBytes(ElementType type, byte[] values, long... shape) {
    if (type != ElementType.INT8 && type != ElementType.UINT8) {
      throw new IllegalArgumentException("type=" + type + ", expected one of [int8, uint8]");
    }
    return of(NpyArray.ofBytes(type.npy(), values, shape));
  }

  /** A bool tensor. */
  public static Tensor ofBooleans(boolean[] values, long... shape) {
    return of(NpyArray.ofBool(values, shape));
  }

  /** A float16 tensor of {@code values} rounded to half precision (to nearest, ties to even). */
  public static Tensor ofFloat16(float[] values, long... shape) {
    short[] h = new short[values.length];
    for (int i = 0; i < h.length; i++) {
      h[i] = dev.stapes.engine.internal.Half.fromFloat(values[i]);
    }
    NpyArray bits = NpyArray.ofInt16(h, shape);
    return of(ElementType.FLOAT16, bits.data(), shape);
  }

  /** A string tensor. */
  public static Tensor ofStrings(String[] values, long... shape) {
    long n = NpyArray.elementCount(shape);
    if (n != values.length) {
      throw new IllegalArgumentException(
          "values.length="
              + values.length
              + ", expected "
              + n
              + " for shape "
              + Arrays.toString(shape));
    }
    try {
      return new Tensor(
          OnnxTensor.createTensor(env(), values.clone(), shape.clone()),
          ElementType.STRING,
          shape.clone(),
          null,
          true);
    } catch (OrtException e) {
      throw new IllegalArgumentException("cannot create a string tensor: " + e.getMessage(), e);
    }
  }

  private void check() {
    if (closed) {
      throw new IllegalStateException("Tensor is closed");
    }
  }

  /** Element type. */
  public ElementType type() {
    return type;
  }

  /** A copy of the shape. */
  public long[] shape() {
    return shape.clone();
  }

  /** The shape array itself, not a copy: never modify it. */
  long[] shapeRef() {
    return shape;
  }

  /** Number of elements. */
  public long size() {
    return NpyArray.elementCount(shape);
  }

  /**
   * The data in native byte order, writable, for tensors created by this class (not for outputs of
   * {@link Session#run} nor string tensors). Writes are seen by the next run that uses this tensor;
   * do not write while a run may be reading it.
   */
  public ByteBuffer writableData() {
    check();
    if (direct == null) {
      throw new IllegalStateException(
          "tensor of " + type + " has no writable buffer (string tensor or a run's output)");
    }
    return direct.duplicate().order(ByteOrder.nativeOrder());
  }

  /** The owned direct buffer itself (native order), for allocation-free access. */
  ByteBuffer writableDataRef() {
    return direct;
  }

  /** A writable float view of {@link #writableData()} (float32 tensors only). */
  public FloatBuffer writableFloats() {
    requireType(ElementType.FLOAT);
    return writableData().asFloatBuffer();
  }

  private void requireType(ElementType t) {
    if (type != t) {
      throw new IllegalStateException("tensor type is " + type + ", expected " + t);
    }
  }

  /** The data as little-endian bytes (a copy for run outputs; a read-only view otherwise). */
  public ByteBuffer data() {
    check();
    if (type == ElementType.STRING) {
      throw new IllegalStateException("string tensors have no byte data; use toStrings()");
    }
    ByteBuffer b;
    if (direct != null) {
      b = direct.duplicate().order(ByteOrder.nativeOrder());
    } else {
      try {
        b = ort.getByteBuffer();
      } catch (RuntimeException e) {
        throw new IllegalStateException(
            "ONNX Runtime Java 1.26 cannot read tensors of element type " + type, e);
      }
      if (b == null) {
        throw new IllegalStateException("ONNX Runtime returned no data for a " + type + " tensor");
      }
      b.order(ByteOrder.nativeOrder());
    }
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      ByteBuffer c = ByteBuffer.allocate(b.remaining());
      c.put(b).flip();
      swap(c, type.size());
      b = c;
    }
    return b.order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The elements as a float array (float32 tensors only). */
  public float[] toFloats() {
    requireType(ElementType.FLOAT);
    float[] out = new float[Math.toIntExact(size())];
    data().asFloatBuffer().get(out);
    return out;
  }

  /** A copy as a NumPy array (every type but string and bfloat16). */
  public NpyArray toNpy() {
    if (type.npy() == null) {
      throw new IllegalStateException("a " + type + " tensor has no NumPy dtype");
    }
    ByteBuffer d = data();
    ByteBuffer copy = ByteBuffer.allocate(d.remaining()).order(ByteOrder.LITTLE_ENDIAN);
    copy.put(d).flip();
    return new NpyArray(type.npy(), shape, copy);
  }

  /** The elements of a string tensor, flat in C order. */
  public String[] toStrings() {
    check();
    requireType(ElementType.STRING);
    try {
      Object v = ort.getValue();
      String[] out = new String[Math.toIntExact(size())];
      int[] pos = {0};
      flatten(v, out, pos);
      return out;
    } catch (OrtException e) {
      throw new IllegalStateException("cannot read string tensor: " + e.getMessage(), e);
    }
  }

  private static void flatten(Object v, String[] out, int[] pos) {
    if (v instanceof String s) {
      out[pos[0]++] = s;
    } else if (v != null && v.getClass().isArray()) {
      int n = Array.getLength(v);
      for (int i = 0; i < n; i++) {
        flatten(Array.get(v, i), out, pos);
      }
    }
  }

  /**
   * The ONNX Runtime value, for interoperation (passing it to an {@code OrtSession} directly). It
   * stays owned by this tensor.
   */
  public OnnxTensor unwrap() {
    check();
    return ort;
  }

  /** True after {@link #close()}. */
  public boolean isClosed() {
    return closed;
  }

  /** Releases the native tensor; idempotent. Views of run outputs are released by their owner. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (owner) {
      ort.close();
    }
  }

  private static void swap(ByteBuffer b, int size) {
    int n = b.limit();
    for (int i = 0; i + size <= n; i += size) {
      for (int j = 0; j < size / 2; j++) {
        byte t = b.get(i + j);
        b.put(i + j, b.get(i + size - 1 - j));
        b.put(i + size - 1 - j, t);
      }
    }
  }

  @Override
  public String toString() {
    return "Tensor[" + type + Arrays.toString(shape) + (closed ? ", closed" : "") + "]";
  }
}
