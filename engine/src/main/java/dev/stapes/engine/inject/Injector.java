package dev.stapes.engine.inject;

import ai.onnx.proto.OnnxMl;
import dev.stapes.engine.inject.internal.GraphEditor;
import dev.stapes.engine.inject.internal.ModuleIndex;
import dev.stapes.engine.inject.internal.OnnxModels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntFunction;

/**
 * Rewrites an exported ONNX model so that adapters apply at load time.
 *
 * <pre>{@code
 * InjectedModel m = Injector.builder()
 *     .model(Path.of("whisper.onnx"))
 *     .task(Task.of("asr-de", LoraAdapter.readPeft(Path.of("lora-de"))))
 *     .task(Task.of("asr-fr", LoraAdapter.readPeft(Path.of("lora-fr"))))
 *     .build();
 * }</pre>
 *
 * <p>New nodes read the original tensors (a module's input, its output), so branches on one module
 * add up; every node the injection adds is named {@code /stapes/...}. A failed build throws and
 * leaves nothing changed: the source proto is immutable.
 */
public final class Injector {

  /** How adapter weights enter the graph. */
  public enum Mode {
    /**
     * Weights become graph inputs: a task switch is a swap of tensors, the scale a bound [1]
     * tensor.
     */
    BOUND,
    /** Weights become constants and LoRA is merged into the base weight; one task only. */
    BAKED,
    /**
     * Every task's weights are stacked [tasks, ...] and each batch row gathers its own through an
     * int64 [batch] task-index input, so rows of different tasks run in one call.
     */
    PER_ROW
  }

  private static final int FLOAT = OnnxMl.TensorProto.DataType.FLOAT.getNumber();
  private static final int INT64 = OnnxMl.TensorProto.DataType.INT64.getNumber();

  private Injector() {}

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds an {@link InjectedModel}. */
  public static final class Builder {
    private OnnxMl.ModelProto model;
    private String source = "model";
    private ModuleMapping mapping = ModuleMapping.empty();
    private Mode mode = Mode.BOUND;
    private final List<Task> tasks = new ArrayList<>();

    private Builder() {}

    /**
     * The base model, read from a file; external data next to it is inlined with the checks of
     * {@code Session.open}.
     */
    public Builder model(Path file) throws IOException {
      this.model = OnnxModels.read(file);
      this.source = file.toString();
      return this;
    }

    /**
     * The base model as bytes; a model with external data is refused (use {@link #model(byte[],
     * String, Path)}).
     */
    public Builder model(byte[] bytes, String source) throws IOException {
      this.model = OnnxModels.inlineExternalData(OnnxModels.parse(bytes, source), null, source);
      this.source = source;
      return this;
    }

    /**
     * The base model as bytes whose external data (if any) lies in {@code folder}; it is inlined
     * with the checks of {@code Session.open} (null {@code folder}: external data is refused).
     */
    public Builder model(byte[] bytes, String source, Path folder) throws IOException {
      this.model = OnnxModels.inlineExternalData(OnnxModels.parse(bytes, source), folder, source);
      this.source = source;
      return this;
    }

    /** The base model as a proto. */
    public Builder model(OnnxMl.ModelProto proto) {
      this.model = Objects.requireNonNull(proto, "proto");
      return this;
    }

    /** An explicit module mapping (optional). */
    public Builder mapping(ModuleMapping mapping) {
      this.mapping = Objects.requireNonNull(mapping, "mapping");
      return this;
    }

    /** The mode (default {@link Mode#BOUND}). */
    public Builder mode(Mode mode) {
      this.mode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /** Adds a task. */
    public Builder task(Task task) {
      for (Task t : tasks) {
        if (t.name().equals(task.name())) {
          throw new IllegalArgumentException("task=" + task.name() + " is given twice");
        }
      }
      tasks.add(task);
      return this;
    }

    /**
     * Rewrites the model.
     *
     * @throws InvalidAdapterException when an adapter names a module the graph lacks or its shapes
     *     do not fit the module
     * @throws IllegalArgumentException when no model is set, or {@link Mode#BAKED} gets several
     *     tasks
     */
    public InjectedModel build() throws IOException {
      if (model == null) {
        throw new IllegalArgumentException("no model set: call model(...) first");
      }
      if (mode == Mode.BAKED && tasks.size() > 1) {
        throw new IllegalArgumentException(
            "mode=BAKED holds one task, got "
                + tasks.size()
                + " tasks; use BOUND or PER_ROW to switch tasks");
      }
      return new Rewrite(model, source, mapping, mode, tasks).run();
    }

    @Override
    public String toString() {
      return "Injector.Builder[source="
          + source
          + ", mode="
          + mode
          + ", mapping="
          + mapping.modules().size()
          + " modules, tasks="
          + tasks
          + "]";
    }
  }

  /**
   * Checks that LoRA branch {@code m} fits module {@code res} (one weight node of the branch's kind
   * and shapes) in {@code mode}.
   *
   * @throws InvalidAdapterException naming the module, the shapes and what the graph holds
   */
  static void checkLora(String adapter, ModuleIndex.Module res, LoraAdapter.Module m, Mode mode)
      throws InvalidAdapterException {
    ModuleIndex.Linear lin = res.linear();
    if (lin == null) {
      throw new InvalidAdapterException(
          adapter
              + ": module "
              + res.name()
              + " holds "
              + res.linearCount()
              + " MatMul/Gemm/Conv/Gather nodes with constant weights, expected exactly 1 for a LoRA branch (name a Linear, Conv or Embedding module)");
    }
    if (!res.ownsLinear() && res.owner() != null) {
      throw new InvalidAdapterException(
          adapter
              + ": module "
              + res.name()
              + " holds its one weight node in child module "
              + res.owner()
              + "; LoRA acts on the layer itself: an adapter for another model?");
    }
    LoraAdapter.Kind expected =
        switch (lin.op()) {
          case CONV -> LoraAdapter.Kind.CONV;
          case GATHER -> LoraAdapter.Kind.EMBEDDING;
          default -> LoraAdapter.Kind.LINEAR;
        };
    if (m.kind() != expected) {
      throw new InvalidAdapterException(
          adapter
              + ": module "
              + res.name()
              + " is a "
              + lin.op()
              + " node in the graph (a "
              + expected
              + " layer) but the adapter holds a "
              + m.kind()
              + " branch "
              + m.a().shapeString());
    }
    if (m.dora() && lin.op() != Inspection.Op.MATMUL && lin.op() != Inspection.Op.GEMM) {
      throw new InvalidAdapterException(
          adapter
              + ": module "
              + res.name()
              + " is a DoRA branch on a "
              + expected
              + " layer; Stapes applies DoRA to Linear layers only");
    }
    if (m.dora() && m.bias() != null) {
      throw new InvalidAdapterException(
          adapter
              + ": module "
              + res.name()
              + " has both DoRA and lora_bias, which PEFT does not combine");
    }
    if (mode == Mode.PER_ROW
        && (m.dora()
            || m.bias() != null
            || lin.op() == Inspection.Op.CONV
            || lin.op() == Inspection.Op.GATHER)) {
      throw new InvalidAdapterException(
          adapter
              + ": module "
              + res.name()
              + ": mode PER_ROW takes plain LoRA on Linear layers; DoRA, lora_bias, Conv and"
              + " Embedding branches need mode BOUND or BAKED");
    }
    boolean conv = lin.op() == Inspection.Op.CONV;
    long[] ws = lin.shape();
    boolean fits = m.in() == lin.in() && m.out() == lin.out();
    // A Conv branch's lora_A carries the base kernel: [r, in, k...].
    for (int d = 2; conv && fits && d < ws.length; d++) {
      fits = m.a().rank() == ws.length && m.a().dim(d) == ws[d];
    }
    if (!fits) {
      String kernel = conv ? ", " + Rewrite.kernelString(ws) : "";
      throw new InvalidAdapterException(
          adapter
              + ": module "
              + res.name()
              + " lora_A is "
              + m.a().shapeString()
              + " and lora_B "
              + m.b().shapeString()
              + ", expected [r, "
              + lin.in()
              + kernel
              + "] and ["
              + lin.out()
              + (conv ? ", r, 1...]" : ", r]")
              + " (the graph's weight '"
              + lin.weight()
              + "' is "
              + Arrays.toString(ws)
              + " "
              + lin.layout()
              + ")");
    }
  }

