package dev.stapes.engine.inject;

import ai.onnx.proto.OnnxMl;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds PyTorch modules in an ONNX graph: through an explicit {@link ModuleMapping}, through the
 * node-name scopes that {@code torch.onnx.export} writes ({@code /encoder/layers.0/fc1/MatMul} is
 * in module {@code encoder.layers.0.fc1}), or through initializer names where weights kept theirs
 * ({@code encoder.layers.0.fc1.weight}). Immutable; built once per graph.
 */
public final class ModuleIndex {

  /** How a module's linear layer holds its weight. */
  public enum Layout {
    /** MatMul or Gemm with transB=0: weight [in, out]. */
    IN_OUT,
    /** Gemm with transB=1 (PyTorch's own layout): weight [out, in]. */
    OUT_IN
  }

  /**
   * The one MatMul or Gemm of a module with a constant weight.
   *
   * @param node index of the node in the graph
   * @param weight name of the weight tensor (an initializer, or a Constant node's output)
   * @param initializer whether {@code weight} is an initializer (mergeable)
   * @param layout the weight layout
   * @param in in_features
   * @param out out_features
   * @param alpha Gemm's alpha (1 for MatMul)
   */
  public record Linear(
      int node,
      String weight,
      boolean initializer,
      Layout layout,
      long in,
      long out,
      float alpha) {}

  /**
   * A resolved module.
   *
   * @param name the PyTorch name
   * @param nodes indices of its nodes
   * @param inputs tensors consumed inside and produced outside (no initializers or constants)
   * @param outputs tensors produced inside and consumed outside, or graph outputs
   * @param linear its linear layer, or null when it has none or several
   * @param linearCount how many MatMul or Gemm nodes with constant weights it holds
   */
  public record Module(
      String name,
      Set<Integer> nodes,
      List<String> inputs,
      List<String> outputs,
      Linear linear,
      int linearCount) {}

  private final OnnxMl.GraphProto graph;
  private final ModuleMapping mapping;
  private final Map<String, OnnxMl.TensorProto> initializers = new HashMap<>();
  private final Map<String, Integer> producer = new HashMap<>();
  private final Map<String, List<Integer>> consumers = new HashMap<>();
  private final Set<String> constants = new HashSet<>();
  private final Set<String> graphOutputs = new HashSet<>();
  private final Map<String, String> aliases = new HashMap<>();
  private final String[] scopes;
  private final Set<String> known = new TreeSet<>();

  /** Indexes {@code graph}. */
  public ModuleIndex(OnnxMl.GraphProto graph, ModuleMapping mapping) {
    this.graph = graph;
    this.mapping = mapping == null ? ModuleMapping.empty() : mapping;
    for (OnnxMl.TensorProto t : graph.getInitializerList()) {
      initializers.put(t.getName(), t);
    }
    for (OnnxMl.ValueInfoProto v : graph.getOutputList()) {
      graphOutputs.add(v.getName());
    }
    scopes = new String[graph.getNodeCount()];
    for (int i = 0; i < graph.getNodeCount(); i++) {
      OnnxMl.NodeProto n = graph.getNode(i);
      boolean constant = n.getOpType().equals("Constant");
      if (!constant && n.getInputCount() > 0 && !n.getOpType().startsWith("Random")) {
        constant = true;
        for (String in : n.getInputList()) {
          constant &= in.isEmpty() || initializers.containsKey(in) || constants.contains(in);
        }
      }
      for (String o : n.getOutputList()) {
        producer.put(o, i);
        if (constant) {
          constants.add(o);
        }
      }
      if (n.getOpType().equals("Identity") && n.getInputCount() == 1) {
        String src = n.getInput(0);
        if (initializers.containsKey(src)) {
          aliases.put(n.getOutput(0), src);
        } else if (aliases.containsKey(src)) {
          aliases.put(n.getOutput(0), aliases.get(src));
        }
      }
      for (String in : n.getInputList()) {
        consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
      }
      String name = n.getName();
      int slash = name.lastIndexOf('/');
      if (name.startsWith("/") && slash > 0) {
        scopes[i] = name.substring(1, slash).replace('/', '.');
        String s = scopes[i];
        while (true) {
          known.add(s);
          int dot = s.lastIndexOf('.');
          if (dot < 0) {
            break;
          }
          s = s.substring(0, dot);
        }
      }
    }
    for (String init : initializers.keySet()) {
      if (init.endsWith(".weight")) {
        known.add(init.substring(0, init.length() - ".weight".length()));
      }
    }
    known.addAll(this.mapping.modules());
  }

