package dev.stapes.engine.inject;

import static dev.stapes.engine.internal.OnnxNodes.floatAttr;
import static dev.stapes.engine.internal.OnnxNodes.intAttr;
import static dev.stapes.engine.internal.OnnxNodes.intsAttr;

import ai.onnx.proto.OnnxMl;
import dev.stapes.engine.inject.internal.OnnxModels;
import dev.stapes.engine.internal.OnnxNodes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Generates Whisper-like encoder graphs with the node names {@code torch.onnx.export} writes
 * ({@code /encoder/layers.0/self_attn/q_proj/MatMul}, weights folded to {@code [in, out]}), for
 * benchmarks and tests that need a transformer of a given size without Python or a committed file.
 * Weights are seeded random normals scaled by 1/sqrt(fan-in); opset 17 ({@code
 * LayerNormalization}); input {@code mel} [batch, frames, melBins], output {@code encoder_out}
 * [batch, frames, dModel].
 *
 * <p>Modules: {@code encoder.embed} (Linear melBins to dModel), then per layer {@code
 * encoder.layers.N.self_attn.{q_proj, k_proj (no bias), v_proj, out_proj}}, {@code fc1}, {@code
 * fc2}, LayerNorms, and {@code encoder.layer_norm}.
 */
public final class SyntheticTransformer {
  private final List<OnnxMl.NodeProto> nodes = new ArrayList<>();
  private final List<OnnxMl.TensorProto> inits = new ArrayList<>();
  private final Random random;
  private int counter;

  private SyntheticTransformer(long seed) {
    this.random = new Random(seed);
  }

  /**
   * A Whisper-like encoder.
   *
   * @throws IllegalArgumentException when a size is below 1 or dModel is not a multiple of heads
   */
  public static OnnxMl.ModelProto whisperLike(
      int layers, int dModel, int heads, int ffn, int melBins, long seed) {
    if (layers < 1 || dModel < 1 || heads < 1 || ffn < 1 || melBins < 1 || dModel % heads != 0) {
      throw new IllegalArgumentException(
          "layers="
              + layers
              + " dModel="
              + dModel
              + " heads="
              + heads
              + " ffn="
              + ffn
              + " melBins="
              + melBins
              + ", expected sizes >= 1 with dModel a multiple of heads");
    }
    SyntheticTransformer g = new SyntheticTransformer(seed);
    String x = g.linear("/encoder/embed", "mel", melBins, dModel, true);
    int dh = dModel / heads;
    for (int l = 0; l < layers; l++) {
      String p = "/encoder/layers." + l;
      String h = g.layerNorm(p + "/self_attn_layer_norm", x, dModel);
      String q =
          g.heads(
              p + "/self_attn",
              g.linear(p + "/self_attn/q_proj", h, dModel, dModel, true),
              heads,
              dh,
              "q",
              new long[] {0, 2, 1, 3});
      String k =
          g.heads(
              p + "/self_attn",
              g.linear(p + "/self_attn/k_proj", h, dModel, dModel, false),
              heads,
              dh,
              "k",
              new long[] {0, 2, 3, 1});
      String v =
          g.heads(
              p + "/self_attn",
              g.linear(p + "/self_attn/v_proj", h, dModel, dModel, true),
              heads,
              dh,
              "v",
              new long[] {0, 2, 1, 3});
      String s = g.node("MatMul", p + "/self_attn/MatMul", List.of(), q, k);
      s =
          g.node(
              "Mul",
              p + "/self_attn/Mul",
              List.of(),
              s,
              g.scalar(p + "/self_attn/scale", (float) (1 / Math.sqrt(dh))));
      s = g.node("Softmax", p + "/self_attn/Softmax", List.of(intAttr("axis", -1)), s);
      String c = g.node("MatMul", p + "/self_attn/MatMul_1", List.of(), s, v);
      c =
          g.node(
              "Transpose", p + "/self_attn/Transpose_3", List.of(intsAttr("perm", 0, 2, 1, 3)), c);
      c =
          g.node(
              "Reshape",
              p + "/self_attn/Reshape_3",
              List.of(),
              c,
              g.longs(p + "/self_attn/shape_3", 0, 0, dModel));
      String o = g.linear(p + "/self_attn/out_proj", c, dModel, dModel, true);
      x = g.node("Add", p + "/Add", List.of(), x, o);
      h = g.layerNorm(p + "/final_layer_norm", x, dModel);
      String f = g.linear(p + "/fc1", h, dModel, ffn, true);
      f = g.gelu(p, f);
      f = g.linear(p + "/fc2", f, ffn, dModel, true);
      x = g.node("Add", p + "/Add_2", List.of(), x, f);
    }
    x = g.layerNorm("/encoder/layer_norm", x, dModel);
    OnnxMl.GraphProto.Builder graph =
        OnnxMl.GraphProto.newBuilder()
            .setName("whisper_like_" + layers + "x" + dModel)
            .addAllNode(g.nodes)
            .addAllInitializer(g.inits)
            .addInput(valueInfo("mel", melBins))
            .addOutput(valueInfo("encoder_out", dModel));
    // The last node's output becomes the graph output.
    OnnxMl.NodeProto last = graph.getNode(graph.getNodeCount() - 1);
    graph.setNode(graph.getNodeCount() - 1, last.toBuilder().setOutput(0, "encoder_out"));
    return OnnxMl.ModelProto.newBuilder()
        .setIrVersion(8)
        .setProducerName("stapes.SyntheticTransformer")
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
        .setGraph(graph)
        .build();
  }