  // ----------------------------------------------------------------------------------------------

  private record LoraUse(LoraAdapter.Module m, float scale, String adapter) {}

  private record BnUse(
      BottleneckAdapter.Module m, BottleneckAdapter.Activation act, float scale, String adapter) {}

  /** Everything applied to one module, per task. */
  private static final class Plan {
    final ModuleIndex.Module res;
    final List<List<LoraUse>> lora = new ArrayList<>();
    final List<List<BnUse>> bn = new ArrayList<>();
    final float[][] mul;
    final float[][] add;
    final WeightTensor[] token;
    int width = -1;
    boolean hasAffine;

    Plan(ModuleIndex.Module res, int tasks) {
      this.res = res;
      for (int i = 0; i < tasks; i++) {
        lora.add(new ArrayList<>());
        bn.add(new ArrayList<>());
      }
      mul = new float[tasks][];
      add = new float[tasks][];
      token = new WeightTensor[tasks];
    }
  }

  private static final class Rewrite {
    final OnnxMl.ModelProto model;
    final String source;
    final Mode mode;
    final List<Task> tasks;
    final ModuleIndex index;
    final GraphEditor ed;
    final long opset;
    final Map<String, Map<String, WeightTensor>> bound = new LinkedHashMap<>();
    final Map<String, Map<String, List<InjectedModel.ScaleRef>>> scales = new LinkedHashMap<>();
    final Map<String, WeightTensor> merged = new LinkedHashMap<>();
    final Map<String, String> mergedName = new HashMap<>();
    final Map<String, Replacement> heads = new LinkedHashMap<>();
    final Map<ModuleIndex.Linear, float[]> biasAdds = new LinkedHashMap<>();
    final List<Plan> deferred = new ArrayList<>();
    String taskIndex;
    int added;

    Rewrite(
        OnnxMl.ModelProto model,
        String source,
        ModuleMapping mapping,
        Mode mode,
        List<Task> tasks) {
      this.model = model;
      this.source = source;
      this.mode = mode;
      this.tasks = tasks;
      this.index = new ModuleIndex(model.getGraph(), mapping);
      this.ed = new GraphEditor(model.getGraph());
      this.opset = OnnxModels.opset(model);
      for (Task t : tasks) {
        bound.put(mode == Mode.PER_ROW ? "" : t.name(), new LinkedHashMap<>());
        scales.put(t.name(), new LinkedHashMap<>());
      }
    }

    InjectedModel run() throws IOException {
      Map<String, Plan> plans = plan();
      int before = model.getGraph().getNodeCount();
      if (mode == Mode.PER_ROW && !plans.isEmpty()) {
        taskIndex = ed.reserve("stapes.task_index");
        ed.addInput(taskIndex, INT64, new long[] {-1});
      }
      for (Plan p : plans.values()) {
        emit(p);
      }
      emitSharedLora();
      for (Replacement rep : heads.values()) {
        emitReplacement(rep);
      }
      emitBiasAdds();
      for (Map.Entry<String, WeightTensor> e : merged.entrySet()) {
        ed.putInitializer(OnnxModels.floatTensor(mergedName.get(e.getKey()), e.getValue()));
      }
      OnnxMl.GraphProto g = ed.build();
      boolean tokens = false;
      for (Plan p : plans.values()) {
        tokens |= p.token.length > 0 && p.token[0] != null;
      }
      if (tokens) {
        // Tokens lengthen the sequence downstream: drop shape hints that may state the old length.
        g = g.toBuilder().clearValueInfo().build();
      }
      added = g.getNodeCount() - before;
      OnnxMl.ModelProto out = model.toBuilder().setGraph(g).build();
      List<String> names = new ArrayList<>();
      for (Task t : tasks) {
        names.add(t.name());
      }
      return new InjectedModel(out.toByteArray(), mode, names, bound, scales, taskIndex, added);
    }

    // ---- planning and checks ------------------------------------------------------------------