  /** The graph indexed. */
  public OnnxMl.GraphProto graph() {
    return graph;
  }

  /**
   * Every module name this index can resolve (scopes, their parents, weight names, mapping keys).
   */
  public Set<String> knownModules() {
    return Collections.unmodifiableSet(known);
  }

  /** Whether {@code name} is an initializer. */
  public boolean isInitializer(String name) {
    return initializers.containsKey(name);
  }

  /** The initializer named {@code name}, or null. */
  public OnnxMl.TensorProto initializer(String name) {
    return initializers.get(name);
  }

  /** Indices of the nodes reading {@code tensor}. */
  public List<Integer> consumers(String tensor) {
    return consumers.getOrDefault(tensor, List.of());
  }

  /**
   * The initializer that {@code tensor} is an Identity of (exporters write these for merged
   * initializers), or null.
   */
  public String aliasOf(String tensor) {
    return aliases.get(tensor);
  }

  /** Whether {@code tensor} is a graph output. */
  public boolean isGraphOutput(String tensor) {
    return graphOutputs.contains(tensor);
  }

  /**
   * Resolves a PyTorch module name.
   *
   * @throws InvalidAdapterException when the module is not in the graph; the message lists the
   *     closest module names that are
   */
  public Module resolve(String module) throws InvalidAdapterException {
    if (mapping.nodes(module) == null) {
      for (Map.Entry<String, String> e : mapping.prefixes().entrySet()) {
        if (module.startsWith(e.getKey())) {
          String renamed = e.getValue() + module.substring(e.getKey().length());
          Module m = resolveExact(renamed);
          return new Module(
              module, m.nodes(), m.inputs(), m.outputs(), m.linear(), m.linearCount());
        }
      }
    }
    return resolveExact(module);
  }

  private Module resolveExact(String module) throws InvalidAdapterException {
    Set<Integer> nodes = new LinkedHashSet<>();
    List<String> mapped = mapping.nodes(module);
    if (mapped != null) {
      for (String spec : mapped) {
        boolean prefix = spec.endsWith("/") || spec.endsWith("*");
        String p = spec.endsWith("*") ? spec.substring(0, spec.length() - 1) : spec;
        boolean found = false;
        for (int i = 0; i < graph.getNodeCount(); i++) {
          String nn = graph.getNode(i).getName();
          if (prefix ? nn.startsWith(p) : nn.equals(p)) {
            nodes.add(i);
            found = true;
          }
        }
        if (!found) {
          List<String> names = new ArrayList<>();
          for (OnnxMl.NodeProto n : graph.getNodeList()) {
            names.add(n.getName());
          }
          throw new InvalidAdapterException(
              "module mapping: module "
                  + module
                  + " names node '"
                  + spec
                  + "', which is not in the graph; closest: "
                  + closest(spec, names, 5));
        }
      }
    } else {
      String dotted = module + ".";
      for (int i = 0; i < scopes.length; i++) {
        if (scopes[i] != null && (scopes[i].equals(module) || scopes[i].startsWith(dotted))) {
          nodes.add(i);
        }
      }
      if (nodes.isEmpty()) {
        byWeightName(module, nodes);
      }
    }
    if (nodes.isEmpty()) {
      throw new InvalidAdapterException(
          "module "
              + module
              + " is not in the graph; closest module names: "
              + closest(module, known, 5)
              + prefixHint(module)
              + " (an adapter for another model, or a graph without PyTorch scopes: pass a module mapping)");
    }
    return describe(module, nodes);
  }

  private void byWeightName(String module, Set<Integer> nodes) {
    String w = module + ".weight";
    if (!initializers.containsKey(w)) {
      return;
    }
    for (int c : consumers(w)) {
      OnnxMl.NodeProto n = graph.getNode(c);
      int lin = -1;
      if ((n.getOpType().equals("MatMul") || n.getOpType().equals("Gemm"))
          && n.getInput(1).equals(w)) {
        lin = c;
      } else if (n.getOpType().equals("Transpose")) {
        for (int c2 : consumers(n.getOutput(0))) {
          OnnxMl.NodeProto n2 = graph.getNode(c2);
          if ((n2.getOpType().equals("MatMul") || n2.getOpType().equals("Gemm"))
              && n2.getInput(1).equals(n.getOutput(0))) {
            nodes.add(c);
            lin = c2;
          }
        }
      }
      if (lin < 0) {
        continue;
      }
      nodes.add(lin);
      String out = graph.getNode(lin).getOutput(0);
      List<Integer> cs = consumers(out);
      if (cs.size() == 1) {
        OnnxMl.NodeProto add = graph.getNode(cs.get(0));
        if (add.getOpType().equals("Add") && add.getInputList().contains(module + ".bias")) {
          nodes.add(cs.get(0));
        }
      }
      return;
    }
  }

