package dev.stapes.engine;

import dev.stapes.engine.internal.Half;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An n-dimensional array as stored in a NumPy {@code .npy} file: element type, shape (C order) and
 * the raw elements, little-endian. Immutable: {@link #shape()} returns a copy and {@link #data()} a
 * read-only view.
 */
public final class NpyArray {
  private final NpyDType dtype;
  private final long[] shape;
  private final ByteBuffer data;

  /**
   * Wraps {@code data} (its remaining bytes, little-endian) as an array of {@code dtype} and {@code
   * shape}. The buffer is not copied; do not modify it afterwards.
   *
   * @throws IllegalArgumentException when a dimension is negative or the byte count does not match
   *     the shape
   */
  public NpyArray(NpyDType dtype, long[] shape, ByteBuffer data) {
    if (dtype == null || shape == null || data == null) {
      throw new IllegalArgumentException("dtype, shape and data must not be null");
    }
    long bytes = byteCount(dtype, shape);
    if (bytes != data.remaining()) {
      throw new IllegalArgumentException(
          "data has "
              + data.remaining()
              + " bytes, expected "
              + bytes
              + " for dtype "
              + dtype.code()
              + " and shape "
              + Arrays.toString(shape));
    }
    this.dtype = dtype;
    this.shape = shape.clone();
    this.data = data.slice().order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer();
  }

  /** Number of bytes that {@code shape} elements of {@code dtype} take; checks for overflow. */
  static long byteCount(NpyDType dtype, long[] shape) {
    long n = elementCount(shape);
    if (n > Long.MAX_VALUE / dtype.size()) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " is too large");
    }
    return n * dtype.size();
  }

  /** Number of elements of {@code shape} (1 for a scalar); checks for negatives and overflow. */
  public static long elementCount(long[] shape) {
    long n = 1;
    for (int i = 0; i < shape.length; i++) {
      long d = shape[i];
      if (d < 0) {
        throw new IllegalArgumentException(
            "shape[" + i + "]=" + d + " is negative in " + Arrays.toString(shape));
      }
      if (d != 0 && n > Long.MAX_VALUE / d) {
        throw new IllegalArgumentException(
            "shape " + Arrays.toString(shape) + " has more than 2^63 elements");
      }
      n *= d;
    }
    return n;
  }

  /** Element type. */
  public NpyDType dtype() {
    return dtype;
  }

  /** A copy of the shape (empty for a scalar). */
  public long[] shape() {
    return shape.clone();
  }

  /** Number of dimensions. */
  public int rank() {
    return shape.length;
  }

  /** Number of elements. */
  public long size() {
    return elementCount(shape);
  }

  /** A read-only little-endian view of the elements, positioned at 0. */
  public ByteBuffer data() {
    return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** A float32 array from float32 data. */
  public static NpyArray ofFloat32(float[] values, long... shape) {
    ByteBuffer b = allocate(values.length, 4, NpyDType.F4, shape);
    b.asFloatBuffer().put(values);
    return new NpyArray(NpyDType.F4, shape, b);
  }

  /** A float64 array. */
  public static NpyArray ofFloat64(double[] values, long... shape) {
    ByteBuffer b = allocate(values.length, 8, NpyDType.F8, shape);
    b.asDoubleBuffer().put(values);
    return new NpyArray(NpyDType.F8, shape, b);
  }

  /** An int64 array. */
  public static NpyArray ofInt64(long[] values, long... shape) {
    ByteBuffer b = allocate(values.length, 8, NpyDType.I8, shape);
    b.asLongBuffer().put(values);
    return new NpyArray(NpyDType.I8, shape, b);
  }

  /** An int32 array. */
  public static NpyArray ofInt32(int[] values, long... shape) {
    ByteBuffer b = allocate(values.length, 4, NpyDType.I4, shape);
    b.asIntBuffer().put(values);
    return new NpyArray(NpyDType.I4, shape, b);
  }

  /** An int16 array. */
  public static NpyArray ofInt16(short[] values, long... shape) {
    ByteBuffer b = allocate(values.length, 2, NpyDType.I2, shape);
    b.asShortBuffer().put(values);
    return new NpyArray(NpyDType.I2, shape, b);
  }

  /** An int8 ({@link NpyDType#I1}) or uint8 ({@link NpyDType#U1}) array. */
  public static NpyArray ofBytes(NpyDType dtype, byte[] values, long... shape) {
    if (dtype.size() != 1) {
      throw new IllegalArgumentException(
          "dtype=" + dtype.code() + ", expected one of [i1, u1, b1]");
    }
    ByteBuffer b = allocate(values.length, 1, dtype, shape);
    b.put(values).flip();
    return new NpyArray(dtype, shape, b);
  }

  /** A bool array. */
  public static NpyArray ofBool(boolean[] values, long... shape) {
    ByteBuffer b = allocate(values.length, 1, NpyDType.B1, shape);
    for (boolean v : values) {
      b.put((byte) (v ? 1 : 0));
    }
    b.flip();
    return new NpyArray(NpyDType.B1, shape, b);
  }

  private static ByteBuffer allocate(int length, int size, NpyDType dtype, long[] shape) {
    long n = elementCount(shape);
    if (n != length) {
      throw new IllegalArgumentException(
          "values.length="
              + length
              + ", expected "
              + n
              + " elements for shape "
              + Arrays.toString(shape));
    }
    return ByteBuffer.allocate(Math.multiplyExact(length, size)).order(ByteOrder.LITTLE_ENDIAN);
  }

  private int intSize() {
    long n = size();
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException(n + " elements do not fit in a Java array");
    }
    return (int) n;
  }

  /** The elements as float32, converted from any numeric type (bool as 0 or 1). */
  public float[] toFloatArray() {
    int n = intSize();
    float[] out = new float[n];
    ByteBuffer b = data();
    for (int i = 0; i < n; i++) {
      out[i] = (float) getDouble(b, i);
    }
    return out;
  }

  /** The elements as float64, converted from any numeric type; uint64 above 2^63 wraps. */
  public double[] toDoubleArray() {
    int n = intSize();
    double[] out = new double[n];
    ByteBuffer b = data();
    for (int i = 0; i < n; i++) {
      out[i] = getDouble(b, i);
    }
    return out;
  }

  /**
   * The elements as int64, converted from any integer or bool type; floating-point values are
   * truncated toward zero.
   */
  public long[] toLongArray() {
    int n = intSize();
    long[] out = new long[n];
    ByteBuffer b = data();
    for (int i = 0; i < n; i++) {
      out[i] = getLong(b, i);
    }
    return out;
  }

  /** Element {@code i} (flat, C order) as a double. */
  public double getDouble(long i) {
    return getDouble(data, checkIndex(i));
  }

  private int checkIndex(long i) {
    long n = size();
    if (i < 0 || i >= n) {
      throw new IndexOutOfBoundsException("index=" + i + " size=" + n);
    }
    return (int) i;
  }

  private double getDouble(ByteBuffer b, int i) {
    switch (dtype) {
      case F2:
        return Half.toFloat(b.getShort(i * 2));
      case F4:
        return b.getFloat(i * 4);
      case F8:
        return b.getDouble(i * 8);
      case U8:
        {
          long v = b.getLong(i * 8);
          return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
        }
      default:
        return getLong(b, i);
    }
  }

  private long getLong(ByteBuffer b, int i) {
    switch (dtype) {
      case F2:
      case F4:
      case F8:
        return (long) getDouble(b, i);
      case I1:
        return b.get(i);
      case U1:
      case B1:
        return b.get(i) & 0xff;
      case I2:
        return b.getShort(i * 2);
      case U2:
        return b.getShort(i * 2) & 0xffff;
      case I4:
        return b.getInt(i * 4);
      case U4:
        return b.getInt(i * 4) & 0xffffffffL;
      case I8:
      case U8:
        return b.getLong(i * 8);
      default:
        throw new AssertionError(dtype);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NpyArray a
        && a.dtype == dtype
        && Arrays.equals(a.shape, shape)
        && a.data().equals(data());
  }

  @Override
  public int hashCode() {
    return (dtype.hashCode() * 31 + Arrays.hashCode(shape)) * 31 + data().hashCode();
  }

  @Override
  public String toString() {
    return "NpyArray[dtype=" + dtype.code() + ", shape=" + Arrays.toString(shape) + "]";
  }
}