    Map<String, Plan> plan() throws InvalidAdapterException {
      Map<String, Plan> plans = new LinkedHashMap<>();
      int k = tasks.size();
      for (int ti = 0; ti < k; ti++) {
        for (Task.Part part : tasks.get(ti).parts()) {
          Adapter a = part.adapter();
          for (String module : a.modules()) {
            if (!plans.containsKey(module)) {
              plans.put(module, new Plan(index.resolve(module), k));
            }
          }
          if (a instanceof LoraAdapter l) {
            for (Map.Entry<String, LoraAdapter.Module> e : l.branches().entrySet()) {
              Plan p = plans.get(e.getKey());
              checkLora(a.name(), p, e.getValue());
              p.lora
                  .get(ti)
                  .add(new LoraUse(e.getValue(), e.getValue().scale() * part.scale(), a.name()));
            }
            for (Map.Entry<String, WeightTensor> e : l.replacements().entrySet()) {
              Replacement rep = heads.get(e.getKey());
              if (rep == null) {
                rep = Replacement.locate(index, e.getKey(), a.name(), k);
                heads.put(e.getKey(), rep);
              }
              if (rep.values[ti] != null) {
                throw new InvalidAdapterException(
                    a.name()
                        + ": task "
                        + tasks.get(ti).name()
                        + " replaces "
                        + e.getKey()
                        + " twice (two adapters of one task save the same module)");
              }
              rep.values[ti] = rep.fromTorch(e.getValue(), a.name());
            }
          } else if (a instanceof BottleneckAdapter b) {
            for (Map.Entry<String, BottleneckAdapter.Module> e : b.bottlenecks().entrySet()) {
              Plan p = plans.get(e.getKey());
              checkBottleneck(a.name(), p, e.getValue());
              p.bn
                  .get(ti)
                  .add(new BnUse(e.getValue(), b.activation(), b.scale() * part.scale(), a.name()));
            }
          } else if (a instanceof TaskEmbedding t) {
            for (Map.Entry<String, TaskEmbedding.HeadMix> e : t.headMixes().entrySet()) {
              TaskEmbedding.HeadMix h = e.getValue();
              int dh = (int) h.embedding().dim(1);
              float[] m = new float[h.width()];
              float[] v = new float[h.width()];
              for (int hh = 0; hh < h.heads(); hh++) {
                float al = h.alpha().data()[hh];
                for (int j = 0; j < dh; j++) {
                  m[hh * dh + j] = 1f - al;
                  v[hh * dh + j] = al * h.embedding().data()[hh * dh + j];
                }
              }
              affine(
                  a.name(),
                  plans.get(e.getKey()),
                  ti,
                  m,
                  v,
                  "head_embedding " + h.embedding().shapeString());
            }
            for (Map.Entry<String, WeightTensor> e : t.offsets().entrySet()) {
              float[] v = e.getValue().data();
              float[] m = new float[v.length];
              Arrays.fill(m, 1f);
              affine(
                  a.name(),
                  plans.get(e.getKey()),
                  ti,
                  m,
                  v.clone(),
                  "offset " + e.getValue().shapeString());
            }
            for (Map.Entry<String, WeightTensor> e : t.tokens().entrySet()) {
              Plan p = plans.get(e.getKey());
              single(a.name(), p, true, false);
              if (p.token[ti] != null) {
                throw new InvalidAdapterException(
                    a.name()
                        + ": task "
                        + tasks.get(ti).name()
                        + " has two tokens for module "
                        + e.getKey());
              }
              if (p.res.linear() != null && e.getValue().dim(1) != p.res.linear().in()) {
                throw new InvalidAdapterException(
                    a.name()
                        + ": module "
                        + e.getKey()
                        + " token is "
                        + e.getValue().shapeString()
                        + ", expected [n, "
                        + p.res.linear().in()
                        + "] (in_features from the graph)");
              }
              p.token[ti] = e.getValue();
            }
          }
        }
      }
      for (Plan p : plans.values()) {
        WeightTensor first = null;
        int with = 0;
        for (WeightTensor t : p.token) {
          if (t != null) {
            with++;
            if (first == null) {
              first = t;
            } else if (!Arrays.equals(first.shape(), t.shape())) {
              throw new InvalidAdapterException(
                  "module "
                      + p.res.name()
                      + ": tasks give tokens of shapes "
                      + first.shapeString()
                      + " and "
                      + t.shapeString()
                      + "; tokens change the sequence length, so every task needs the same shape");
            }
          }
        }
        if (with > 0 && with < tasks.size()) {
          throw new InvalidAdapterException(
              "module "
                  + p.res.name()
                  + ": "
                  + with
                  + " of "
                  + tasks.size()
                  + " tasks give a token; tokens change the sequence length, so every task needs one");
        }
      }
      return plans;
    }

    void single(String adapter, Plan p, boolean needInput, boolean needOutput)
        throws InvalidAdapterException {
      ModuleIndex.Module r = p.res;
      if (needInput && r.inputs().size() != 1) {
        throw new InvalidAdapterException(
            adapter
                + ": module "
                + r.name()
                + " has "
                + r.inputs().size()
                + " inputs "
                + r.inputs()
                + ", expected exactly one to apply to");
      }
      if (needOutput && r.outputs().size() != 1) {
        throw new InvalidAdapterException(
            adapter
                + ": module "
                + r.name()
                + " has "
                + r.outputs().size()
                + " outputs "
                + r.outputs()
                + ", expected exactly one to add to");
      }
    }

    void checkLora(String adapter, Plan p, LoraAdapter.Module m) throws InvalidAdapterException {
      Injector.checkLora(adapter, p.res, m, mode);
    }

    void checkBottleneck(String adapter, Plan p, BottleneckAdapter.Module m)
        throws InvalidAdapterException {
      single(adapter, p, true, true);
      ModuleIndex.Linear lin = p.res.linear();
      if (lin != null) {
        long d = m.placement() == BottleneckAdapter.Placement.SEQUENTIAL ? lin.out() : lin.in();
        if (m.in() != d || m.out() != lin.out()) {
          throw new InvalidAdapterException(
              adapter
                  + ": module "
                  + p.res.name()
                  + " ("
                  + m.placement().name().toLowerCase(java.util.Locale.ROOT)
                  + ") adapter_down.weight is "
                  + m.downWeight().shapeString()
                  + " and adapter_up.weight "
                  + m.upWeight().shapeString()
                  + ", expected [r, "
                  + d
                  + "] and ["
                  + lin.out()
                  + ", r]");
        }
      }
    }

    void affine(String adapter, Plan p, int ti, float[] m, float[] v, String what)
        throws InvalidAdapterException {
      single(adapter, p, true, false);
      ModuleIndex.Linear lin = p.res.linear();
      int d = m.length;
      if (lin != null && d != lin.in()) {
        throw new InvalidAdapterException(
            adapter
                + ": module "
                + p.res.name()
                + " "
                + what
                + " covers "
                + d
                + " features, expected "
                + lin.in()
                + " (in_features from the graph)");
      }
      if (p.width >= 0 && p.width != d) {
        throw new InvalidAdapterException(
            adapter
                + ": module "
                + p.res.name()
                + " "
                + what
                + " covers "
                + d
                + " features, another adapter covers "
                + p.width);
      }
      p.width = d;
      p.hasAffine = true;
      if (p.mul[ti] == null) {
        p.mul[ti] = m;
        p.add[ti] = v;
      } else {
        float[] m0 = p.mul[ti];
        float[] v0 = p.add[ti];
        for (int j = 0; j < d; j++) {
          m0[j] = m0[j] * m[j];
          v0[j] = v0[j] * m[j] + v[j];
        }
      }
    }

    // ---- emission ------------------------------------------------------------------------------

