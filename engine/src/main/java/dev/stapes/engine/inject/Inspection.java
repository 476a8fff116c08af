package dev.stapes.engine.inject;

import ai.onnx.proto.OnnxMl;
import dev.stapes.engine.Json;
import dev.stapes.engine.inject.internal.ModuleIndex;
import dev.stapes.engine.inject.internal.OnnxModels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What injection can address in a graph and where each tensor of some adapters would land: the
 * answer to "why does my adapter not apply". Built once; immutable. {@code stapes inspect} prints
 * it.
 *
 * <pre>{@code
 * Inspection i =
 *     Inspection.of(model, ModuleMapping.empty(), List.of(LoraAdapter.readPeft(dir)));
 * System.out.print(i.toText(false));
 * }</pre>
 */
public final class Inspection {

  /** How a module's linear layer holds its weight. */
  public enum Layout {
    /** MatMul or Gemm with transB=0: weight [in, out]. */
    IN_OUT,
    /** Gemm with transB=1 (PyTorch's own layout): weight [out, in]. */
    OUT_IN
  }

  /** The operator that holds a module's weight. */
  public enum Op {
    /** MatMul (nn.Linear from either exporter, transformers' Conv1D). */
    MATMUL,
    /** Gemm (nn.Linear on 2-D input, transformers' Conv1D as addmm). */
    GEMM,
    /** Conv (nn.Conv1d, nn.Conv2d, nn.Conv3d): weight [out, in / groups, k...]. */
    CONV,
    /** Gather of a constant table along axis 0 (nn.Embedding): weight [num, dim]. */
    GATHER
  }

  /** How a module was found in the graph. */
  public enum Signal {
    /** An explicit module mapping. */
    MAPPING,
    /** The dynamo exporter's {@code pkg.torch.onnx.name_scopes}. */
    DYNAMO_SCOPE,
    /** A TorchScript node-name scope equal to the module name. */
    SCOPE,
    /** A TorchScript scope that is a dotted suffix of the name, confirmed by initializers. */
    SCOPE_SUFFIX,
    /** The name of the weight initializer. */
    INITIALIZER_NAME
  }

  /**
   * A module with exactly one weight node.
   *
   * @param module its PyTorch name
   * @param op the weight node's operator
   * @param node the weight node's name in the graph
   * @param weight the weight tensor's name in the graph
   * @param shape the weight's shape in the graph
   * @param layout the weight's layout
   * @param signal how the module was found
   */
  public record Addressable(
      String module,
      Op op,
      String node,
      String weight,
      long[] shape,
      Layout layout,
      Signal signal) {}

  /**
   * Where one adapter entry lands.
   *
   * @param adapter the adapter's name
   * @param target the module (branches) or state-dict name (replaced tensors)
   * @param what {@code lora}, {@code dora}, {@code lora+bias}, {@code conv-lora}, {@code
   *     embedding-lora}, {@code replace}, {@code bottleneck} or {@code task-embedding}
   * @param node the graph node it acts on, or null when it does not land
   * @param tensor the graph tensor it acts on, or null
   * @param signal how the module was found, or null
   * @param problem why it does not apply, or null when it does
   */
  public record Landing(
      String adapter,
      String target,
      String what,
      String node,
      String tensor,
      Signal signal,
      String problem) {
    /** Whether the entry applies. */
    public boolean ok() {
      return problem == null;
    }
  }

  private final String source;
  private final String exporter;
  private final List<Addressable> modules;
  private final List<Landing> landings;

  private Inspection(
      String source, String exporter, List<Addressable> modules, List<Landing> landings) {
    this.source = source;
    this.exporter = exporter;
    this.modules = Collections.unmodifiableList(modules);
    this.landings = Collections.unmodifiableList(landings);
  }

  /**
   * Inspects the model file {@code model} (its external data read from beside it, with the checks
   * of {@code Session.open}) and, for each adapter, where its entries land.
   *
   * @throws java.nio.file.NoSuchFileException when the file does not exist
   * @throws InvalidModelException when it is not an ONNX model, or its external data is unsafe or
   *     unreadable
   */
  public static Inspection of(
      java.nio.file.Path model, ModuleMapping mapping, List<? extends Adapter> adapters)
      throws java.io.IOException {
    return of(OnnxModels.read(model), model.toString(), mapping, adapters);
  }

