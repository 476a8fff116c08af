package dev.stapes.tflite;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Accumulates ONNX nodes and initializers with unique names. Not thread-safe.
 *
 * <p>Its node and attribute builders are the importer's own: the engine has the same ones ({@code
 * dev.stapes.engine.internal.OnnxNodes}), but the {@code tflite} module's code depends only on the
 * ONNX protos and FlatBuffers, never on the engine, so it cannot use them.
 */
final class OnnxGraphWriter {

  private final OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder();
  private final Set<String> names = new HashSet<>();
  private final Set<String> nodeNames = new HashSet<>();

  OnnxMl.GraphProto.Builder graph() {
    return graph;
  }

  /** Reserves {@code wanted} or, when taken, {@code wanted + "_" + k} for the smallest k. */
  String unique(String wanted) {
    return unique(names, wanted);
  }

  private static String unique(Set<String> taken, String wanted) {
    if (taken.add(wanted)) {
      return wanted;
    }
    for (int k = 1; ; k++) {
      String candidate = wanted + "_" + k;
      if (taken.add(candidate)) {
        return candidate;
      }
    }
  }

  /** Adds a node named {@code name} (made unique) with one output. */
  void node(
      String opType,
      String name,
      List<String> inputs,
      String output,
      AttributeProto... attributes) {
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(opType).setName(unique(nodeNames, name));
    n.addAllInput(inputs);
    n.addOutput(output);
    for (AttributeProto a : attributes) {
      n.addAttribute(a);
    }
    graph.addNode(n);
  }

  /** Adds an int64 initializer and returns its (unique) name. */
  String int64s(String name, long[] values, boolean scalar) {
    String unique = unique(name);
    TensorProto.Builder t =
        TensorProto.newBuilder().setName(unique).setDataType(TensorProto.DataType.INT64_VALUE);
    if (!scalar) {
      t.addDims(values.length);
    }
    for (long v : values) {
      t.addInt64Data(v);
    }
    graph.addInitializer(t);
    return unique;
  }

  /** Adds a float32 initializer from an array and returns its (unique) name. */
  String floats(String name, float[] values, long[] dims) {
    return floatsNamed(unique(name), values, dims);
  }

  /** Adds a float32 initializer under an already reserved name and returns that name. */
  String floatsNamed(String unique, float[] values, long[] dims) {
    ByteBuffer raw = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      raw.putFloat(v);
    }
    raw.flip();
    TensorProto.Builder t =
        TensorProto.newBuilder()
            .setName(unique)
            .setDataType(TensorProto.DataType.FLOAT_VALUE)
            .setRawData(ByteString.copyFrom(raw));
    for (long d : dims) {
      t.addDims(d);
    }
    graph.addInitializer(t);
    return unique;
  }

  /** Adds an initializer from little-endian raw bytes under an already reserved name. */
  void raw(String reservedName, int dataType, ByteBuffer littleEndian, int[] dims) {
    TensorProto.Builder t =
        TensorProto.newBuilder()
            .setName(reservedName)
            .setDataType(dataType)
            .setRawData(ByteString.copyFrom(littleEndian.duplicate()));
    for (int d : dims) {
      t.addDims(d);
    }
    graph.addInitializer(t);
  }

  static AttributeProto attr(String name, long value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.INT)
        .setI(value)
        .build();
  }

  static AttributeProto attr(String name, float value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.FLOAT)
        .setF(value)
        .build();
  }

  static AttributeProto attr(String name, String value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.STRING)
        .setS(ByteString.copyFromUtf8(value))
        .build();
  }

  static AttributeProto attr(String name, long[] values) {
    AttributeProto.Builder a =
        AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long v : values) {
      a.addInts(v);
    }
    return a.build();
  }
}