    /**
     * A parameter: a constant (BAKED), a bound input (BOUND) or a stacked bound input (PER_ROW).
     */
    String param(String name, long[] shape, IntFunction<WeightTensor> value) {
      if (mode == Mode.BAKED) {
        return ed.initializer(name, OnnxModels.floatTensor("", value.apply(0)));
      }
      String in = ed.reserve("stapes." + name);
      if (mode == Mode.BOUND) {
        ed.addInput(in, FLOAT, shape);
        for (int ti = 0; ti < tasks.size(); ti++) {
          bound.get(tasks.get(ti).name()).put(in, value.apply(ti));
        }
      } else {
        long[] st = new long[shape.length + 1];
        st[0] = tasks.size();
        System.arraycopy(shape, 0, st, 1, shape.length);
        int per = 1;
        for (long d : shape) {
          per *= (int) d;
        }
        float[] all = new float[tasks.size() * per];
        for (int ti = 0; ti < tasks.size(); ti++) {
          System.arraycopy(value.apply(ti).data(), 0, all, ti * per, per);
        }
        ed.addInput(in, FLOAT, st);
        bound.get("").put(in, new WeightTensor(st, all));
      }
      return in;
    }

    /**
     * In PER_ROW mode, the per-row slice of a stacked parameter; otherwise the parameter itself.
     */
    String rows(String param, String hint) {
      if (mode != Mode.PER_ROW) {
        return param;
      }
      return ed.op("Gather", hint, List.of(GraphEditor.intAttr("axis", 0)), param, taskIndex);
    }

    String constL(String hint, long... v) {
      return ed.initializer(hint, OnnxModels.longTensor("", v));
    }

    String constF(String hint, float v) {
      return ed.initializer(
          hint, OnnxModels.floatTensor("", new WeightTensor(new long[0], new float[] {v})));
    }

    void recordScale(int ti, String adapter, String input, float base) {
      int idx = mode == Mode.PER_ROW ? ti : 0;
      scales
          .get(tasks.get(ti).name())
          .computeIfAbsent(adapter, a -> new ArrayList<>())
          .add(new InjectedModel.ScaleRef(input, idx, base));
    }

    void emit(Plan p) throws InvalidModelException {
      ModuleIndex.Module r = p.res;
      String mod = r.name();
      String x = r.inputs().isEmpty() ? null : r.inputs().get(0);
      int k = tasks.size();
      // Input side: x -> x' read by every node of the module.
      String xin = x;
      if (p.hasAffine) {
        int d = p.width;
        IntFunction<WeightTensor> mulV =
            ti -> new WeightTensor(new long[] {d}, p.mul[ti] != null ? p.mul[ti] : ones(d));
        IntFunction<WeightTensor> addV =
            ti -> new WeightTensor(new long[] {d}, p.add[ti] != null ? p.add[ti] : new float[d]);
        String h = "inject/" + mod + "/mix";
        if (mode == Mode.BAKED) {
          String cur = xin;
          if (!allEqual(p.mul[0], 1f)) {
            cur = ed.op("Mul", h, cur, param(mod + ".mix.scale", new long[] {d}, mulV));
          }
          if (!allEqual(p.add[0], 0f)) {
            cur = ed.op("Add", h, cur, param(mod + ".mix.shift", new long[] {d}, addV));
          }
          xin = cur;
        }
        String mulP = mode == Mode.BAKED ? null : param(mod + ".mix.scale", new long[] {d}, mulV);
        String addP = mode == Mode.BAKED ? null : param(mod + ".mix.shift", new long[] {d}, addV);
        if (mode == Mode.BAKED) {
          // done above
        } else if (mode == Mode.PER_ROW) {
          String xr = ed.op("Reshape", h, xin, constL(h, 0, -1, d));
          String m3 = ed.op("Reshape", h, rows(mulP, h), constL(h, 0, 1, -1));
          String a3 = ed.op("Reshape", h, rows(addP, h), constL(h, 0, 1, -1));
          String y = ed.op("Add", h, ed.op("Mul", h, xr, m3), a3);
          xin = ed.op("Reshape", h, y, ed.op("Shape", h, xin));
        } else {
          xin = ed.op("Add", h, ed.op("Mul", h, xin, mulP), addP);
        }
      }
      if (p.token[0] != null) {
        long[] ts = p.token[0].shape();
        String tokP = param(mod + ".token", ts, ti -> p.token[ti]);
        String h = "inject/" + mod + "/token";
        String tb;
        if (mode == Mode.PER_ROW) {
          tb = rows(tokP, h);
        } else {
          String b =
              ed.op(
                  "Gather",
                  h,
                  List.of(GraphEditor.intAttr("axis", 0)),
                  ed.op("Shape", h, xin),
                  constL(h, 0));
          String shp =
              ed.op(
                  "Concat", h, List.of(GraphEditor.intAttr("axis", 0)), b, constL(h, ts[0], ts[1]));
          tb = ed.op("Expand", h, tokP, shp);
        }
        xin = ed.op("Concat", h, List.of(GraphEditor.intAttr("axis", 1)), tb, xin);
      }
      if (xin != null && !xin.equals(x)) {
        ed.replaceInput(r.nodes(), x, xin);
      }
      // Output side. Bottlenecks act on the module output y: y is renamed y0 where it is produced
      // and read inside the module, the branches add to y0, and the last one writes y, so readers
      // outside the module and graph outputs are unchanged.
      int loraSlots = 0;
      int bnSlots = 0;
      for (int ti = 0; ti < k; ti++) {
        loraSlots = Math.max(loraSlots, p.lora.get(ti).size());
        bnSlots = Math.max(bnSlots, p.bn.get(ti).size());
      }
      String h = "inject/" + mod;
      if (bnSlots > 0) {
        String y = r.outputs().get(0);
        String y0 = ed.fresh("inject/" + mod + "/base");
        ed.renameOutput(ed.producer(y), y, y0);
        ed.replaceInput(r.nodes(), y, y0);
        String cur = y0;
        String yShape = mode == Mode.PER_ROW ? ed.op("Shape", h, y0) : null;
        for (int s = 0; s < bnSlots; s++) {
          final int slot = s;
          BnUse ref = null;
          int rank = 0;
          for (int ti = 0; ti < k; ti++) {
            if (p.bn.get(ti).size() > s) {
              BnUse u = p.bn.get(ti).get(s);
              if (ref == null) {
                ref = u;
              } else if (ref.m().placement() != u.m().placement() || ref.act() != u.act()) {
                throw new InvalidModelException(
                    "module "
                        + mod
                        + ": bottleneck "
                        + s
                        + " is "
                        + ref.m().placement()
                        + "/"
                        + ref.act()
                        + " in one task and "
                        + u.m().placement()
                        + "/"
                        + u.act()
                        + " in another; tasks must agree to share a slot");
              }
              rank = Math.max(rank, u.m().rank());
            }
          }
          final int rk = rank;
          final int din = ref.m().in();
          final int out = ref.m().out();
          String hs = h + "/bottleneck" + s;
          String dw =
              param(
                  mod + ".bottleneck" + s + ".down_t",
                  new long[] {din, rk},
                  ti -> bnPart(p.bn.get(ti), slot, 0, din, rk, out));
          String db =
              param(
                  mod + ".bottleneck" + s + ".down_bias",
                  new long[] {rk},
                  ti -> bnPart(p.bn.get(ti), slot, 1, din, rk, out));
          String uw =
              param(
                  mod + ".bottleneck" + s + ".up_t",
                  new long[] {rk, out},
                  ti -> bnPart(p.bn.get(ti), slot, 2, din, rk, out));
          String ub =
              param(
                  mod + ".bottleneck" + s + ".up_bias",
                  new long[] {out},
                  ti -> bnPart(p.bn.get(ti), slot, 3, din, rk, out));
          String sc =
              param(
                  mod + ".bottleneck" + s + ".scale",
                  new long[] {1},
                  ti -> scalar(p.bn.get(ti).size() > slot ? p.bn.get(ti).get(slot).scale() : 0f));
          for (int ti = 0; ti < k; ti++) {
            if (p.bn.get(ti).size() > s) {
              BnUse u = p.bn.get(ti).get(s);
              recordScale(ti, u.adapter(), sc, u.scale());
            }
          }
          boolean seq = ref.m().placement() == BottleneckAdapter.Placement.SEQUENTIAL;
          String z = seq ? cur : xin;
          String hid;
          String u;
          if (mode == Mode.PER_ROW) {
            String zr = ed.op("Reshape", hs, z, constL(hs, 0, -1, din));
            String b1 = ed.op("Reshape", hs, rows(db, hs), constL(hs, 0, 1, -1));
            hid = ed.op("Add", hs, ed.op("MatMul", hs, zr, rows(dw, hs)), b1);
            hid = activation(hs, hid, ref.act());
            String b2 = ed.op("Reshape", hs, rows(ub, hs), constL(hs, 0, 1, -1));
            String s3 = ed.op("Reshape", hs, rows(sc, hs), constL(hs, -1, 1, 1));
            u = ed.op("Mul", hs, ed.op("Add", hs, ed.op("MatMul", hs, hid, rows(uw, hs)), b2), s3);
            u = ed.op("Reshape", hs, u, yShape);
          } else {
            hid = ed.op("Add", hs, ed.op("MatMul", hs, z, dw), db);
            hid = activation(hs, hid, ref.act());
            u = ed.op("Mul", hs, ed.op("Add", hs, ed.op("MatMul", hs, hid, uw), ub), sc);
          }
          cur = ed.op("Add", hs, cur, u);
        }
        ed.renameLastOutput(y);
      }
      if (loraSlots == 0) {
        return;
      }
      if (plainBoundLinear(p, loraSlots)) {
        deferred.add(p);
        return;
      }
      emitLora(p, loraSlots);
    }