  /**
   * The module names of the Linear layers of a {@link #whisperLike} model with {@code layers}
   * layers.
   */
  public static List<String> linearModules(int layers) {
    List<String> m = new ArrayList<>();
    m.add("encoder.embed");
    for (int l = 0; l < layers; l++) {
      for (String s :
          new String[] {
            "self_attn.q_proj",
            "self_attn.k_proj",
            "self_attn.v_proj",
            "self_attn.out_proj",
            "fc1",
            "fc2"
          }) {
        m.add("encoder.layers." + l + "." + s);
      }
    }
    return m;
  }

  /**
   * A random LoRA of rank {@code rank} on every module of {@code modules} whose name ends with one
   * of {@code suffixes} (e.g. {@code q_proj}, {@code v_proj}), for a {@link #whisperLike} model.
   */
  public static LoraAdapter randomLora(
      String name,
      int layers,
      int dModel,
      int ffn,
      int rank,
      float alpha,
      long seed,
      String... suffixes)
      throws InvalidAdapterException {
    Random r = new Random(seed);
    Map<String, LoraAdapter.Module> m = new LinkedHashMap<>();
    for (String module : linearModules(layers)) {
      boolean want = false;
      for (String s : suffixes) {
        want |= module.endsWith("." + s) || module.equals(s);
      }
      if (!want || module.equals("encoder.embed")) {
        continue;
      }
      int in = module.endsWith("fc2") ? ffn : dModel;
      int out = module.endsWith("fc1") ? ffn : dModel;
      WeightTensor a = WeightTensor.filled(0f, rank, in);
      WeightTensor b = WeightTensor.filled(0f, out, rank);
      for (int i = 0; i < a.size(); i++) {
        a.data()[i] = (float) (r.nextGaussian() / Math.sqrt(in));
      }
      for (int i = 0; i < b.size(); i++) {
        b.data()[i] = (float) (r.nextGaussian() * 0.1);
      }
      m.put(module, new LoraAdapter.Module(a, b, alpha / rank));
    }
    return LoraAdapter.of(name, m);
  }

  private static OnnxMl.ValueInfoProto valueInfo(String name, int last) {
    OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder();
    s.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
    s.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("frames"));
    s.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(last));
    return OnnxMl.ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            OnnxMl.TypeProto.newBuilder()
                .setTensorType(
                    OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                        .setShape(s)))
        .build();
  }

  private String node(String op, String name, List<OnnxMl.AttributeProto> attrs, String... inputs) {
    String out = name + "_output_0";
    nodes.add(OnnxNodes.node(op, name, out, attrs, inputs).build());
    return out;
  }

  private String weight(String name, int rows, int cols, double std) {
    WeightTensor w = WeightTensor.filled(0f, rows, cols);
    for (int i = 0; i < w.size(); i++) {
      w.data()[i] = (float) (random.nextGaussian() * std);
    }
    inits.add(OnnxModels.floatTensor(name, w));
    return name;
  }

  private String vector(String name, int n, float fill, double std) {
    WeightTensor w = WeightTensor.filled(fill, n);
    for (int i = 0; std > 0 && i < n; i++) {
      w.data()[i] += (float) (random.nextGaussian() * std);
    }
    inits.add(OnnxModels.floatTensor(name, w));
    return name;
  }

  private String scalar(String name, float v) {
    inits.add(OnnxModels.floatTensor(name, new WeightTensor(new long[0], new float[] {v})));
    return name;
  }

  private String longs(String name, long... v) {
    inits.add(OnnxModels.longTensor(name, v));
    return name;
  }

  private String linear(String scope, String x, int in, int out, boolean bias) {
    String w = weight("onnx::MatMul_" + (1000 + counter++), in, out, 1 / Math.sqrt(in));
    String y = node("MatMul", scope + "/MatMul", List.of(), x, w);
    if (!bias) {
      return y;
    }
    String module = scope.substring(1).replace('/', '.');
    return node("Add", scope + "/Add", List.of(), vector(module + ".bias", out, 0f, 0.02), y);
  }

  private String layerNorm(String scope, String x, int d) {
    String module = scope.substring(1).replace('/', '.');
    return node(
        "LayerNormalization",
        scope + "/LayerNormalization",
        List.of(intAttr("axis", -1), floatAttr("epsilon", 1e-5f)),
        x,
        vector(module + ".weight", d, 1f, 0.02),
        vector(module + ".bias", d, 0f, 0.02));
  }

  private String heads(String scope, String x, int heads, int dh, String tag, long[] perm) {
    String r =
        node(
            "Reshape",
            scope + "/Reshape_" + tag,
            List.of(),
            x,
            longs(scope + "/heads_" + tag, 0, 0, heads, dh));
    return node("Transpose", scope + "/Transpose_" + tag, List.of(intsAttr("perm", perm)), r);
  }

  private String gelu(String scope, String x) {
    String e =
        node("Div", scope + "/Div", List.of(), x, scalar(scope + "/sqrt2", (float) Math.sqrt(2)));
    e = node("Erf", scope + "/Erf", List.of(), e);
    e = node("Add", scope + "/Add_1", List.of(), e, scalar(scope + "/one", 1f));
    e = node("Mul", scope + "/Mul", List.of(), x, e);
    return node("Mul", scope + "/Mul_1", List.of(), e, scalar(scope + "/half", 0.5f));
  }
}
