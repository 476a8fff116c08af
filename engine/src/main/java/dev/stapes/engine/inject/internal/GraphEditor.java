package dev.stapes.engine.inject.internal;

import ai.onnx.proto.OnnxMl;
import dev.stapes.engine.internal.OnnxNodes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * A mutable working copy of an ONNX graph for rewriting: nodes, initializers and inputs can be
 * added, tensors renamed, and the result is emitted in topological order. The source proto is never
 * changed.
 */
public final class GraphEditor {
  private final OnnxMl.GraphProto source;
  private final List<OnnxMl.NodeProto.Builder> nodes = new ArrayList<>();
  private final LinkedHashMap<String, OnnxMl.TensorProto> initializers = new LinkedHashMap<>();
  private final List<OnnxMl.ValueInfoProto> newInputs = new ArrayList<>();
  private final Set<String> names = new HashSet<>();
  private int counter;

  /** A working copy of {@code graph}. */
  public GraphEditor(OnnxMl.GraphProto graph) {
    this.source = graph;
    for (OnnxMl.NodeProto n : graph.getNodeList()) {
      nodes.add(n.toBuilder());
      names.addAll(n.getOutputList());
      names.add(n.getName());
    }
    for (OnnxMl.TensorProto t : graph.getInitializerList()) {
      initializers.put(t.getName(), t);
      names.add(t.getName());
    }
    for (OnnxMl.ValueInfoProto v : graph.getInputList()) {
      names.add(v.getName());
    }
  }

  /** A fresh unique name {@code stapes/<hint>/<n>}. */
  public String fresh(String hint) {
    String n;
    do {
      n = "stapes/" + hint + "/" + counter++;
    } while (!names.add(n));
    return n;
  }

  /** Reserves an exact name (for graph inputs); fails when it is taken. */
  public String reserve(String name) {
    if (!names.add(name)) {
      throw new IllegalStateException("tensor name " + name + " is already in the graph");
    }
    return name;
  }

  /** Adds a node with one output and returns the output name. */
  public String op(
      String opType, String hint, List<OnnxMl.AttributeProto> attrs, String... inputs) {
    String out = fresh(hint + "/" + opType);
    nodes.add(OnnxNodes.node(opType, "/" + out, out, attrs, inputs));
    return out;
  }

  /** Adds a node with {@code outputs} outputs and returns their names. */
  public String[] ops(
      String opType,
      String hint,
      List<OnnxMl.AttributeProto> attrs,
      int outputs,
      String... inputs) {
    String[] out = new String[outputs];
    String first = op(opType, hint, attrs, inputs);
    OnnxMl.NodeProto.Builder n = nodes.get(nodes.size() - 1);
    out[0] = first;
    for (int i = 1; i < outputs; i++) {
      out[i] = fresh(hint + "/" + opType + "_" + i);
      n.addOutput(out[i]);
    }
    return out;
  }

  /** An integer-list attribute ({@link OnnxNodes#intsAttr}). */
  public static OnnxMl.AttributeProto intsAttr(String name, long... v) {
    return OnnxNodes.intsAttr(name, v);
  }

  /** Adds a node without attributes. */
  public String op(String opType, String hint, String... inputs) {
    return op(opType, hint, null, inputs);
  }

  /** An integer attribute ({@link OnnxNodes#intAttr}). */
  public static OnnxMl.AttributeProto intAttr(String name, long v) {
    return OnnxNodes.intAttr(name, v);
  }

  /** Adds an initializer under a fresh name and returns the name. */
  public String initializer(String hint, OnnxMl.TensorProto t) {
    String n = fresh(hint);
    initializers.put(n, t.toBuilder().setName(n).build());
    return n;
  }

  /** Replaces (or adds) the initializer named {@code t.getName()}. */
  public void putInitializer(OnnxMl.TensorProto t) {
    names.add(t.getName());
    initializers.put(t.getName(), t);
  }