    /**
     * Whether {@code p} is one plain LoRA branch per task on a MatMul or Gemm in mode BOUND: the
     * case that {@link #emitSharedLora} emits with the scale folded into B and A shared between the
     * modules that read the same tensor.
     */
    boolean plainBoundLinear(Plan p, int loraSlots) {
      Inspection.Op op = p.res.linear().op();
      if (mode != Mode.BOUND
          || loraSlots != 1
          || (op != Inspection.Op.MATMUL && op != Inspection.Op.GEMM)) {
        return false;
      }
      for (List<LoraUse> uses : p.lora) {
        if (!uses.isEmpty() && (uses.get(0).m().dora() || uses.get(0).m().bias() != null)) {
          return false;
        }
      }
      return true;
    }

    /**
     * The deferred plain bound LoRA branches ({@link #plainBoundLinear}), grouped by the tensor
     * their weight node reads. A group of n modules (q, k and v of one attention block) shares one
     * bound A^T [in, R] holding the members' A^T side by side (R the sum of their ranks), one
     * MatMul {@code t = x A^T} and a Split of t into the members' r columns; member j adds {@code
     * t_j B_j} to its weight node's output, where the bound B_j [r, out] holds {@code s B_j^T}. So
     * a branch costs a MatMul and an Add per call beside its group's MatMul (and Split), and no Mul
     * by the scale (it lives in B; a scale change rescales B, see {@link InjectedModel.ScaleRef}).
     * The Add sits between the weight node and its bias Add, so ONNX Runtime's fusions of the bias
     * (BiasGelu) still apply.
     */
    void emitSharedLora() {
      Map<String, List<Plan>> groups = new LinkedHashMap<>();
      for (Plan p : deferred) {
        groups
            .computeIfAbsent(ed.nodeInput(p.res.linear().node(), 0), x -> new ArrayList<>())
            .add(p);
      }
      int k = tasks.size();
      for (Map.Entry<String, List<Plan>> g : groups.entrySet()) {
        List<Plan> ps = g.getValue();
        int n = ps.size();
        int[] rank = new int[n];
        int[] off = new int[n + 1];
        for (int j = 0; j < n; j++) {
          for (int ti = 0; ti < k; ti++) {
            List<LoraUse> uses = ps.get(j).lora.get(ti);
            rank[j] = Math.max(rank[j], uses.isEmpty() ? 0 : uses.get(0).m().rank());
          }
          off[j + 1] = off[j] + rank[j];
        }
        final int rTotal = off[n];
        final int in = (int) ps.get(0).res.linear().in();
        String first = ps.get(0).res.name();
        String aT =
            param(
                first + ".lora0.a_t",
                new long[] {in, rTotal},
                ti -> {
                  float[] t = new float[in * rTotal];
                  for (int j = 0; j < n; j++) {
                    List<LoraUse> uses = ps.get(j).lora.get(ti);
                    float[] a = loraAT(uses, 0, in, rank[j]).data();
                    for (int i = 0; i < in; i++) {
                      System.arraycopy(a, i * rank[j], t, i * rTotal + off[j], rank[j]);
                    }
                  }
                  return new WeightTensor(new long[] {in, rTotal}, t);
                });
        String hg = "inject/" + first + "/lora0";
        String t = ed.op("MatMul", hg, g.getKey(), aT);
        String[] tj = {t};
        if (n > 1) {
          long[] sizes = new long[n];
          for (int j = 0; j < n; j++) {
            sizes[j] = rank[j];
          }
          List<OnnxMl.AttributeProto> axis = new ArrayList<>();
          axis.add(GraphEditor.intAttr("axis", -1));
          if (opset >= 13) {
            tj = ed.ops("Split", hg, axis, n, t, constL(hg, sizes));
          } else {
            axis.add(GraphEditor.intsAttr("split", sizes));
            tj = ed.ops("Split", hg, axis, n, t);
          }
        }
        for (int j = 0; j < n; j++) {
          Plan p = ps.get(j);
          ModuleIndex.Linear lin = p.res.linear();
          String mod = p.res.name();
          final int out = (int) lin.out();
          final int rj = rank[j];
          String bT =
              param(
                  mod + ".lora0.b_t",
                  new long[] {rj, out},
                  ti -> {
                    List<LoraUse> uses = p.lora.get(ti);
                    float[] v = loraBT(uses, 0, out, rj).data();
                    float s = uses.isEmpty() ? 0f : uses.get(0).scale();
                    for (int i = 0; i < v.length; i++) {
                      v[i] *= s;
                    }
                    return new WeightTensor(new long[] {rj, out}, v);
                  });
          for (int ti = 0; ti < k; ti++) {
            List<LoraUse> uses = p.lora.get(ti);
            if (!uses.isEmpty()) {
              scales
                  .get(tasks.get(ti).name())
                  .computeIfAbsent(uses.get(0).adapter(), a -> new ArrayList<>())
                  .add(
                      new InjectedModel.ScaleRef(
                          bT, InjectedModel.ScaleRef.WHOLE, uses.get(0).scale()));
            }
          }
          String h = "inject/" + mod + "/lora0";
          String yl = ed.nodeOutput(lin.node(), 0);
          String yl0 = ed.fresh("inject/" + mod + "/linear");
          ed.renameOutput(lin.node(), yl, yl0);
          ed.op("Add", h, yl0, ed.op("MatMul", h, tj[j], bT));
          ed.renameLastOutput(yl);
        }
      }
    }