  private Module describe(String module, Set<Integer> nodes) {
    Set<String> produced = new HashSet<>();
    for (int i : nodes) {
      produced.addAll(graph.getNode(i).getOutputList());
    }
    Set<String> inputs = new LinkedHashSet<>();
    Linear linear = null;
    int linearCount = 0;
    for (int i : nodes) {
      OnnxMl.NodeProto n = graph.getNode(i);
      for (String in : n.getInputList()) {
        if (!in.isEmpty()
            && !produced.contains(in)
            && !initializers.containsKey(in)
            && !constants.contains(in)) {
          inputs.add(in);
        }
      }
      boolean mm = n.getOpType().equals("MatMul");
      boolean gemm = n.getOpType().equals("Gemm");
      if ((mm || gemm) && n.getInputCount() >= 2) {
        String w = n.getInput(1);
        if (aliases.containsKey(w)) {
          w = aliases.get(w);
        }
        OnnxMl.TensorProto t = initializers.get(w);
        if (t == null
            && constants.contains(w)
            && producer.containsKey(w)
            && graph.getNode(producer.get(w)).getOpType().equals("Constant")) {
          OnnxMl.NodeProto c = graph.getNode(producer.get(w));
          for (OnnxMl.AttributeProto a : c.getAttributeList()) {
            if (a.getName().equals("value")) {
              t = a.getT();
            }
          }
        }
        if (t != null && t.getDimsCount() == 2) {
          linearCount++;
          long transB = 0;
          long transA = 0;
          float alpha = 1f;
          for (OnnxMl.AttributeProto a : n.getAttributeList()) {
            switch (a.getName()) {
              case "transB" -> transB = a.getI();
              case "transA" -> transA = a.getI();
              case "alpha" -> alpha = a.getF();
              default -> {}
            }
          }
          if (transA == 0) {
            Layout layout = transB == 1 ? Layout.OUT_IN : Layout.IN_OUT;
            long in = layout == Layout.IN_OUT ? t.getDims(0) : t.getDims(1);
            long out = layout == Layout.IN_OUT ? t.getDims(1) : t.getDims(0);
            linear =
                new Linear(i, w, initializers.containsKey(w), layout, in, out, gemm ? alpha : 1f);
          }
        }
      }
    }
    List<String> outputs = new ArrayList<>();
    for (int i : nodes) {
      for (String o : graph.getNode(i).getOutputList()) {
        if (o.isEmpty()) {
          continue;
        }
        boolean outside = graphOutputs.contains(o);
        for (int c : consumers(o)) {
          outside |= !nodes.contains(c);
        }
        if (outside) {
          outputs.add(o);
        }
      }
    }
    return new Module(
        module,
        Collections.unmodifiableSet(nodes),
        List.copyOf(inputs),
        List.copyOf(outputs),
        linearCount == 1 ? linear : null,
        linearCount);
  }

  /** A hint when the graph holds the module under a shorter or longer prefix. */
  private String prefixHint(String module) {
    for (String k : known) {
      if (module.endsWith("." + k) && k.contains(".")) {
        String p = module.substring(0, module.length() - k.length());
        return "; the graph has "
            + k
            + ": if it was exported from submodule "
            + p.substring(0, p.length() - 1)
            + ", map the prefix with {\"prefixes\": {\""
            + p
            + "\": \"\"}}";
      }
      if (k.endsWith("." + module)) {
        String p = k.substring(0, k.length() - module.length());
        return "; the graph has "
            + k
            + ": map the prefix with {\"prefixes\": {\"\": \""
            + p
            + "\"}}";
      }
    }
    return "";
  }

  /** The {@code k} names closest to {@code name} by edit distance. */
  public static List<String> closest(String name, Iterable<String> names, int k) {
    List<String> all = new ArrayList<>();
    for (String n : names) {
      all.add(n);
    }
    Map<String, Integer> d = new HashMap<>();
    for (String n : all) {
      d.put(n, editDistance(name, n));
    }
    all.sort(
        (a, b) ->
            d.get(a) != d.get(b).intValue() ? Integer.compare(d.get(a), d.get(b)) : a.compareTo(b));
    return all.subList(0, Math.min(k, all.size()));
  }

  /** Levenshtein distance. */
  public static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
