package dev.stapes.engine.inject.internal;

import ai.onnx.proto.OnnxMl;
import dev.stapes.engine.inject.Inspection.Layout;
import dev.stapes.engine.inject.Inspection.Op;
import dev.stapes.engine.inject.Inspection.Signal;
import dev.stapes.engine.inject.InvalidAdapterException;
import dev.stapes.engine.inject.ModuleMapping;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds PyTorch modules in an ONNX graph, from every signal an exporter leaves, in this order:
 *
 * <ol>
 *   <li>an explicit {@link ModuleMapping};
 *   <li>the module path torch's dynamo exporter writes into each node's {@code metadata_props}
 *       ({@code pkg.torch.onnx.name_scopes}: qualified module names, outermost first, then the FX
 *       node);
 *   <li>the node-name scopes of the TorchScript exporter ({@code /encoder/layers.0/fc1/MatMul} is
 *       in module {@code encoder.layers.0.fc1});
 *   <li>a TorchScript scope that is a dotted suffix of the module name: a container whose {@code
 *       forward} never runs adds no scope, so {@code encoder.layer.0.query} appears as {@code
 *       /layer.0/query/MatMul}. Accepted only when the initializers read inside the scope confirm
 *       the full name (a bias keeps {@code encoder.layer.0.query.bias}), or, where no initializer
 *       is named, when the dropped prefix names initializers elsewhere in the graph; two modules
 *       that claim one scope are an error that lists both;
 *   <li>the initializer name of the weight ({@code encoder.layers.0.fc1.weight}), for MatMul, Gemm,
 *       Conv and Gather (Embedding) nodes.
 * </ol>
 *
 * Immutable; built once per graph.
 */
public final class ModuleIndex {

  /**
   * The one weight-holding node of a module (MatMul, Gemm, Conv or Gather with a constant weight).
   *
   * @param node index of the node in the graph
   * @param weight name of the weight tensor (an initializer, or a Constant node's output)
   * @param initializer whether {@code weight} is an initializer (mergeable)
   * @param layout the weight layout ({@link Layout#OUT_IN} for Conv, {@link Layout#IN_OUT} for
   *     Gather, whose rows are indexed by the input)
   * @param in in_features (Conv: in_channels; Gather: num_embeddings)
   * @param out out_features (Conv: out_channels; Gather: embedding_dim)
   * @param alpha Gemm's alpha (1 otherwise)
   * @param op the operator
   * @param shape the weight's shape in the graph
   * @param bias the bias tensor added to this node's output (Gemm's C, Conv's B, or the constant
   *     operand of the one Add reading a MatMul's output), or null
   * @param biasNode the index of that Add node, or -1 when the bias is an input of {@code node}
   * @param beta Gemm's beta (1 otherwise)
   */
  public record Linear(
      int node,
      String weight,
      boolean initializer,
      Layout layout,
      long in,
      long out,
      float alpha,
      Op op,
      long[] shape,
      String bias,
      int biasNode,
      float beta) {}

  /**
   * A resolved module.
   *
   * @param name the PyTorch name
   * @param nodes indices of its nodes
   * @param inputs tensors consumed inside and produced outside (no initializers or constants)
   * @param outputs tensors produced inside and consumed outside, or graph outputs
   * @param linear its weight layer, or null when it has none or several
   * @param linearCount how many MatMul, Gemm, Conv or Gather nodes with constant weights it holds
   * @param signal how the module was found
   * @param owner the module the weight node itself belongs to by its scope ({@code name} for a
   *     Linear found by name; a child's name when {@code name} is a container of one Linear), or
   *     null without a weight node
   */
  public record Module(
      String name,
      Set<Integer> nodes,
      List<String> inputs,
      List<String> outputs,
      Linear linear,
      int linearCount,
      Signal signal,
      String owner) {
    /** Whether the weight node belongs to this module itself rather than to a child. */
    public boolean ownsLinear() {
      return linear != null && name.equals(owner);
    }
  }

  private static final String NAME_SCOPES = "pkg.torch.onnx.name_scopes";

  private final OnnxMl.GraphProto graph;
  private final ModuleMapping mapping;
  private final Map<String, OnnxMl.TensorProto> initializers = new HashMap<>();
  private final Map<String, Integer> producer = new HashMap<>();
  private final Map<String, List<Integer>> consumers = new HashMap<>();
  private final Set<String> constants = new HashSet<>();
  private final Set<String> graphOutputs = new HashSet<>();
  private final Map<String, String> aliases = new HashMap<>();

