package dev.stapes.tflite;

import com.google.flatbuffers.FlatBufferBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * Writes small TFLite flatbuffers for tests: tensors (constant or not), operators with options.
 * Field numbers follow TensorFlow Lite's schema.fbs, as the reader under test does; the tests check
 * the translation against independent reference arithmetic, not against this writer.
 */
final class TinyTflite {

  /** Options writer: adds fields to a table already started with {@code startTable}. */
  interface OptionsWriter {
    void write(FlatBufferBuilder b);
  }

  record T(String name, int[] shape, int type, byte[] data, boolean quantized) {}

  record Op(
      int code,
      String custom,
      int[] inputs,
      int[] outputs,
      int optionsType,
      int fields,
      OptionsWriter options) {}

  private final List<T> tensors = new ArrayList<>();
  private final List<Op> ops = new ArrayList<>();
  private int[] inputs = new int[0];
  private int[] outputs = new int[0];

  static final int FLOAT32 = 0;
  static final int INT32 = 2;
  static final int INT8 = 9;

  int tensor(String name, int... shape) {
    tensors.add(new T(name, shape, FLOAT32, null, false));
    return tensors.size() - 1;
  }

  int boolTensor(String name, int... shape) {
    tensors.add(new T(name, shape, 6, null, false));
    return tensors.size() - 1;
  }

  int quantizedTensor(String name, int... shape) {
    tensors.add(new T(name, shape, INT8, null, true));
    return tensors.size() - 1;
  }