  /** Inspects {@code model} and, for each adapter, where its entries land. */
  public static Inspection of(
      OnnxMl.ModelProto model,
      String source,
      ModuleMapping mapping,
      List<? extends Adapter> adapters) {
    Objects.requireNonNull(model, "model");
    ModuleIndex index = new ModuleIndex(model.getGraph(), mapping);
    OnnxMl.GraphProto g = model.getGraph();
    List<Addressable> modules = new ArrayList<>();
    for (ModuleIndex.Module m : index.weightModules()) {
      ModuleIndex.Linear l = m.linear();
      modules.add(
          new Addressable(
              m.name(),
              l.op(),
              g.getNode(l.node()).getName(),
              l.weight(),
              l.shape(),
              l.layout(),
              m.signal()));
    }
    List<Landing> landings = new ArrayList<>();
    for (Adapter a : adapters) {
      if (a instanceof LoraAdapter l) {
        l.branches()
            .forEach((module, branch) -> landings.add(lora(index, a.name(), module, branch)));
        l.replacements()
            .forEach((path, value) -> landings.add(replace(index, a.name(), path, value)));
      } else {
        String what = a instanceof BottleneckAdapter ? "bottleneck" : "task-embedding";
        for (String module : a.modules()) {
          try {
            ModuleIndex.Module m = index.resolve(module);
            int first = m.nodes().iterator().next();
            landings.add(
                new Landing(
                    a.name(),
                    module,
                    what,
                    g.getNode(first).getName(),
                    m.inputs().isEmpty() ? null : m.inputs().get(0),
                    m.signal(),
                    null));
          } catch (InvalidAdapterException e) {
            landings.add(new Landing(a.name(), module, what, null, null, null, e.getMessage()));
          }
        }
      }
    }
    return new Inspection(source, exporter(g), modules, landings);
  }

  private static Landing lora(
      ModuleIndex index, String adapter, String module, LoraAdapter.Module branch) {
    String what =
        switch (branch.kind()) {
          case CONV -> "conv-lora";
          case EMBEDDING -> "embedding-lora";
          default -> branch.dora() ? "dora" : branch.bias() != null ? "lora+bias" : "lora";
        };
    try {
      ModuleIndex.Module m = index.resolve(module);
      Injector.checkLora(adapter, m, branch, Injector.Mode.BOUND);
      ModuleIndex.Linear l = m.linear();
      return new Landing(
          adapter,
          module,
          what,
          index.graph().getNode(l.node()).getName(),
          l.weight(),
          m.signal(),
          null);
    } catch (InvalidAdapterException e) {
      return new Landing(adapter, module, what, null, null, null, e.getMessage());
    }
  }

  private static Landing replace(ModuleIndex index, String adapter, String path, WeightTensor v) {
    try {
      Replacement r = Replacement.locate(index, path, adapter, 1);
      r.fromTorch(v, adapter);
      int[] use = r.uses.get(0);
      return new Landing(
          adapter, path, "replace", index.graph().getNode(use[0]).getName(), r.tensor, null, null);
    } catch (InvalidAdapterException e) {
      return new Landing(adapter, path, "replace", null, null, null, e.getMessage());
    }
  }

  /** Which exporter wrote the graph, from the conventions it left. */
  static String exporter(OnnxMl.GraphProto g) {
    int dynamo = 0;
    int scoped = 0;
    for (OnnxMl.NodeProto n : g.getNodeList()) {
      if (ModuleIndex.dynamoScope(n) != null) {
        dynamo++;
      } else if (n.getName().startsWith("/")) {
        scoped++;
      }
    }
    if (dynamo > 0) {
      return "torch dynamo exporter (module paths in metadata_props)";
    }
    if (scoped > 0) {
      return "torch TorchScript exporter (module scopes in node names)";
    }
    return "no PyTorch scopes (weights by initializer name, or a module mapping)";
  }

  /** The model's name as given. */
  public String source() {
    return source;
  }

  /** Which exporter wrote the graph. */
  public String exporter() {
    return exporter;
  }

  /** The modules injection can address, in graph order. */
  public List<Addressable> modules() {
    return modules;
  }

  /** Where every adapter entry lands, in adapter order. */
  public List<Landing> landings() {
    return landings;
  }

  /** How many entries do not apply. */
  public int problems() {
    int n = 0;
    for (Landing l : landings) {
      n += l.ok() ? 0 : 1;
    }
    return n;
  }