  /** Per node: its innermost module (dynamo: qualified name; TorchScript: the scope path). */
  private final String[] scopes;

  /** Per node: whether its scope is a qualified name (dynamo metadata). */
  private final boolean[] qualified;

  /** TorchScript scope paths and their parents. */
  private final Set<String> partialScopes = new HashSet<>();

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
    qualified = new boolean[graph.getNodeCount()];
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
      String dynamo = dynamoScope(n);
      if (dynamo != null) {
        qualified[i] = true;
        scopes[i] = dynamo.isEmpty() ? null : dynamo;
        addWithParents(scopes[i], known);
        continue;
      }
      String name = n.getName();
      int slash = name.lastIndexOf('/');
      if (name.startsWith("/") && slash > 0) {
        scopes[i] = name.substring(1, slash).replace('/', '.');
        addWithParents(scopes[i], known);
        addWithParents(scopes[i], partialScopes);
      }
    }
    for (String init : initializers.keySet()) {
      if (init.endsWith(".weight")) {
        known.add(init.substring(0, init.length() - ".weight".length()));
      }
    }
    known.addAll(this.mapping.modules());
  }

  private static void addWithParents(String scope, Set<String> into) {
    String s = scope;
    while (s != null && !s.isEmpty()) {
      into.add(s);
      int dot = s.lastIndexOf('.');
      s = dot < 0 ? null : s.substring(0, dot);
    }
  }

  /**
   * The innermost module of a node from the dynamo exporter's {@code pkg.torch.onnx.name_scopes} (a
   * Python list literal: {@code ['', 'encoder.layers.0', 'encoder.layers.0.q', 'linear']}, the last
   * entry being the FX node), "" for the root module, or null when the node has no such entry.
   */
  public static String dynamoScope(OnnxMl.NodeProto n) {
    for (OnnxMl.StringStringEntryProto p : n.getMetadataPropsList()) {
      if (p.getKey().equals(NAME_SCOPES)) {
        List<String> items = pythonStrings(p.getValue());
        if (items == null) {
          return null;
        }
        for (int k = items.size() - 2; k >= 0; k--) {
          if (!items.get(k).isEmpty()) {
            return items.get(k);
          }
        }
        return "";
      }
    }
    return null;
  }

  /** The strings of a Python list literal of quoted strings, or null when it is not one. */
  public static List<String> pythonStrings(String s) {
    List<String> out = new ArrayList<>();
    int i = s.indexOf('[');
    if (i < 0) {
      return null;
    }
    i++;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == ']') {
        return out;
      }
      if (c == '\'' || c == '"') {
        StringBuilder b = new StringBuilder();
        int j = i + 1;
        while (j < s.length() && s.charAt(j) != c) {
          if (s.charAt(j) == '\\' && j + 1 < s.length()) {
            j++;
          }
          b.append(s.charAt(j++));
        }
        if (j >= s.length()) {
          return null;
        }
        out.add(b.toString());
        i = j + 1;
      } else {
        i++;
      }
    }
    return null;
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

  /** Names of all initializers, in graph order. */
  public List<String> initializerNames() {
    List<String> names = new ArrayList<>();
    for (OnnxMl.TensorProto t : graph.getInitializerList()) {
      names.add(t.getName());
    }
    return names;
  }

  /**
   * The constant value of {@code tensor}: an initializer, an Identity of one, or a Constant node's
   * {@code value}; null when it is computed.
   */
  public OnnxMl.TensorProto constantValue(String tensor) {
    String t = aliases.getOrDefault(tensor, tensor);
    OnnxMl.TensorProto init = initializers.get(t);
    if (init != null) {
      return init;
    }
    Integer p = producer.get(t);
    if (p != null && graph.getNode(p).getOpType().equals("Constant")) {
      for (OnnxMl.AttributeProto a : graph.getNode(p).getAttributeList()) {
        if (a.getName().equals("value")) {
          return a.getT();
        }
      }
    }
    return null;
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
   * Every module whose nodes hold exactly one weight layer, by PyTorch name where the graph tells
   * it (for TorchScript scopes of dropped containers, the name the initializers confirm), in graph
   * order. What {@code stapes inspect} lists.
   */
  public List<Module> weightModules() {
    Map<String, Module> out = new LinkedHashMap<>();
    Set<String> scopeNames = new LinkedHashSet<>();
    for (int i = 0; i < scopes.length; i++) {
      if (scopes[i] != null && isWeightNode(i)) {
        scopeNames.add((qualified[i] ? "q:" : "p:") + scopes[i]);
      }
    }
    for (String tagged : scopeNames) {
      String scope = tagged.substring(2);
      String name = scope;
      if (tagged.startsWith("p:")) {
        String full = confirmedFullName(scope);
        name = full != null ? full : scope;
      }
      try {
        Module m = resolve(name);
        if (m.linear() != null) {
          out.putIfAbsent(name, m);
        }
      } catch (InvalidAdapterException e) {
        // ambiguous or unresolvable: inspect shows what resolves
      }
    }
    for (String init : initializers.keySet()) {
      if (init.endsWith(".weight")) {
        String name = init.substring(0, init.length() - ".weight".length());
        if (!out.containsKey(name)) {
          try {
            Module m = resolve(name);
            if (m.linear() != null) {
              out.put(name, m);
            }
          } catch (InvalidAdapterException e) {
            // not a weight layer
          }
        }
      }
    }
    return List.copyOf(out.values());
  }

  private boolean isWeightNode(int i) {
    OnnxMl.NodeProto n = graph.getNode(i);
    return switch (n.getOpType()) {
      case "MatMul", "Gemm", "Conv" -> n.getInputCount() >= 2 && isConstant2d(n.getInput(1), 2);
      case "Gather" -> n.getInputCount() >= 2 && isConstant2d(n.getInput(0), 2);
      default -> false;
    };
  }

  private boolean isConstant2d(String tensor, int minRank) {
    OnnxMl.TensorProto t = constantValue(tensor);
    return t != null && t.getDimsCount() >= minRank;
  }

  /** The full name of a TorchScript scope that the initializers read inside it confirm, or null. */
  private String confirmedFullName(String scope) {
    Set<String> owners = owners(subtree(scope));
    Set<String> full = new TreeSet<>();
    for (String o : owners) {
      String f = claimOf(o, scope);
      if (f != null) {
        full.add(f);
      }
    }
    return full.size() == 1 ? full.iterator().next() : null;
  }

  /**
   * The module that initializer owner {@code owner} places at TorchScript scope {@code scope}
   * ({@code encoder.layer.0.query} for owner {@code encoder.layer.0.query} and scope {@code
   * layer.0.query}; {@code encoder.layer.0} for owner {@code encoder.layer.0.query} and scope
   * {@code layer.0}), or null when the owner does not fit the scope.
   */
  private static String claimOf(String owner, String scope) {
    String o = "." + owner + ".";
    int at = o.lastIndexOf("." + scope + ".");
    if (at < 0) {
      return null;
    }
    return owner.substring(0, at + scope.length());
  }

  private Set<Integer> subtree(String scope) {
    Set<Integer> nodes = new LinkedHashSet<>();
    String dotted = scope + ".";
    for (int i = 0; i < scopes.length; i++) {
      if (scopes[i] != null
          && !qualified[i]
          && (scopes[i].equals(scope) || scopes[i].startsWith(dotted))) {
        nodes.add(i);
      }
    }
    return nodes;
  }

  /** The modules owning the named initializers (or their Identity aliases) that nodes read. */
  private Set<String> owners(Set<Integer> nodes) {
    Set<String> owners = new TreeSet<>();
    for (int i : nodes) {
      for (String in : graph.getNode(i).getInputList()) {
        if ((initializers.containsKey(in) || aliases.containsKey(in)) && in.contains(".")) {
          int dot = in.lastIndexOf('.');
          if (!in.startsWith("onnx::") && !in.startsWith("/")) {
            owners.add(in.substring(0, dot));
          }
        }
      }
    }
    return owners;
  }

  /**
   * Resolves a PyTorch module name.
   *
   * @throws InvalidAdapterException when the module is not in the graph (the message lists the
   *     closest module names that are), or when two modules could claim it (the message lists them)
   */
  public Module resolve(String module) throws InvalidAdapterException {
    if (mapping.nodes(module) == null) {
      for (Map.Entry<String, String> e : mapping.prefixes().entrySet()) {
        if (module.startsWith(e.getKey())) {
          String renamed = e.getValue() + module.substring(e.getKey().length());
          Module m = resolveExact(renamed);
          return new Module(
              module,
              m.nodes(),
              m.inputs(),
              m.outputs(),
              m.linear(),
              m.linearCount(),
              Signal.MAPPING,
              m.owner() == null ? null : module);
        }
      }
    }
    return resolveExact(module);
  }

  private Module resolveExact(String module) throws InvalidAdapterException {
    Set<Integer> nodes = new LinkedHashSet<>();
    Signal signal;
    List<String> mapped = mapping.nodes(module);
    if (mapped != null) {
      signal = Signal.MAPPING;
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
      boolean dynamo = false;
      for (int i = 0; i < scopes.length; i++) {
        if (scopes[i] != null && (scopes[i].equals(module) || scopes[i].startsWith(dotted))) {
          nodes.add(i);
          dynamo |= qualified[i];
        }
      }
      signal = dynamo ? Signal.DYNAMO_SCOPE : Signal.SCOPE;
      if (nodes.isEmpty()) {
        signal = Signal.SCOPE_SUFFIX;
        bySuffix(module, nodes);
      }
      if (nodes.isEmpty()) {
        signal = Signal.INITIALIZER_NAME;
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
    return describe(module, nodes, signal);
  }

  /**
   * A TorchScript scope that is a dotted suffix of {@code module} (a container whose forward never
   * ran is missing from it), when the initializers confirm it.
   */
  private void bySuffix(String module, Set<Integer> nodes) throws InvalidAdapterException {
    String scope = null;
    for (String k : partialScopes) {
      if (module.endsWith("." + k) && (scope == null || k.length() > scope.length())) {
        scope = k;
      }
    }
    if (scope == null) {
      return;
    }
    Set<Integer> sub = subtree(scope);
    Set<String> claims = new TreeSet<>();
    for (String owner : owners(sub)) {
      String c = claimOf(owner, scope);
      if (c != null) {
        claims.add(c);
      }
    }
    String dropped = module.substring(0, module.length() - scope.length());
    if (claims.isEmpty()) {
      boolean prefixSeen = false;
      for (String init : initializers.keySet()) {
        prefixSeen |= init.startsWith(dropped);
      }
      for (String alias : aliases.keySet()) {
        prefixSeen |= alias.startsWith(dropped);
      }
      if (!prefixSeen) {
        return;
      }
    } else if (!claims.equals(Set.of(module))) {
      if (!claims.contains(module)) {
        return;
      }
      throw new InvalidAdapterException(
          "module "
              + module
              + " is ambiguous: graph scope "
              + scope.replace('.', '/')
              + " (a container whose forward never ran is missing from it) holds initializers of "
              + claims
              + "; pass a module mapping that names the nodes of each");
    }
    nodes.addAll(sub);
  }

  private void byWeightName(String module, Set<Integer> nodes) {
    String w = module + ".weight";
    if (!initializers.containsKey(w)) {
      return;
    }
    for (int c : consumers(w)) {
      OnnxMl.NodeProto n = graph.getNode(c);
      int lin = -1;
      if ((n.getOpType().equals("MatMul")
              || n.getOpType().equals("Gemm")
              || n.getOpType().equals("Conv"))
          && n.getInput(1).equals(w)) {
        lin = c;
      } else if (n.getOpType().equals("Gather") && n.getInput(0).equals(w)) {
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

  private Module describe(String module, Set<Integer> nodes, Signal signal) {
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
      if (isWeightNode(i) && !constants.contains(n.getOutput(0))) {
        Linear l = weightLayer(i, nodes);
        if (l != null) {
          linearCount++;
          linear = l;
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
    Linear only = linearCount == 1 ? linear : null;
    return new Module(
        module,
        Collections.unmodifiableSet(nodes),
        List.copyOf(inputs),
        List.copyOf(outputs),
        only,
        linearCount,
        signal,
        only == null ? null : ownerOf(module, only.node(), signal));
  }

  /**
   * The module that node {@code node} of module {@code m} belongs to by its scope, as a full name
   * ({@code m}'s own name, or one of its children's).
   */
  public String ownerOf(Module m, int node) {
    return ownerOf(m.name(), node, m.signal());
  }

  /** The module that node {@code node} belongs to, as a full name. */
  private String ownerOf(String module, int node, Signal signal) {
    String scope = scopes[node];
    if (signal == Signal.MAPPING || signal == Signal.INITIALIZER_NAME || scope == null) {
      return module;
    }
    if (signal == Signal.SCOPE_SUFFIX) {
      // module = dropped prefix + suffix scope; the node's scope lies at or below the suffix
      for (String k : partialScopes) {
        if (module.endsWith("." + k) && (scope.equals(k) || scope.startsWith(k + "."))) {
          return module.substring(0, module.length() - k.length()) + scope;
        }
      }
      return module;
    }
    return scope;
  }

  /** Describes weight node {@code i}, or null when its form is not one Stapes can rewrite. */
  private Linear weightLayer(int i, Set<Integer> moduleNodes) {
    OnnxMl.NodeProto n = graph.getNode(i);
    String op = n.getOpType();
    String w = op.equals("Gather") ? n.getInput(0) : n.getInput(1);
    if (aliases.containsKey(w)) {
      w = aliases.get(w);
    }
    OnnxMl.TensorProto t = constantValue(w);
    long[] shape = new long[t.getDimsCount()];
    for (int d = 0; d < shape.length; d++) {
      shape[d] = t.getDims(d);
    }
    boolean init = initializers.containsKey(w);
    switch (op) {
      case "Conv" -> {
        long group = 1;
        for (OnnxMl.AttributeProto a : n.getAttributeList()) {
          if (a.getName().equals("group")) {
            group = a.getI();
          }
        }
        if (shape.length < 3 || group != 1) {
          return null;
        }
        String bias = n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? n.getInput(2) : null;
        return new Linear(
            i, w, init, Layout.OUT_IN, shape[1], shape[0], 1f, Op.CONV, shape, bias, -1, 1f);
      }
      case "Gather" -> {
        long axis = 0;
        for (OnnxMl.AttributeProto a : n.getAttributeList()) {
          if (a.getName().equals("axis")) {
            axis = a.getI();
          }
        }
        if (shape.length != 2 || axis != 0) {
          return null;
        }
        return new Linear(
            i, w, init, Layout.IN_OUT, shape[0], shape[1], 1f, Op.GATHER, shape, null, -1, 1f);
      }
      default -> {
        if (shape.length != 2) {
          return null;
        }
        long transB = 0;
        long transA = 0;
        float alpha = 1f;
        float beta = 1f;
        for (OnnxMl.AttributeProto a : n.getAttributeList()) {
          switch (a.getName()) {
            case "transB" -> transB = a.getI();
            case "transA" -> transA = a.getI();
            case "alpha" -> alpha = a.getF();
            case "beta" -> beta = a.getF();
            default -> {}
          }
        }
        if (transA != 0) {
          return null;
        }
        boolean gemm = op.equals("Gemm");
        Layout layout = transB == 1 ? Layout.OUT_IN : Layout.IN_OUT;
        long in = layout == Layout.IN_OUT ? shape[0] : shape[1];
        long out = layout == Layout.IN_OUT ? shape[1] : shape[0];
        String bias = null;
        int biasNode = -1;
        if (gemm && n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
          bias = n.getInput(2);
        } else if (!gemm) {
          List<Integer> cs = consumers(n.getOutput(0));
          if (cs.size() == 1 && moduleNodes.contains(cs.get(0))) {
            OnnxMl.NodeProto add = graph.getNode(cs.get(0));
            if (add.getOpType().equals("Add")) {
              String other =
                  add.getInput(0).equals(n.getOutput(0)) ? add.getInput(1) : add.getInput(0);
              OnnxMl.TensorProto b = constantValue(other);
              if (b != null && b.getDimsCount() == 1 && b.getDims(0) == out) {
                bias = other;
                biasNode = cs.get(0);
              }
            }
          }
        }
        return new Linear(
            i,
            w,
            init,
            layout,
            in,
            out,
            gemm ? alpha : 1f,
            gemm ? Op.GEMM : Op.MATMUL,
            shape,
            bias,
            biasNode,
            gemm ? beta : 1f);
      }
    }
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
