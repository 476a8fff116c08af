package dev.stapes.engine;

import java.util.Arrays;

/**
 * What a model declares about one of its inputs or outputs: name, kind, element type and shape. A
 * dimension of {@code -1} is symbolic (free); {@link #dimensionNames()} names it where the model
 * does. Immutable.
 */
public final class ValueInfo {
  /** The kind of value. Only tensors can be bound through Stapes (ONNX Runtime Java's limit). */
  public enum Kind {
    TENSOR,
    SEQUENCE,
    MAP,
    OPTIONAL,
    OTHER
  }

  private final String name;
  private final Kind kind;
  private final ElementType type;
  private final long[] shape;
  private final String[] dimNames;
  private final String description;

  /** A tensor value. */
  public ValueInfo(String name, ElementType type, long[] shape, String[] dimNames) {
    this(name, Kind.TENSOR, type, shape, dimNames, null);
  }

  ValueInfo(
      String name,
      Kind kind,
      ElementType type,
      long[] shape,
      String[] dimNames,
      String description) {
    this.name = name;
    this.kind = kind;
    this.type = type;
    this.shape = shape == null ? new long[0] : shape.clone();
    this.dimNames = dimNames == null ? new String[this.shape.length] : dimNames.clone();
    this.description = description;
  }

  public String name() {
    return name;
  }

  public Kind kind() {
    return kind;
  }

  /** Element type of a tensor ({@link ElementType#OTHER} for non-tensors). */
  public ElementType type() {
    return type;
  }

  /** A copy of the declared shape; {@code -1} for symbolic dimensions. */
  public long[] shape() {
    return shape.clone();
  }

  /** A copy of the dimension names (null entries for fixed dimensions). */
  public String[] dimensionNames() {
    return dimNames.clone();
  }

  /** True when every dimension is fixed. */
  public boolean isStatic() {
    for (long d : shape) {
      if (d < 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * True when a tensor of {@code actual} shape fits the declared one: same rank and equal
   * dimensions wherever the declared dimension is fixed.
   */
  public boolean accepts(long[] actual) {
    if (actual.length != shape.length) {
      return false;
    }
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] >= 0 && shape[i] != actual[i]) {
        return false;
      }
    }
    return true;
  }

  /** The declared shape written with dimension names, e.g. {@code [batch, 512]}. */
  public String shapeString() {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < shape.length; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      if (shape[i] >= 0) {
        sb.append(shape[i]);
      } else {
        sb.append(dimNames[i] == null || dimNames[i].isEmpty() ? "?" : dimNames[i]);
      }
    }
    return sb.append(']').toString();
  }

  /** {@code name: float32[batch, 512]}, or the kind for non-tensors. */
  @Override
  public String toString() {
    if (kind != Kind.TENSOR) {
      return name + ": " + (description == null ? kind.name().toLowerCase() : description);
    }
    return name + ": " + type + shapeString();
  }

  static String shapeOf(long[] s) {
    return Arrays.toString(s);
  }
}
