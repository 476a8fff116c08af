package dev.stapes.engine;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo.OnnxTensorType;

/**
 * Element types of ONNX tensors. Every type that ONNX Runtime Java can create or read is supported
 * by {@link Tensor}; the unsigned 16/32/64-bit types and the 8-bit float types are listed so that
 * messages can name them, but ONNX Runtime Java 1.26 cannot create tensors of them ({@link
 * #creatable()} is false).
 */
public enum ElementType {
  FLOAT("float32", 4, NpyDType.F4, OnnxJavaType.FLOAT),
  DOUBLE("float64", 8, NpyDType.F8, OnnxJavaType.DOUBLE),
  FLOAT16("float16", 2, NpyDType.F2, OnnxJavaType.FLOAT16),
  BFLOAT16("bfloat16", 2, null, OnnxJavaType.BFLOAT16),
  INT8("int8", 1, NpyDType.I1, OnnxJavaType.INT8),
  INT16("int16", 2, NpyDType.I2, OnnxJavaType.INT16),
  INT32("int32", 4, NpyDType.I4, OnnxJavaType.INT32),
  INT64("int64", 8, NpyDType.I8, OnnxJavaType.INT64),
  UINT8("uint8", 1, NpyDType.U1, OnnxJavaType.UINT8),
  UINT16("uint16", 2, NpyDType.U2, null),
  UINT32("uint32", 4, NpyDType.U4, null),
  UINT64("uint64", 8, NpyDType.U8, null),
  BOOL("bool", 1, NpyDType.B1, OnnxJavaType.BOOL),
  STRING("string", 0, null, OnnxJavaType.STRING),
  /** Any other ONNX element type (complex, 8-bit and 4-bit floats, ...). */
  OTHER("other", 0, null, null);

  private final String label;
  private final int size;
  private final NpyDType npy;
  private final OnnxJavaType java;

  ElementType(String label, int size, NpyDType npy, OnnxJavaType java) {
    this.label = label;
    this.size = size;
    this.npy = npy;
    this.java = java;
  }

  /** NumPy-style name, e.g. {@code float32}. */
  @Override
  public String toString() {
    return label;
  }

  /** Bytes per element (0 for strings and {@link #OTHER}). */
  public int size() {
    return size;
  }

  /** True when ONNX Runtime Java can create a tensor of this type. */
  public boolean creatable() {
    return java != null && this != OTHER;
  }

  /** The matching NumPy dtype, or null (bfloat16, string, other). */
  public NpyDType npy() {
    return npy;
  }

  OnnxJavaType javaType() {
    return java;
  }

  /** The type matching a NumPy dtype. */
  public static ElementType of(NpyDType t) {
    for (ElementType e : values()) {
      if (e.npy == t) {
        return e;
      }
    }
    throw new AssertionError(t);
  }

  /** The type of an ONNX {@code TensorProto.DataType} number (1 = float, ...). */
  public static ElementType ofOnnx(int dataType) {
    switch (dataType) {
      case 1:
        return FLOAT;
      case 2:
        return UINT8;
      case 3:
        return INT8;
      case 4:
        return UINT16;
      case 5:
        return INT16;
      case 6:
        return INT32;
      case 7:
        return INT64;
      case 8:
        return STRING;
      case 9:
        return BOOL;
      case 10:
        return FLOAT16;
      case 11:
        return DOUBLE;
      case 12:
        return UINT32;
      case 13:
        return UINT64;
      case 16:
        return BFLOAT16;
      default:
        return OTHER;
    }
  }

  static ElementType of(OnnxTensorType t) {
    switch (t) {
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT:
        return FLOAT;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE:
        return DOUBLE;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16:
        return FLOAT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16:
        return BFLOAT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8:
        return INT8;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16:
        return INT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32:
        return INT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64:
        return INT64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8:
        return UINT8;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16:
        return UINT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32:
        return UINT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64:
        return UINT64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL:
        return BOOL;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING:
        return STRING;
      default:
        return OTHER;
    }
  }
}
