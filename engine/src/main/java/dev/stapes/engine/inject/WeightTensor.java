package dev.stapes.engine.inject;

import java.util.Arrays;

/**
 * A dense float32 tensor on the heap, in C (row-major) order: the unit in which adapter weights are
 * read, checked and written into graphs. Immutable by convention: callers must not change {@link
 * #data()} after construction.
 */
public final class WeightTensor {
  private final long[] shape;
  private final float[] data;

  /**
   * @throws IllegalArgumentException when the element count of {@code shape} differs from {@code
   *     data.length} or a dimension is negative
   */
  public WeightTensor(long[] shape, float[] data) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "shape=" + Arrays.toString(shape) + " has a negative dimension");
      }
      n = Math.multiplyExact(n, d);
    }
    if (n != data.length) {
      throw new IllegalArgumentException(
          "shape=" + Arrays.toString(shape) + " holds " + n + " elements, data has " + data.length);
    }
    this.shape = shape.clone();
    this.data = data;
  }

  /** A tensor of the given shape filled with {@code value}. */
  public static WeightTensor filled(float value, long... shape) {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    float[] a = new float[Math.toIntExact(n)];
    if (value != 0f) {
      Arrays.fill(a, value);
    }
    return new WeightTensor(shape, a);
  }

  /** A copy of the shape. */
  public long[] shape() {
    return shape.clone();
  }

  /** Number of dimensions. */
  public int rank() {
    return shape.length;
  }

  /** Size of dimension {@code axis} (negative counts from the end). */
  public long dim(int axis) {
    return shape[axis < 0 ? shape.length + axis : axis];
  }

  /** The backing array (not copied). */
  public float[] data() {
    return data;
  }

  /** Number of elements. */
  public int size() {
    return data.length;
  }

  /** The index of the first non-finite element, or -1 when all are finite. */
  public int firstNonFinite() {
    for (int k = 0; k < data.length; k++) {
      if (!Float.isFinite(data[k])) {
        return k;
      }
    }
    return -1;
  }

  /** The transpose of a 2-D tensor. */
  public WeightTensor transpose() {
    if (shape.length != 2) {
      throw new IllegalArgumentException(
          "transpose needs rank 2, got shape=" + Arrays.toString(shape));
    }
    int r = (int) shape[0];
    int c = (int) shape[1];
    float[] t = new float[data.length];
    for (int i = 0; i < r; i++) {
      for (int j = 0; j < c; j++) {
        t[j * r + i] = data[i * c + j];
      }
    }
    return new WeightTensor(new long[] {c, r}, t);
  }

  /** The same data under another shape with the same element count. */
  public WeightTensor reshape(long... newShape) {
    return new WeightTensor(newShape, data);
  }

  /** Shape as text, e.g. {@code [4, 32]}. */
  public String shapeString() {
    return Arrays.toString(shape);
  }

  @Override
  public String toString() {
    return "WeightTensor" + Arrays.toString(shape);
  }
}
