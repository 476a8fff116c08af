package dev.stapes.engine.inject;

import ai.onnx.proto.OnnxMl;
import dev.stapes.engine.inject.internal.ModuleIndex;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A base-model tensor that a task replaces with its own full copy (PEFT's {@code modules_to_save},
 * a trained bias): where the graph holds it, which node inputs read it, and how PyTorch's layout
 * maps onto the graph's. The readers inside the owning module are rewired to the task's value; the
 * original tensor is left as it is, since exporters share identical initializers between modules.
 */
final class Replacement {
  /** The state-dict name ({@code classifier.weight}). */
  final String path;

  /** The graph tensor the readers read now. */
  final String tensor;

  /** Its shape in the graph. */
  final long[] shape;

  /** {node index, input index} of every reader to rewire. */
  final List<int[]> uses;

  /** The value per task, in the graph's layout (null until set: the base value). */
  final WeightTensor[] values;

  private final boolean transpose;
  private final float divide;

  private Replacement(
      String path,
      String tensor,
      long[] shape,
      List<int[]> uses,
      int tasks,
      boolean transpose,
      float divide) {
    this.path = path;
    this.tensor = tensor;
    this.shape = shape;
    this.uses = uses;
    this.values = new WeightTensor[tasks];
    this.transpose = transpose;
    this.divide = divide;
  }

  /**
   * Finds the graph tensor of state-dict entry {@code path}: the weight or bias of the module's
   * MatMul, Gemm, Conv or Gather; the scale or bias of its normalisation node; or an initializer of
   * that exact name read inside the module.
   *
   * @throws InvalidAdapterException when the graph holds no such tensor
   */
  static Replacement locate(ModuleIndex index, String path, String adapter, int tasks)
      throws InvalidAdapterException {
    int dot = path.lastIndexOf('.');
    if (dot <= 0) {
      throw new InvalidAdapterException(
          adapter + ": saved tensor '" + path + "' is not a <module>.<parameter> name");
    }
    String owner = path.substring(0, dot);
    String param = path.substring(dot + 1);
    ModuleIndex.Module m;
    try {
      m = index.resolve(owner);
    } catch (InvalidAdapterException e) {
      m = null;
    }
    OnnxMl.GraphProto g = index.graph();
    if (m != null && m.ownsLinear() && (param.equals("weight") || param.equals("bias"))) {
      ModuleIndex.Linear lin = m.linear();
      OnnxMl.NodeProto n = g.getNode(lin.node());
      if (param.equals("weight")) {
        int k = lin.op() == Inspection.Op.GATHER ? 0 : 1;
        boolean transpose =
            (lin.op() == Inspection.Op.MATMUL || lin.op() == Inspection.Op.GEMM)
                && lin.layout() == Inspection.Layout.IN_OUT;
        return new Replacement(
            path,
            n.getInput(k),
            lin.shape(),
            uses(List.of(new int[] {lin.node(), k})),
            tasks,
            transpose,
            lin.alpha());
      }
      if (lin.bias() != null) {
        int node = lin.biasNode() >= 0 ? lin.biasNode() : lin.node();
        OnnxMl.NodeProto bn = g.getNode(node);
        int k = -1;
        for (int i = 0; i < bn.getInputCount(); i++) {
          if (bn.getInput(i).equals(lin.bias())) {
            k = i;
          }
        }
        return new Replacement(
            path,
            lin.bias(),
            shapeOf(index, lin.bias()),
            uses(List.of(new int[] {node, k})),
            tasks,
            false,
            lin.beta());
      }
    }
    if (m != null) {
      for (int i : m.nodes()) {
        OnnxMl.NodeProto n = g.getNode(i);
        int k = normInput(n.getOpType(), param);
        if (k >= 0
            && k < n.getInputCount()
            && index.constantValue(n.getInput(k)) != null
            && index.ownerOf(m, i).equals(owner)) {
          return new Replacement(
              path,
              n.getInput(k),
              shapeOf(index, n.getInput(k)),
              uses(List.of(new int[] {i, k})),
              tasks,
              false,
              1f);
        }
      }
    }
    // An initializer (or its Identity alias) of that exact name.
    List<int[]> readers = new ArrayList<>();
    for (int i = 0; i < g.getNodeCount(); i++) {
      if (m != null && !m.nodes().contains(i)) {
        continue;
      }
      OnnxMl.NodeProto n = g.getNode(i);
      for (int k = 0; k < n.getInputCount(); k++) {
        if (n.getInput(k).equals(path) && index.constantValue(path) != null) {
          readers.add(new int[] {i, k});
        }
      }
    }
    if (!readers.isEmpty()) {
      return new Replacement(path, path, shapeOf(index, path), uses(readers), tasks, false, 1f);
    }
    throw new InvalidAdapterException(
        adapter
            + ": saved tensor "
            + path
            + " (modules_to_save or a trained bias) has no counterpart in the graph"
            + (m == null
                ? ": module " + owner + " is not in the graph"
                : ": module " + owner + " holds no " + param + " Stapes can find")
            + "; run `stapes inspect` on the model to see its modules");
  }

