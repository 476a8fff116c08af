package dev.stapes.engine;

import java.util.Locale;

/**
 * The NumPy element types that {@link Npy} reads and writes, named by their NumPy type code ({@code
 * f4} is float32). Every type is stored little-endian in an {@link NpyArray}.
 */
public enum NpyDType {
  /** IEEE 754 half precision (numpy {@code float16}). */
  F2("f2", 2),
  /** IEEE 754 single precision (numpy {@code float32}). */
  F4("f4", 4),
  /** IEEE 754 double precision (numpy {@code float64}). */
  F8("f8", 8),
  /** Signed 8-bit integer. */
  I1("i1", 1),
  /** Signed 16-bit integer. */
  I2("i2", 2),
  /** Signed 32-bit integer. */
  I4("i4", 4),
  /** Signed 64-bit integer. */
  I8("i8", 8),
  /** Unsigned 8-bit integer. */
  U1("u1", 1),
  /** Unsigned 16-bit integer. */
  U2("u2", 2),
  /** Unsigned 32-bit integer. */
  U4("u4", 4),
  /** Unsigned 64-bit integer. */
  U8("u8", 8),
  /** Boolean, one byte per element, 0 or 1. */
  B1("b1", 1);

  private final String code;
  private final int size;

  NpyDType(String code, int size) {
    this.code = code;
    this.size = size;
  }

  /** The NumPy type code without byte order, for example {@code "f4"}. */
  public String code() {
    return code;
  }

  /** Bytes per element. */
  public int size() {
    return size;
  }

  /** True for the floating-point types. */
  public boolean isFloatingPoint() {
    return this == F2 || this == F4 || this == F8;
  }

  /** The {@code descr} string written into a header, for example {@code "<f4"} or {@code "|u1"}. */
  public String descr() {
    return (size == 1 ? "|" : "<") + code;
  }

  /**
   * The type for a NumPy type code such as {@code "f4"}, {@code "float32"}, {@code "int64"} or
   * {@code "bool"}.
   *
   * @throws IllegalArgumentException naming the valid codes when {@code name} is not one of them
   */
  public static NpyDType fromCode(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    switch (n) {
      case "float16":
      case "half":
        return F2;
      case "float32":
      case "float":
        return F4;
      case "float64":
      case "double":
        return F8;
      case "int8":
        return I1;
      case "int16":
        return I2;
      case "int32":
        return I4;
      case "int64":
        return I8;
      case "uint8":
        return U1;
      case "uint16":
        return U2;
      case "uint32":
        return U4;
      case "uint64":
        return U8;
      case "bool":
      case "?":
        return B1;
      default:
        break;
    }
    for (NpyDType t : values()) {
      if (t.code.equals(n)) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "Unknown dtype '"
            + name
            + "', expected one of [f2, f4, f8, i1, i2, i4, i8, u1, u2, u4, u8, b1]");
  }
}