    /**
     * LoRA acts at the weight node itself: {@code y_lin' = y_lin + s (x_lin A^T) B^T}, the same as
     * merging into W, whatever reshapes or bias adds surround it. Merged when baked and the weight
     * is an initializer; DoRA rescales the sum per output row.
     */
    void emitLora(Plan p, int loraSlots) throws InvalidModelException {
      ModuleIndex.Linear lin = p.res.linear();
      String mod = p.res.name();
      String h = "inject/" + mod;
      int k = tasks.size();
      if (mode == Mode.BAKED && lin.initializer()) {
        for (LoraUse u : p.lora.get(0)) {
          merge(lin, u);
        }
        return;
      }
      String xl = ed.nodeInput(lin.node(), lin.op() == Inspection.Op.GATHER ? 1 : 0);
      String yl = ed.nodeOutput(lin.node(), 0);
      String yl0 = ed.fresh("inject/" + mod + "/linear");
      ed.renameOutput(lin.node(), yl, yl0);
      String cur = yl0;
      String xr = null;
      String ylShape = null;
      if (mode == Mode.PER_ROW) {
        xr = ed.op("Reshape", h, xl, constL(h, 0, -1, lin.in()));
        ylShape = ed.op("Shape", h, yl0);
      }
      String yRaw = null;
      for (int s = 0; s < loraSlots; s++) {
        final int slot = s;
        int rank = 0;
        boolean anyBias = false;
        boolean anyDora = false;
        for (int ti = 0; ti < k; ti++) {
          if (p.lora.get(ti).size() > s) {
            LoraAdapter.Module m = p.lora.get(ti).get(s).m();
            rank = Math.max(rank, m.rank());
            anyBias |= m.bias() != null;
            anyDora |= m.dora();
          }
        }
        final int rk = rank;
        final int in = (int) lin.in();
        final int out = (int) lin.out();
        String hs = h + "/lora" + s;
        String sc =
            param(
                mod + ".lora" + s + ".scale",
                new long[] {1},
                ti -> scalar(p.lora.get(ti).size() > slot ? p.lora.get(ti).get(slot).scale() : 0f));
        for (int ti = 0; ti < k; ti++) {
          if (p.lora.get(ti).size() > s) {
            LoraUse u = p.lora.get(ti).get(s);
            recordScale(ti, u.adapter(), sc, u.scale());
          }
        }
        String d;
        String aT = null;
        String bT = null;
        if (lin.op() == Inspection.Op.CONV) {
          long[] ws = lin.shape();
          long[] aShape = ws.clone();
          aShape[0] = rk;
          long[] bShape = new long[ws.length];
          Arrays.fill(bShape, 1);
          bShape[0] = out;
          bShape[1] = rk;
          String aw =
              param(
                  mod + ".lora" + s + ".a",
                  aShape,
                  ti -> convPart(p.lora.get(ti), slot, aShape, true));
          String bw =
              param(
                  mod + ".lora" + s + ".b",
                  bShape,
                  ti -> convPart(p.lora.get(ti), slot, bShape, false));
          List<OnnxMl.AttributeProto> attrs = new ArrayList<>();
          for (OnnxMl.AttributeProto at : index.graph().getNode(lin.node()).getAttributeList()) {
            if (!at.getName().equals("kernel_shape")) {
              attrs.add(at);
            }
          }
          String t = ed.op("Conv", hs, attrs, xl, aw);
          d = ed.op("Mul", hs, ed.op("Conv", hs, t, bw), sc);
        } else {
          aT =
              param(
                  mod + ".lora" + s + ".a_t",
                  new long[] {in, rk},
                  ti -> loraAT(p.lora.get(ti), slot, in, rk));
          bT =
              param(
                  mod + ".lora" + s + ".b_t",
                  new long[] {rk, out},
                  ti -> loraBT(p.lora.get(ti), slot, out, rk));
          if (mode == Mode.PER_ROW) {
            String s3 = ed.op("Reshape", hs, rows(sc, hs), constL(hs, -1, 1, 1));
            String t = ed.op("Mul", hs, ed.op("MatMul", hs, xr, rows(aT, hs)), s3);
            d = ed.op("Reshape", hs, ed.op("MatMul", hs, t, rows(bT, hs)), ylShape);
          } else if (lin.op() == Inspection.Op.GATHER) {
            String t = ed.op("Gather", hs, List.of(GraphEditor.intAttr("axis", 0)), aT, xl);
            d = ed.op("MatMul", hs, ed.op("Mul", hs, t, sc), bT);
          } else {
            String t = ed.op("Mul", hs, ed.op("MatMul", hs, xl, aT), sc);
            d = ed.op("MatMul", hs, t, bT);
          }
        }
        if (anyBias) {
          String bb =
              param(
                  mod + ".lora" + s + ".bias",
                  new long[] {out},
                  ti -> loraBias(p.lora.get(ti), slot, out));
          String bv = bb;
          if (lin.op() == Inspection.Op.CONV) {
            long[] bs = new long[lin.shape().length - 1];
            Arrays.fill(bs, 1);
            bs[0] = -1;
            bv = ed.op("Reshape", hs, bb, constL(hs, bs));
          }
          d = ed.op("Add", hs, d, ed.op("Mul", hs, bv, sc));
        }
        if (anyDora) {
          if (yRaw == null) {
            yRaw = yl0;
            if (lin.op() == Inspection.Op.GEMM && lin.bias() != null) {
              yRaw =
                  ed.op(
                      "Sub",
                      hs,
                      yl0,
                      ed.op("Mul", hs, ed.nodeInput(lin.node(), 2), constF(hs, lin.beta())));
            }
          }
          String mag =
              param(
                  mod + ".lora" + s + ".magnitude",
                  new long[] {out},
                  ti -> doraMagnitude(p.lora.get(ti), slot, out));
          String on =
              param(
                  mod + ".lora" + s + ".dora",
                  new long[] {1},
                  ti ->
                      scalar(
                          p.lora.get(ti).size() > slot && p.lora.get(ti).get(slot).m().dora()
                              ? 1f
                              : 0f));
          String mns = doraScale(hs, lin, aT, bT, sc, mag, on);
          // PEFT: y + (mns - 1) * W x + mns * s * B A x
          String one = constF(hs, 1f);
          d =
              ed.op(
                  "Add",
                  hs,
                  ed.op("Mul", hs, ed.op("Sub", hs, mns, one), yRaw),
                  ed.op("Mul", hs, mns, d));
        }
        cur = ed.op("Add", hs, cur, d);
      }
      ed.renameLastOutput(yl);
    }