  int constant(String name, float[] values, int... shape) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    tensors.add(new T(name, shape, FLOAT32, b.array(), false));
    return tensors.size() - 1;
  }

  int intsShaped(String name, int[] values, int... shape) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : values) {
      b.putInt(v);
    }
    tensors.add(new T(name, shape, INT32, b.array(), false));
    return tensors.size() - 1;
  }

  /** A 1-D int32 constant. */
  /** A float16 constant (IEEE binary16, round to nearest) of {@code values}. */
  int half(String name, float[] values, int... shape) {
    ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putShort(toHalf(v));
    }
    tensors.add(new T(name, shape, 1, b.array(), false));
    return tensors.size() - 1;
  }

  /** binary32 to binary16 for normal values in range (test data only). */
  static short toHalf(float v) {
    int f = Float.floatToIntBits(v);
    int sign = (f >>> 16) & 0x8000;
    int exp = ((f >>> 23) & 0xff) - 127 + 15;
    int mant = f & 0x7fffff;
    if (v == 0f) {
      return (short) sign;
    }
    int rounded = (mant + 0x1000) >>> 13;
    if (rounded == 0x400) {
      rounded = 0;
      exp++;
    }
    return (short) (sign | (exp << 10) | rounded);
  }

  int ints(String name, int... values) {
    return intsShaped(name, values, values.length);
  }

  TinyTflite op(int code, int[] in, int[] out, int optionsType, int fields, OptionsWriter options) {
    ops.add(new Op(code, null, in, out, optionsType, fields, options));
    return this;
  }

  TinyTflite op(int code, int[] in, int[] out) {
    return op(code, in, out, 0, 0, null);
  }

  TinyTflite custom(String name, int[] in, int[] out) {
    ops.add(new Op(BuiltinOps.CUSTOM, name, in, out, 0, 0, null));
    return this;
  }

  TinyTflite io(int[] in, int[] out) {
    this.inputs = in;
    this.outputs = out;
    return this;
  }

  static int[] of(int... v) {
    return v;
  }

  private static int intVector(FlatBufferBuilder b, int[] v) {
    b.startVector(4, v.length, 4);
    for (int i = v.length - 1; i >= 0; i--) {
      b.addInt(v[i]);
    }
    return b.endVector();
  }

  private static int tableVector(FlatBufferBuilder b, int[] offsets) {
    b.startVector(4, offsets.length, 4);
    for (int i = offsets.length - 1; i >= 0; i--) {
      b.addOffset(offsets[i]);
    }
    return b.endVector();
  }

  byte[] build() {
    FlatBufferBuilder b = new FlatBufferBuilder(1024);
    // buffers: 0 is the empty sentinel, then one per constant tensor
    List<Integer> bufferOffsets = new ArrayList<>();
    b.startTable(1);
    bufferOffsets.add(b.endTable());
    int[] tensorBuffer = new int[tensors.size()];
    for (int i = 0; i < tensors.size(); i++) {
      T t = tensors.get(i);
      if (t.data() != null) {
        int data = b.createByteVector(t.data());
        b.startTable(1);
        b.addOffset(0, data, 0);
        bufferOffsets.add(b.endTable());
        tensorBuffer[i] = bufferOffsets.size() - 1;
      }
    }
    int[] tensorOffsets = new int[tensors.size()];
    for (int i = 0; i < tensors.size(); i++) {
      T t = tensors.get(i);
      int name = b.createString(t.name());
      int shape = intVector(b, t.shape());
      int quant = 0;
      if (t.quantized()) {
        b.startVector(4, 1, 4);
        b.addFloat(0.5f);
        int scale = b.endVector();
        b.startTable(7);
        b.addOffset(2, scale, 0);
        quant = b.endTable();
      }
      b.startTable(8);
      b.addOffset(0, shape, 0);
      b.addByte(1, (byte) t.type(), 0);
      b.addInt(2, tensorBuffer[i], 0);
      b.addOffset(3, name, 0);
      if (quant != 0) {
        b.addOffset(4, quant, 0);
      }
      tensorOffsets[i] = b.endTable();
    }
    // one operator code per operator (duplicates are allowed by the format)
    int[] codeOffsets = new int[ops.size()];
    int[] opOffsets = new int[ops.size()];
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      int custom = op.custom() == null ? 0 : b.createString(op.custom());
      b.startTable(4);
      b.addByte(0, (byte) Math.min(op.code(), 127), 0);
      if (custom != 0) {
        b.addOffset(1, custom, 0);
      }
      b.addInt(2, 1, 1);
      b.addInt(3, op.code(), 0);
      codeOffsets[i] = b.endTable();
      int options = 0;
      if (op.options() != null) {
        b.startTable(op.fields());
        op.options().write(b);
        options = b.endTable();
      }
      int in = intVector(b, op.inputs());
      int out = intVector(b, op.outputs());
      b.startTable(6);
      b.addInt(0, i, 0);
      b.addOffset(1, in, 0);
      b.addOffset(2, out, 0);
      if (options != 0) {
        b.addByte(3, (byte) op.optionsType(), 0);
        b.addOffset(4, options, 0);
      }
      opOffsets[i] = b.endTable();
    }
    int tensorsVec = tableVector(b, tensorOffsets);
    int opsVec = tableVector(b, opOffsets);
    int inVec = intVector(b, inputs);
    int outVec = intVector(b, outputs);
    int graphName = b.createString("main");
    b.startTable(5);
    b.addOffset(0, tensorsVec, 0);
    b.addOffset(1, inVec, 0);
    b.addOffset(2, outVec, 0);
    b.addOffset(3, opsVec, 0);
    b.addOffset(4, graphName, 0);
    int graph = b.endTable();
    int codesVec = tableVector(b, codeOffsets);
    int graphsVec = tableVector(b, new int[] {graph});
    int buffersVec = tableVector(b, bufferOffsets.stream().mapToInt(Integer::intValue).toArray());
    int desc = b.createString("TinyTflite");
    b.startTable(5);
    b.addInt(0, 3, 0);
    b.addOffset(1, codesVec, 0);
    b.addOffset(2, graphsVec, 0);
    b.addOffset(3, desc, 0);
    b.addOffset(4, buffersVec, 0);
    int model = b.endTable();
    b.finish(model, "TFL3");
    return b.sizedByteArray();
  }

  /** Deterministic pseudo-random values in [-1, 1). */
  static float[] values(int n, int seed) {
    float[] v = new float[n];
    java.util.Random r = new java.util.Random(seed);
    for (int i = 0; i < n; i++) {
      v[i] = r.nextFloat() * 2 - 1;
    }
    return v;
  }

  static int count(int... shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  static IntUnaryOperator identity() {
    return i -> i;
  }
}