  /**
   * Adds a float graph input of fixed shape (a dimension below 0 becomes the symbol {@code batch}).
   */
  public void addInput(String name, int elemType, long[] shape) {
    OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder();
    for (long d : shape) {
      s.addDim(
          d < 0
              ? OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch")
              : OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    newInputs.add(
        OnnxMl.ValueInfoProto.newBuilder()
            .setName(name)
            .setType(
                OnnxMl.TypeProto.newBuilder()
                    .setTensorType(
                        OnnxMl.TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(s)))
            .build());
  }

  /** Renames the output of the node added last. */
  public void renameLastOutput(String to) {
    OnnxMl.NodeProto.Builder n = nodes.get(nodes.size() - 1);
    names.add(to);
    n.setOutput(0, to);
  }

  /** In the given original nodes, reads {@code to} wherever {@code from} was read. */
  public void replaceInput(Iterable<Integer> nodeIndices, String from, String to) {
    for (int i : nodeIndices) {
      OnnxMl.NodeProto.Builder n = nodes.get(i);
      for (int k = 0; k < n.getInputCount(); k++) {
        if (n.getInput(k).equals(from)) {
          n.setInput(k, to);
        }
      }
    }
  }

  /** Input {@code k} of node {@code i} as it is now. */
  public String nodeInput(int node, int k) {
    return nodes.get(node).getInput(k);
  }

  /** Output {@code k} of node {@code i} as it is now. */
  public String nodeOutput(int node, int k) {
    return nodes.get(node).getOutput(k);
  }

  /** Sets input {@code k} of original node {@code i}. */
  public void setInput(int node, int k, String to) {
    nodes.get(node).setInput(k, to);
  }

  /** Renames an output of original node {@code i}. */
  public void renameOutput(int node, String from, String to) {
    OnnxMl.NodeProto.Builder n = nodes.get(node);
    for (int k = 0; k < n.getOutputCount(); k++) {
      if (n.getOutput(k).equals(from)) {
        n.setOutput(k, to);
      }
    }
  }

  /** The index of the original node producing {@code tensor}, or -1. */
  public int producer(String tensor) {
    for (int i = 0; i < source.getNodeCount(); i++) {
      if (nodes.get(i).getOutputList().contains(tensor)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * The rewritten graph, nodes in topological order (stable: each node as early as its inputs
   * allow, original order kept among the ready ones).
   *
   * @throws IllegalStateException when the graph has a cycle or reads a tensor nothing produces
   */
  public OnnxMl.GraphProto build() {
    Map<String, Integer> producerOf = new HashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      for (String o : nodes.get(i).getOutputList()) {
        if (!o.isEmpty()) {
          producerOf.put(o, i);
        }
      }
    }
    int[] pending = new int[nodes.size()];
    Map<Integer, List<Integer>> dependents = new HashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      Set<Integer> deps = new HashSet<>();
      for (String in : reads(nodes.get(i))) {
        Integer p = producerOf.get(in);
        if (p != null && p != i) {
          deps.add(p);
        }
      }
      pending[i] = deps.size();
      for (int p : deps) {
        dependents.computeIfAbsent(p, k -> new ArrayList<>()).add(i);
      }
    }
    PriorityQueue<Integer> ready = new PriorityQueue<>();
    for (int i = 0; i < nodes.size(); i++) {
      if (pending[i] == 0) {
        ready.add(i);
      }
    }
    OnnxMl.GraphProto.Builder g = source.toBuilder().clearNode().clearInitializer();
    int emitted = 0;
    while (!ready.isEmpty()) {
      int i = ready.poll();
      g.addNode(nodes.get(i));
      emitted++;
      for (int d : dependents.getOrDefault(i, List.of())) {
        if (--pending[d] == 0) {
          ready.add(d);
        }
      }
    }
    if (emitted != nodes.size()) {
      throw new IllegalStateException(
          "rewritten graph has a cycle: " + (nodes.size() - emitted) + " nodes unreachable");
    }
    g.addAllInitializer(initializers.values());
    g.addAllInput(newInputs);
    return g.build();
  }

  /** Inputs of a node including tensors its subgraphs read from the outer scope. */
  private static Set<String> reads(OnnxMl.NodeProtoOrBuilder n) {
    Set<String> r = new HashSet<>(n.getInputList());
    ArrayDeque<OnnxMl.GraphProto> todo = new ArrayDeque<>();
    for (OnnxMl.AttributeProto a : n.getAttributeList()) {
      if (a.hasG()) {
        todo.add(a.getG());
      }
      todo.addAll(a.getGraphsList());
    }
    while (!todo.isEmpty()) {
      OnnxMl.GraphProto sg = todo.poll();
      for (OnnxMl.NodeProto sn : sg.getNodeList()) {
        r.addAll(sn.getInputList());
        for (OnnxMl.AttributeProto a : sn.getAttributeList()) {
          if (a.hasG()) {
            todo.add(a.getG());
          }
          todo.addAll(a.getGraphsList());
        }
      }
    }
    r.remove("");
    return r;
  }
}