    /**
     * DoRA's per-row factor, {@code 1 + on * (m / ||W + s B A||_row - 1)}, computed in the graph
     * from the base weight and the bound A, B, s and magnitude (so a task switch recomputes it).
     */
    String doraScale(
        String h, ModuleIndex.Linear lin, String aT, String bT, String sc, String mag, String on)
        throws InvalidModelException {
      String w = lin.weight();
      String wio;
      if (lin.layout() == Inspection.Layout.IN_OUT && lin.alpha() == 1f) {
        wio = ed.nodeInput(lin.node(), 1);
      } else {
        WeightTensor g = OnnxModels.toWeights(index.constantValue(w));
        WeightTensor t = lin.layout() == Inspection.Layout.IN_OUT ? g : g.transpose();
        float[] v = t.data().clone();
        for (int i = 0; i < v.length; i++) {
          v[i] *= lin.alpha();
        }
        wio =
            ed.initializer(
                h + "/weight_in_out", OnnxModels.floatTensor("", new WeightTensor(t.shape(), v)));
      }
      String delta = ed.op("Mul", h, ed.op("MatMul", h, aT, bT), sc);
      String wd = ed.op("Add", h, wio, delta);
      float[] ones = new float[(int) lin.in()];
      Arrays.fill(ones, 1f);
      String onesRow =
          ed.initializer(
              h + "/ones",
              OnnxModels.floatTensor("", new WeightTensor(new long[] {1, lin.in()}, ones)));
      String norm = ed.op("Sqrt", h, ed.op("MatMul", h, onesRow, ed.op("Mul", h, wd, wd)));
      String mns = ed.op("Div", h, mag, ed.op("Reshape", h, norm, constL(h, -1)));
      String one = constF(h, 1f);
      return ed.op("Add", h, one, ed.op("Mul", h, on, ed.op("Sub", h, mns, one)));
    }

    /** Rewires the readers of a replaced tensor (modules_to_save) to the task's own value. */
    void emitReplacement(Replacement rep) throws InvalidModelException {
      WeightTensor base = null;
      for (int ti = 0; ti < tasks.size(); ti++) {
        if (rep.values[ti] == null) {
          if (base == null) {
            base = OnnxModels.toWeights(index.constantValue(rep.tensor));
          }
          rep.values[ti] = base;
        }
      }
      String name;
      if (mode == Mode.BAKED) {
        name = ed.initializer("inject/" + rep.path, OnnxModels.floatTensor("", rep.values[0]));
      } else if (mode == Mode.BOUND) {
        name = ed.reserve("stapes." + rep.path);
        ed.addInput(name, FLOAT, rep.shape);
        for (int ti = 0; ti < tasks.size(); ti++) {
          bound.get(tasks.get(ti).name()).put(name, rep.values[ti]);
        }
      } else {
        throw new InvalidModelException(
            rep.path
                + ": modules_to_save replaces a weight, which mode PER_ROW cannot gather per row;"
                + " use mode BOUND (one task per call) or BAKED");
      }
      for (int[] use : rep.uses) {
        ed.setInput(use[0], use[1], name);
      }
    }

    String activation(String h, String v, BottleneckAdapter.Activation act) {
      if (act == BottleneckAdapter.Activation.RELU) {
        return ed.op("Relu", h, v);
      }
      String e = ed.op("Erf", h, ed.op("Div", h, v, constF(h, (float) Math.sqrt(2.0))));
      return ed.op(
          "Mul", h, ed.op("Mul", h, v, ed.op("Add", h, e, constF(h, 1f))), constF(h, 0.5f));
    }

    void merge(ModuleIndex.Linear lin, LoraUse u) throws InvalidModelException {
      String w = lin.weight();
      int wi = lin.op() == Inspection.Op.GATHER ? 0 : 1;
      WeightTensor cur = merged.get(w);
      if (cur == null) {
        WeightTensor orig = OnnxModels.toWeights(index.initializer(w));
        cur = new WeightTensor(orig.shape(), orig.data().clone());
        merged.put(w, cur);
        // A weight read through an Identity alias, or read by other nodes, is shared: clone it.
        boolean shared =
            index.consumers(w).size() > 1
                || index.isGraphOutput(w)
                || !index.graph().getNode(lin.node()).getInput(wi).equals(w);
        for (OnnxMl.ValueInfoProto v : model.getGraph().getInputList()) {
          shared |= v.getName().equals(w);
        }
        String name = shared ? ed.fresh("inject/merged/" + w) : w;
        mergedName.put(w, name);
        if (shared) {
          ed.setInput(lin.node(), wi, name);
        }
      }
      float[] wd = cur.data();
      float[] a = u.m().a().data();
      float[] b = u.m().b().data();
      int r = u.m().rank();
      int out = (int) lin.out();
      // Conv: A [r, in, k...] flattens to [r, in * k]; the weight [out, in, k...] to [out, in * k].
      int in = (int) (u.m().a().size() / r);
      float s = u.scale() / lin.alpha();
      boolean inOut = lin.layout() == Inspection.Layout.IN_OUT;
      double[] rowNorm2 = new double[out];
      float[] next = new float[wd.length];
      for (int o = 0; o < out; o++) {
        for (int i = 0; i < in; i++) {
          double acc = 0;
          for (int q = 0; q < r; q++) {
            acc += (double) b[o * r + q] * a[q * in + i];
          }
          int at = inOut ? i * out + o : o * in + i;
          next[at] = (float) (wd[at] + s * acc);
          double torch = (double) lin.alpha() * next[at];
          rowNorm2[o] += torch * torch;
        }
      }
      if (u.m().bias() != null) {
        // lora_B's bias: s * b on the output, as a constant add after the weight node.
        biasAdds.computeIfAbsent(lin, l -> new float[out]);
        float[] acc = biasAdds.get(lin);
        for (int o = 0; o < out; o++) {
          acc[o] += u.scale() * u.m().bias().data()[o];
        }
      }
      if (u.m().dora()) {
        float[] mag = u.m().magnitude().data();
        for (int o = 0; o < out; o++) {
          double f = mag[o] / Math.sqrt(rowNorm2[o]);
          for (int i = 0; i < in; i++) {
            int at = inOut ? i * out + o : o * in + i;
            next[at] = (float) (f * next[at]);
          }
        }
      }
      System.arraycopy(next, 0, wd, 0, wd.length);
    }