  private static List<int[]> uses(List<int[]> u) {
    return List.copyOf(u);
  }

  /** The input of a normalisation node that holds {@code param}, or -1. */
  private static int normInput(String op, String param) {
    return switch (op) {
      case "LayerNormalization",
          "InstanceNormalization",
          "GroupNormalization",
          "SimplifiedLayerNormalization" ->
          param.equals("weight") ? 1 : param.equals("bias") ? 2 : -1;
      case "BatchNormalization" ->
          switch (param) {
            case "weight" -> 1;
            case "bias" -> 2;
            case "running_mean" -> 3;
            case "running_var" -> 4;
            default -> -1;
          };
      default -> -1;
    };
  }

  private static long[] shapeOf(ModuleIndex index, String tensor) {
    OnnxMl.TensorProto t = index.constantValue(tensor);
    long[] s = new long[t.getDimsCount()];
    for (int i = 0; i < s.length; i++) {
      s[i] = t.getDims(i);
    }
    return s;
  }

  /**
   * The task's tensor in the graph's layout: a PyTorch Linear weight [out, in] transposed where the
   * graph holds [in, out] (transformers' Conv1D already holds [in, out]), Gemm's alpha or beta
   * divided out.
   *
   * @throws InvalidAdapterException when the shape fits neither layout
   */
  WeightTensor fromTorch(WeightTensor w, String adapter) throws InvalidAdapterException {
    WeightTensor t = w;
    if (transpose && w.rank() == 2 && w.dim(0) == shape[1] && w.dim(1) == shape[0]) {
      // nn.Linear saves [out, in]; a square weight is taken as nn.Linear's too.
      t = w.transpose();
    }
    if (t.size() == count(shape) && !Arrays.equals(t.shape(), shape)) {
      // A bias saved as [out] for a graph bias of [1, out] and the like: same elements.
      boolean sameNonUnit = Arrays.equals(squeeze(t.shape()), squeeze(shape));
      if (sameNonUnit) {
        t = t.reshape(shape);
      }
    }
    if (!Arrays.equals(t.shape(), shape)) {
      throw new InvalidAdapterException(
          adapter
              + ": saved tensor "
              + path
              + " is "
              + w.shapeString()
              + ", expected "
              + Arrays.toString(shape)
              + (transpose ? " or its transpose" : "")
              + " (the graph's tensor '"
              + tensor
              + "')");
    }
    if (divide != 1f) {
      float[] v = t.data().clone();
      for (int i = 0; i < v.length; i++) {
        v[i] /= divide;
      }
      t = new WeightTensor(shape, v);
    }
    return t;
  }

  private static long count(long[] s) {
    long n = 1;
    for (long d : s) {
      n *= d;
    }
    return n;
  }

  private static long[] squeeze(long[] s) {
    return Arrays.stream(s).filter(d -> d != 1).toArray();
  }
}
