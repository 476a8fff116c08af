package dev.stapes.engine.internal;

import ai.onnx.proto.OnnxMl;
import java.util.List;

/**
 * The ONNX node and attribute builders of the engine, written once: the graph rewrites of injection
 * ({@code GraphEditor}) and the test transformers ({@code SyntheticTransformer}) build their nodes
 * here. The TFLite importer keeps its own ({@code OnnxGraphWriter}): the {@code tflite} module does
 * not depend on the engine.
 */
public final class OnnxNodes {

  private OnnxNodes() {}

  /**
   * A node {@code opType} called {@code name} reading {@code inputs}, with the one output {@code
   * output} and {@code attrs} (null: none).
   */
  public static OnnxMl.NodeProto.Builder node(
      String opType,
      String name,
      String output,
      List<OnnxMl.AttributeProto> attrs,
      String... inputs) {
    OnnxMl.NodeProto.Builder n =
        OnnxMl.NodeProto.newBuilder().setOpType(opType).setName(name).addOutput(output);
    for (String in : inputs) {
      n.addInput(in);
    }
    if (attrs != null) {
      n.addAllAttribute(attrs);
    }
    return n;
  }

  /** An integer attribute. */
  public static OnnxMl.AttributeProto intAttr(String name, long v) {
    return OnnxMl.AttributeProto.newBuilder()
        .setName(name)
        .setType(OnnxMl.AttributeProto.AttributeType.INT)
        .setI(v)
        .build();
  }

  /** A float attribute. */
  public static OnnxMl.AttributeProto floatAttr(String name, float v) {
    return OnnxMl.AttributeProto.newBuilder()
        .setName(name)
        .setType(OnnxMl.AttributeProto.AttributeType.FLOAT)
        .setF(v)
        .build();
  }

  /** An integer-list attribute. */
  public static OnnxMl.AttributeProto intsAttr(String name, long... v) {
    OnnxMl.AttributeProto.Builder a =
        OnnxMl.AttributeProto.newBuilder()
            .setName(name)
            .setType(OnnxMl.AttributeProto.AttributeType.INTS);
    for (long x : v) {
      a.addInts(x);
    }
    return a.build();
  }
}