    /** Emits the constant bias adds of merged lora_B biases. */
    void emitBiasAdds() {
      for (Map.Entry<ModuleIndex.Linear, float[]> e : biasAdds.entrySet()) {
        ModuleIndex.Linear lin = e.getKey();
        String h = "inject/merged-bias";
        String y = ed.nodeOutput(lin.node(), 0);
        String y0 = ed.fresh(h);
        ed.renameOutput(lin.node(), y, y0);
        long[] shape = new long[] {e.getValue().length};
        if (lin.op() == Inspection.Op.CONV) {
          shape = new long[lin.shape().length - 1];
          Arrays.fill(shape, 1);
          shape[0] = e.getValue().length;
        }
        String b =
            ed.initializer(h, OnnxModels.floatTensor("", new WeightTensor(shape, e.getValue())));
        ed.op("Add", h, y0, b);
        ed.renameLastOutput(y);
      }
    }

    static float[] ones(int d) {
      float[] m = new float[d];
      Arrays.fill(m, 1f);
      return m;
    }

    static boolean allEqual(float[] a, float v) {
      for (float f : a) {
        if (f != v) {
          return false;
        }
      }
      return true;
    }

    /**
     * A bound scale: shape [1], not rank 0, because ONNX Runtime's adapter loader refuses rank-0
     * parameters ("dims is missing or empty", 1.26), so an exported task could not carry it.
     */
    static WeightTensor scalar(float v) {
      return new WeightTensor(new long[] {1}, new float[] {v});
    }

    static String kernelString(long[] ws) {
      StringBuilder b = new StringBuilder();
      for (int d = 2; d < ws.length; d++) {
        b.append(d == 2 ? "" : ", ").append(ws[d]);
      }
      return b.toString();
    }

    /** Conv A [rank, in, k...] or B [out, rank, 1...], zero-padded to the slot rank. */
    static WeightTensor convPart(List<LoraUse> uses, int slot, long[] shape, boolean isA) {
      int n = 1;
      for (long d : shape) {
        n *= (int) d;
      }
      float[] t = new float[n];
      if (uses.size() > slot) {
        LoraAdapter.Module m = uses.get(slot).m();
        int r = m.rank();
        if (isA) {
          System.arraycopy(m.a().data(), 0, t, 0, m.a().size());
        } else {
          int rank = (int) shape[1];
          float[] b = m.b().data();
          for (int o = 0; o < shape[0]; o++) {
            System.arraycopy(b, o * r, t, o * rank, r);
          }
        }
      }
      return new WeightTensor(shape, t);
    }

    /** lora_B's bias [out] (zeros when the task's branch has none). */
    static WeightTensor loraBias(List<LoraUse> uses, int slot, int out) {
      float[] t = new float[out];
      if (uses.size() > slot && uses.get(slot).m().bias() != null) {
        System.arraycopy(uses.get(slot).m().bias().data(), 0, t, 0, out);
      }
      return new WeightTensor(new long[] {out}, t);
    }

    /**
     * DoRA's magnitude [out] (ones when the task's branch is plain LoRA; the flag turns it off).
     */
    static WeightTensor doraMagnitude(List<LoraUse> uses, int slot, int out) {
      float[] t = new float[out];
      Arrays.fill(t, 1f);
      if (uses.size() > slot && uses.get(slot).m().dora()) {
        System.arraycopy(uses.get(slot).m().magnitude().data(), 0, t, 0, out);
      }
      return new WeightTensor(new long[] {out}, t);
    }

    /** A^T [in, rank] zero-padded to the slot rank (zeros when the task has no branch here). */
    static WeightTensor loraAT(List<LoraUse> uses, int slot, int in, int rank) {
      float[] t = new float[in * rank];
      if (uses.size() > slot) {
        LoraAdapter.Module m = uses.get(slot).m();
        int r = m.rank();
        float[] a = m.a().data();
        for (int q = 0; q < r; q++) {
          for (int i = 0; i < in; i++) {
            t[i * rank + q] = a[q * in + i];
          }
        }
      }
      return new WeightTensor(new long[] {in, rank}, t);
    }

    /** B^T [rank, out] zero-padded to the slot rank. */
    static WeightTensor loraBT(List<LoraUse> uses, int slot, int out, int rank) {
      float[] t = new float[rank * out];
      if (uses.size() > slot) {
        LoraAdapter.Module m = uses.get(slot).m();
        int r = m.rank();
        float[] b = m.b().data();
        for (int o = 0; o < out; o++) {
          for (int q = 0; q < r; q++) {
            t[q * out + o] = b[o * r + q];
          }
        }
      }
      return new WeightTensor(new long[] {rank, out}, t);
    }

    /**
     * Part 0 down^T [din, rank], 1 down bias [rank], 2 up^T [rank, out], 3 up bias [out];
     * zero-padded.
     */
    static WeightTensor bnPart(List<BnUse> uses, int slot, int part, int din, int rank, int out) {
      BottleneckAdapter.Module m = uses.size() > slot ? uses.get(slot).m() : null;
      switch (part) {
        case 0 -> {
          float[] t = new float[din * rank];
          if (m != null) {
            float[] w = m.downWeight().data();
            for (int q = 0; q < m.rank(); q++) {
              for (int i = 0; i < din; i++) {
                t[i * rank + q] = w[q * din + i];
              }
            }
          }
          return new WeightTensor(new long[] {din, rank}, t);
        }
        case 1 -> {
          float[] t = new float[rank];
          if (m != null) {
            System.arraycopy(m.downBias().data(), 0, t, 0, m.rank());
          }
          return new WeightTensor(new long[] {rank}, t);
        }
        case 2 -> {
          float[] t = new float[rank * out];
          if (m != null) {
            float[] w = m.upWeight().data();
            for (int o = 0; o < out; o++) {
              for (int q = 0; q < m.rank(); q++) {
                t[q * out + o] = w[o * m.rank() + q];
              }
            }
          }
          return new WeightTensor(new long[] {rank, out}, t);
        }
        default -> {
          float[] t = new float[out];
          if (m != null) {
            System.arraycopy(m.upBias().data(), 0, t, 0, out);
          }
          return new WeightTensor(new long[] {out}, t);
        }
      }
    }
  }
}