  /**
   * A report for a terminal: the modules (always without adapters, with {@code listModules} when
   * adapters are given), then each adapter's entries with the ones that do not apply first.
   */
  public String toText(boolean listModules) {
    StringBuilder b = new StringBuilder();
    b.append(source).append(": ").append(exporter).append(", ");
    b.append(modules.size()).append(" addressable modules\n");
    if (landings.isEmpty() || listModules) {
      int w = 6;
      int ws = 6;
      for (Addressable a : modules) {
        w = Math.max(w, a.module().length());
        ws = Math.max(ws, Arrays.toString(a.shape()).length());
      }
      String row = "  %-" + w + "s  %-6s  %-" + ws + "s  %s%n";
      b.append(String.format(Locale.ROOT, row, "module", "op", "weight", "found by"));
      for (Addressable a : modules) {
        b.append(
            String.format(
                Locale.ROOT,
                row,
                a.module(),
                opName(a.op()),
                Arrays.toString(a.shape()),
                signalName(a.signal())));
      }
    }
    String current = null;
    List<Landing> ordered = new ArrayList<>(landings);
    ordered.sort((x, y) -> x.adapter().equals(y.adapter()) ? Boolean.compare(x.ok(), y.ok()) : 0);
    for (Landing l : ordered) {
      if (!l.adapter().equals(current)) {
        current = l.adapter();
        int total = 0;
        int bad = 0;
        for (Landing o : landings) {
          if (o.adapter().equals(current)) {
            total++;
            bad += o.ok() ? 0 : 1;
          }
        }
        b.append("adapter ")
            .append(current)
            .append(": ")
            .append(total - bad)
            .append(" of ")
            .append(total)
            .append(" entries apply\n");
      }
      if (l.ok()) {
        b.append("  ok    ")
            .append(l.what())
            .append(' ')
            .append(l.target())
            .append(" -> node ")
            .append(l.node())
            .append(" (")
            .append(l.tensor())
            .append(l.signal() == null ? "" : ", " + signalName(l.signal()))
            .append(")\n");
      } else {
        b.append("  FAIL  ")
            .append(l.what())
            .append(' ')
            .append(l.target())
            .append(": ")
            .append(l.problem())
            .append('\n');
      }
    }
    return b.toString();
  }

  /** The same as JSON, for tools. */
  public String toJson() {
    StringBuilder b = new StringBuilder("{\"model\": ").append(Json.quote(source));
    b.append(", \"exporter\": ").append(Json.quote(exporter)).append(", \"modules\": [");
    for (int i = 0; i < modules.size(); i++) {
      Addressable a = modules.get(i);
      b.append(i == 0 ? "" : ", ")
          .append("{\"module\": ")
          .append(Json.quote(a.module()))
          .append(", \"op\": ")
          .append(Json.quote(opName(a.op())))
          .append(", \"node\": ")
          .append(Json.quote(a.node()))
          .append(", \"weight\": ")
          .append(Json.quote(a.weight()))
          .append(", \"shape\": ")
          .append(Arrays.toString(a.shape()))
          .append(", \"layout\": ")
          .append(Json.quote(a.layout().name()))
          .append(", \"signal\": ")
          .append(Json.quote(signalName(a.signal())))
          .append('}');
    }
    b.append("], \"landings\": [");
    for (int i = 0; i < landings.size(); i++) {
      Landing l = landings.get(i);
      b.append(i == 0 ? "" : ", ")
          .append("{\"adapter\": ")
          .append(Json.quote(l.adapter()))
          .append(", \"target\": ")
          .append(Json.quote(l.target()))
          .append(", \"what\": ")
          .append(Json.quote(l.what()))
          .append(", \"node\": ")
          .append(l.node() == null ? "null" : Json.quote(l.node()))
          .append(", \"tensor\": ")
          .append(l.tensor() == null ? "null" : Json.quote(l.tensor()))
          .append(", \"signal\": ")
          .append(l.signal() == null ? "null" : Json.quote(signalName(l.signal())))
          .append(", \"problem\": ")
          .append(l.problem() == null ? "null" : Json.quote(l.problem()))
          .append('}');
    }
    return b.append("], \"problems\": ").append(problems()).append("}\n").toString();
  }

  private static String opName(Op op) {
    return switch (op) {
      case MATMUL -> "MatMul";
      case GEMM -> "Gemm";
      case CONV -> "Conv";
      case GATHER -> "Gather";
    };
  }

  private static String signalName(Signal s) {
    return s.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  @Override
  public String toString() {
    return "Inspection[source="
        + source
        + ", modules="
        + modules.size()
        + ", landings="
        + landings.size()
        + ", problems="
        + problems()
        + "]";
  }
}
