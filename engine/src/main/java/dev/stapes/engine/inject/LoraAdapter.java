package dev.stapes.engine.inject;

import dev.stapes.engine.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Low-rank branches (LoRA): for each module, {@code y' = y + s * (x A^T) B^T} with {@code A} of
 * shape [r, in], {@code B} of shape [out, r] and {@code s} the module's scale ({@code alpha / r},
 * or {@code alpha / sqrt(r)} with rsLoRA). Also, as PEFT saves them: a bias on {@code B} ({@code
 * lora_bias}), DoRA's magnitude vector ({@code use_dora}), branches on Conv and Embedding layers,
 * and full tensors that replace the base model's ({@code modules_to_save}, {@code bias="all"}).
 *
 * <p>{@link #readPeft(Path)} reads a Hugging Face PEFT directory.
 */
public final class LoraAdapter implements Adapter {

  /** The kind of layer a branch sits on. */
  public enum Kind {
    /** nn.Linear or transformers' Conv1D: A [r, in], B [out, r]. */
    LINEAR,
    /** nn.Conv1d/2d/3d: A [r, in, k...] (the base kernel), B [out, r, 1...]. */
    CONV,
    /** nn.Embedding: A [r, num_embeddings], B [embedding_dim, r]. */
    EMBEDDING
  }

  /**
   * One module's branch.
   *
   * @param a lora_A
   * @param b lora_B
   * @param scale s
   * @param bias lora_B's bias [out] ({@code lora_bias=True}), or null
   * @param magnitude DoRA's magnitude vector [out] ({@code use_dora=True}), or null
   * @param kind the layer kind
   */
  public record Module(
      WeightTensor a,
      WeightTensor b,
      float scale,
      WeightTensor bias,
      WeightTensor magnitude,
      Kind kind) {
    /** A plain LoRA branch on a Linear layer. */
    public Module(WeightTensor a, WeightTensor b, float scale) {
      this(a, b, scale, null, null, Kind.LINEAR);
    }

    /** The rank r. */
    public int rank() {
      return (int) a.dim(0);
    }

    /** in_features (in_channels, num_embeddings). */
    public int in() {
      return (int) a.dim(1);
    }

    /** out_features (out_channels, embedding_dim). */
    public int out() {
      return (int) b.dim(0);
    }

    /** Whether this is a DoRA branch. */
    public boolean dora() {
      return magnitude != null;
    }
  }

  /** The weight kinds in a PEFT key, after the module path. */
  private static final Pattern KEY =
      Pattern.compile(
          "^(?:base_model\\.model\\.)?(.+?)\\.(lora_A|lora_B|lora_embedding_A|lora_embedding_B|lora_magnitude_vector)((?:\\.[^.]+)*)$");

  private static final String PREFIX = "base_model.model.";

  /**
   * LoraConfig fields that change nothing at inference (metadata, training-time settings,
   * initialisations that leave the base weights as they are).
   */
  private static final Set<String> INERT =
      Set.of(
          "task_type",
          "auto_mapping",
          "peft_version",
          "base_model_name_or_path",
          "revision",
          "inference_mode",
          "lora_dropout",
          "megatron_core",
          "qalora_group_size",
          "runtime_config",
          "eva_config");

  /** LoraConfig fields Stapes honours. */
  private static final Set<String> HONOURED =
      Set.of(
          "peft_type",
          "r",
          "lora_alpha",
          "target_modules",
          "exclude_modules",
          "fan_in_fan_out",
          "bias",
          "use_rslora",
          "modules_to_save",
          "layers_to_transform",
          "layers_pattern",
          "rank_pattern",
          "alpha_pattern",
          "use_dora",
          "lora_bias",
          "init_lora_weights");

  private final String name;
  private final Map<String, Module> modules;
  private final Map<String, WeightTensor> replacements;

  private LoraAdapter(
      String name, Map<String, Module> modules, Map<String, WeightTensor> replacements) {
    this.name = name;
    this.modules = Collections.unmodifiableMap(new LinkedHashMap<>(modules));
    this.replacements = Collections.unmodifiableMap(new LinkedHashMap<>(replacements));
  }

  /**
   * An adapter from weights in memory.
   *
   * @throws InvalidAdapterException when a module's A and B do not fit together or hold non-finite
   *     values
   */
  public static LoraAdapter of(String name, Map<String, Module> modules)
      throws InvalidAdapterException {
    return of(name, modules, Map.of());
  }

  /**
   * An adapter from weights in memory, with full tensors that replace the base model's ({@code
   * modules_to_save}: state-dict names such as {@code classifier.weight}, in PyTorch's layout).
   *
   * @throws InvalidAdapterException when a module's A and B do not fit together or a tensor holds
   *     non-finite values
   */
  public static LoraAdapter of(
      String name, Map<String, Module> modules, Map<String, WeightTensor> replacements)
      throws InvalidAdapterException {
    for (Map.Entry<String, Module> e : modules.entrySet()) {
      check(name, e.getKey(), e.getValue(), -1);
      if (!Float.isFinite(e.getValue().scale())) {
        throw new InvalidAdapterException(
            name + ": module " + e.getKey() + " scale=" + e.getValue().scale() + " is not finite");
      }
    }
    for (Map.Entry<String, WeightTensor> e : replacements.entrySet()) {
      finite(name, e.getKey(), e.getValue());
    }
    return new LoraAdapter(name, modules, replacements);
  }

  /** The same weights under another name (to tell two adapters of one name apart). */
  public LoraAdapter withName(String newName) {
    return new LoraAdapter(newName, modules, replacements);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Set<String> modules() {
    return modules.keySet();
  }

  /** Branches by module name. */
  public Map<String, Module> branches() {
    return modules;
  }

  /**
   * Full tensors that replace the base model's, by state-dict name ({@code classifier.weight}), in
   * PyTorch's layout: the task's own head ({@code modules_to_save}) and trained biases ({@code
   * bias="all"} or {@code "lora_only"}).
   */
  public Map<String, WeightTensor> replacements() {
    return replacements;
  }

  /**
   * Reads a PEFT LoRA directory: {@code adapter_config.json} and {@code adapter_model.safetensors}
   * as PEFT's {@code save_pretrained} writes them (keys with or without the adapter name).
   *
   * <p>Fields honoured: {@code r}, {@code lora_alpha}, {@code use_rslora}, {@code target_modules}
   * (a list: exact names or dotted suffixes; a string: a regular expression that must match the
   * whole name; {@code "all-linear"}), {@code exclude_modules} (the same), {@code
   * layers_to_transform} with {@code layers_pattern}, {@code rank_pattern}, {@code alpha_pattern},
   * {@code fan_in_fan_out}, {@code lora_bias}, {@code use_dora}, {@code modules_to_save}, {@code
   * bias}. Every module with weights must be one the config targets; a module the config names but
   * that has no weights is left as it is. {@code fan_in_fan_out} describes the base layer's weight
   * layout in PyTorch; the LoRA matrices are [r, in] and [out, r] either way, and Stapes reads the
   * base weight's layout from the graph. Fields that change nothing at inference (dropout,
   * metadata, initialisations that keep the base weights) are accepted; any other field with a
   * value other than its default (LoftQ, PiSSA or OLoRA initialisation, Megatron, layer
   * replication, trainable tokens, target_parameters, a field of a newer PEFT) is refused in one
   * line that names it.
   *
   * @throws InvalidAdapterException when a file is missing or malformed, or the config asks for
   *     something Stapes cannot honour
   */
  public static LoraAdapter readPeft(Path dir) throws IOException {
    Path cfgFile = dir.resolve("adapter_config.json");
    if (!Files.isRegularFile(cfgFile)) {
      throw new InvalidAdapterException(
          dir + ": no adapter_config.json; expected a PEFT LoRA directory");
    }
    Path weights = dir.resolve("adapter_model.safetensors");
    if (!Files.isRegularFile(weights)) {
      String hint =
          Files.exists(dir.resolve("adapter_model.bin"))
              ? " (adapter_model.bin is a PyTorch pickle, which Stapes does not read: save with safe_serialization=True)"
              : "";
      throw new InvalidAdapterException(dir + ": no adapter_model.safetensors" + hint);
    }
    Map<?, ?> cfg;
    try {
      Object o = Json.parse(Files.readString(cfgFile, StandardCharsets.UTF_8));
      if (!(o instanceof Map<?, ?> m)) {
        throw new InvalidAdapterException(cfgFile + ": not a JSON object");
      }
      cfg = m;
    } catch (IllegalArgumentException e) {
      throw new InvalidAdapterException(cfgFile + ": " + e.getMessage());
    }
    String src = cfgFile.toString();
    PeftConfig c = PeftConfig.parse(cfg, src);
    Safetensors st = Safetensors.read(weights);

    Map<String, WeightTensor[]> parts = new TreeMap<>();
    Map<String, WeightTensor> replaced = new LinkedHashMap<>();
    Set<String> adapterNames = new TreeSet<>();
    for (Map.Entry<String, WeightTensor> e : st.tensors().entrySet()) {
      String key = e.getKey();
      Matcher m = KEY.matcher(key);
      if (!m.matches()) {
        String path = key.startsWith(PREFIX) ? key.substring(PREFIX.length()) : key;
        path = stripModulesToSave(path, adapterNames);
        if (!c.saves(path)) {
          throw new InvalidAdapterException(
              weights
                  + ": tensor '"
                  + key
                  + "' is not a LoRA weight (expected base_model.model.<module>.lora_A.weight or lora_B)"
                  + " and not a module of modules_to_save="
                  + c.modulesToSave
                  + (c.bias.equals("none") ? "" : " nor a bias (bias=" + c.bias + ")"));
        }
        replaced.put(path, e.getValue());
        continue;
      }
      String module = m.group(1);
      String kind = m.group(2);
      List<String> tail =
          new ArrayList<>(
              List.of(m.group(3).isEmpty() ? new String[0] : m.group(3).substring(1).split("\\.")));
      String param = null;
      if (!tail.isEmpty()
          && (tail.get(tail.size() - 1).equals("weight")
              || tail.get(tail.size() - 1).equals("bias"))) {
        param = tail.remove(tail.size() - 1);
      }
      if (tail.size() > 1) {
        throw new InvalidAdapterException(
            weights + ": tensor '" + key + "' has an unexpected key layout after " + kind);
      }
      if (tail.size() == 1) {
        adapterNames.add(tail.get(0));
      }
      int slot =
          switch (kind) {
            case "lora_A", "lora_embedding_A" -> 0;
            case "lora_B", "lora_embedding_B" -> "bias".equals(param) ? 2 : 1;
            default -> 3;
          };
      if ("bias".equals(param) && slot != 2) {
        throw new InvalidAdapterException(
            weights + ": tensor '" + key + "': only lora_B has a bias (lora_bias=True)");
      }
      WeightTensor[] p = parts.computeIfAbsent(module, k -> new WeightTensor[5]);
      if (kind.startsWith("lora_embedding")) {
        p[4] = WeightTensor.filled(1f);
      }
      if (p[slot] != null) {
        throw new InvalidAdapterException(
            weights
                + ": module "
                + module
                + " has "
                + kind
                + " twice (several adapters in one file?)");
      }
      p[slot] = e.getValue();
    }
    if (adapterNames.size() > 1) {
      throw new InvalidAdapterException(
          weights + ": holds several adapters " + adapterNames + "; expected one");
    }
    if (parts.isEmpty() && replaced.isEmpty()) {
      throw new InvalidAdapterException(weights + ": holds no LoRA weights");
    }
    Map<String, Module> modules = new LinkedHashMap<>();
    for (Map.Entry<String, WeightTensor[]> e : parts.entrySet()) {
      String module = e.getKey();
      WeightTensor[] p = e.getValue();
      WeightTensor a = p[0];
      WeightTensor b = p[1];
      if (a == null || b == null) {
        throw new InvalidAdapterException(
            weights
                + ": module "
                + module
                + " has lora_"
                + (a == null ? "B but no lora_A" : "A but no lora_B"));
      }
      c.checkTargeted(module, weights.toString());
      if (p[2] != null && !c.loraBias) {
        throw new InvalidAdapterException(
            weights
                + ": module "
                + module
                + " has lora_B.bias but "
                + src
                + " has lora_bias=false");
      }
      if (p[3] != null && !c.useDora) {
        throw new InvalidAdapterException(
            weights
                + ": module "
                + module
                + " has lora_magnitude_vector but "
                + src
                + " has use_dora=false");
      }
      if (p[3] == null && c.useDora) {
        throw new InvalidAdapterException(
            weights
                + ": module "
                + module
                + " has no lora_magnitude_vector but "
                + src
                + " has use_dora=true");
      }
      Kind kind = p[4] != null ? Kind.EMBEDDING : a.rank() > 2 ? Kind.CONV : Kind.LINEAR;
      int rank = (int) Math.round(match(c.rankPattern, module, c.r));
      double al = match(c.alphaPattern, module, c.alpha);
      double scale = c.rslora ? al / Math.sqrt(rank) : al / rank;
      Module mod = new Module(a, b, (float) scale, p[2], p[3], kind);
      check(weights.toString(), module, mod, rank);
      modules.put(module, mod);
    }
    for (Map.Entry<String, WeightTensor> e : replaced.entrySet()) {
      finite(weights.toString(), e.getKey(), e.getValue());
    }
    return new LoraAdapter(
        dir.getFileName() == null ? dir.toString() : dir.getFileName().toString(),
        modules,
        replaced);
  }

  /** Drops PEFT's {@code modules_to_save[.<adapter>]} wrapper from a state-dict path. */
  private static String stripModulesToSave(String path, Set<String> adapterNames) {
    String marker = ".modules_to_save.";
    int at = path.indexOf(marker);
    if (at < 0) {
      return path;
    }
    String rest = path.substring(at + marker.length());
    int dot = rest.indexOf('.');
    if (dot > 0) {
      // <module>.modules_to_save.<adapter>.<path in the module>
      adapterNames.add(rest.substring(0, dot));
      rest = rest.substring(dot + 1);
    }
    return path.substring(0, at) + "." + rest;
  }

  /** An adapter_config.json, with PEFT's matching rules. */
  private static final class PeftConfig {
    int r;
    double alpha;
    boolean rslora;
    boolean useDora;
    boolean loraBias;
    String bias;
    Object targets;
    Object excludes;
    List<Integer> layers;
    List<String> layersPattern;
    List<String> modulesToSave = List.of();
    Map<String, Double> rankPattern;
    Map<String, Double> alphaPattern;
    String src;

    static PeftConfig parse(Map<?, ?> cfg, String src) throws InvalidAdapterException {
      PeftConfig c = new PeftConfig();
      c.src = src;
      for (Map.Entry<?, ?> e : cfg.entrySet()) {
        String k = String.valueOf(e.getKey());
        if (!HONOURED.contains(k) && !INERT.contains(k) && !isDefault(e.getValue())) {
          throw new InvalidAdapterException(
              src
                  + ": "
                  + k
                  + "="
                  + e.getValue()
                  + " is not supported by Stapes (it changes the model in a way Stapes does not"
                  + " reproduce); supported fields: "
                  + new TreeSet<>(HONOURED));
        }
      }
      Object peftType = cfg.get("peft_type");
      if (peftType instanceof String s && !s.equals("LORA")) {
        throw new InvalidAdapterException(src + ": peft_type=" + s + ", expected LORA");
      }
      Object init = cfg.get("init_lora_weights");
      if (init instanceof String s
          && !s.equals("gaussian")
          && !s.equals("eva")
          && !s.equals("orthogonal")) {
        throw new InvalidAdapterException(
            src
                + ": init_lora_weights="
                + s
                + " changes the base weights, so the adapter does not apply to the original model;"
                + " convert it to plain LoRA with PEFT (path_initial_model_for_weight_conversion)"
                + " or export the model PEFT modified; expected true, false, gaussian, eva or orthogonal");
      }
      c.r = intField(cfg, "r", 8, src);
      c.alpha = numField(cfg, "lora_alpha", 8, src);
      c.rslora = bool(cfg, "use_rslora", src);
      c.useDora = bool(cfg, "use_dora", src);
      c.loraBias = bool(cfg, "lora_bias", src);
      bool(cfg, "fan_in_fan_out", src);
      Object bias = cfg.get("bias");
      c.bias = bias == null || bias == Json.NULL ? "none" : String.valueOf(bias);
      if (!Set.of("none", "all", "lora_only").contains(c.bias)) {
        throw new InvalidAdapterException(
            src + ": bias=" + c.bias + ", expected one of [none, all, lora_only]");
      }
      c.targets = nullToNone(cfg.get("target_modules"));
      c.excludes = nullToNone(cfg.get("exclude_modules"));
      checkNames(c.targets, "target_modules", src);
      checkNames(c.excludes, "exclude_modules", src);
      c.rankPattern = patterns(cfg.get("rank_pattern"), src, "rank_pattern");
      c.alphaPattern = patterns(cfg.get("alpha_pattern"), src, "alpha_pattern");
      Object mts = nullToNone(cfg.get("modules_to_save"));
      if (mts != null) {
        c.modulesToSave = stringList(mts, "modules_to_save", src);
      }
      Object ltt = nullToNone(cfg.get("layers_to_transform"));
      if (ltt instanceof Double d) {
        c.layers = List.of(layerIndex(d, src));
      } else if (ltt instanceof List<?> l) {
        List<Integer> idx = new ArrayList<>();
        for (Object o : l) {
          if (!(o instanceof Double d)) {
            throw new InvalidAdapterException(
                src
                    + ": layers_to_transform="
                    + ltt
                    + ", expected an integer or a list of integers");
          }
          idx.add(layerIndex(d, src));
        }
        c.layers = idx;
      } else if (ltt != null) {
        throw new InvalidAdapterException(
            src + ": layers_to_transform=" + ltt + ", expected an integer or a list of integers");
      }
      Object lp = nullToNone(cfg.get("layers_pattern"));
      if (lp != null) {
        c.layersPattern =
            lp instanceof String s ? List.of(s) : stringList(lp, "layers_pattern", src);
        for (String p : c.layersPattern) {
          compile(p, "layers_pattern", src);
        }
      }
      if (c.layersPattern != null && c.layers == null) {
        throw new InvalidAdapterException(
            src + ": layers_pattern=" + lp + " is set without layers_to_transform");
      }
      if (c.layers != null && c.targets instanceof String) {
        throw new InvalidAdapterException(
            src + ": layers_to_transform works only with target_modules as a list (as in PEFT)");
      }
      return c;
    }

    /** Whether a full tensor at state-dict path {@code path} is one the config saves. */
    boolean saves(String path) {
      int dot = path.lastIndexOf('.');
      String module = dot < 0 ? path : path.substring(0, dot);
      String param = dot < 0 ? "" : path.substring(dot + 1);
      for (String m : modulesToSave) {
        if (module.equals(m)
            || module.endsWith("." + m)
            || module.startsWith(m + ".")
            || module.contains("." + m + ".")) {
          return true;
        }
      }
      return !bias.equals("none") && param.equals("bias");
    }

    void checkTargeted(String module, String file) throws InvalidAdapterException {
      if (targets != null && !nameMatches(targets, module)) {
        throw new InvalidAdapterException(
            file
                + ": module "
                + module
                + " is not matched by target_modules="
                + targets
                + " of "
                + src);
      }
      if (excludes != null && nameMatches(excludes, module)) {
        throw new InvalidAdapterException(
            file
                + ": module "
                + module
                + " has weights but exclude_modules="
                + excludes
                + " of "
                + src
                + " excludes it");
      }
      if (layers != null) {
        Integer idx = layerOf(module);
        if (idx == null || !layers.contains(idx)) {
          throw new InvalidAdapterException(
              file
                  + ": module "
                  + module
                  + (idx == null ? " has no layer index" : " is in layer " + idx)
                  + (layersPattern == null ? "" : " (layers_pattern=" + layersPattern + ")")
                  + " but layers_to_transform="
                  + layers
                  + " of "
                  + src);
        }
      }
    }

    /** PEFT's layer index: the number after {@code .<pattern>.} (any atom without a pattern). */
    Integer layerOf(String module) {
      List<String> ps =
          layersPattern == null || layersPattern.isEmpty() ? List.of("[^.]*") : layersPattern;
      for (String p : ps) {
        Matcher m = Pattern.compile(".*\\." + p + "\\.(\\d+)\\.").matcher(module);
        if (m.lookingAt()) {
          return Integer.parseInt(m.group(1));
        }
      }
      return null;
    }

    private static int layerIndex(double d, String src) throws InvalidAdapterException {
      if (d != Math.rint(d) || d < 0 || d > 1 << 20) {
        throw new InvalidAdapterException(
            src + ": layers_to_transform holds " + d + ", expected layer indices 0..1048576");
      }
      return (int) d;
    }

    private static Object nullToNone(Object o) {
      return o == Json.NULL ? null : o;
    }

    private static boolean isDefault(Object v) {
      return v == null
          || v == Json.NULL
          || Boolean.FALSE.equals(v)
          || (v instanceof Map<?, ?> m && m.isEmpty())
          || (v instanceof List<?> l && l.isEmpty());
    }

    private static boolean bool(Map<?, ?> cfg, String key, String src)
        throws InvalidAdapterException {
      Object v = cfg.get(key);
      if (v == null || v == Json.NULL) {
        return false;
      }
      if (!(v instanceof Boolean b)) {
        throw new InvalidAdapterException(src + ": " + key + "=" + v + ", expected true or false");
      }
      return b;
    }

    private static List<String> stringList(Object o, String field, String src)
        throws InvalidAdapterException {
      if (!(o instanceof List<?> l)) {
        throw new InvalidAdapterException(
            src + ": " + field + "=" + o + ", expected a list of names");
      }
      List<String> out = new ArrayList<>();
      for (Object x : l) {
        if (!(x instanceof String s)) {
          throw new InvalidAdapterException(
              src + ": " + field + "=" + o + ", expected a list of names");
        }
        out.add(s);
      }
      return out;
    }

    private static void checkNames(Object names, String field, String src)
        throws InvalidAdapterException {
      if (names == null) {
        return;
      }
      if (names instanceof String regex) {
        if (!regex.equals("all-linear")) {
          compile(regex, field, src);
        }
        return;
      }
      stringList(names, field, src);
    }

    private static Pattern compile(String regex, String field, String src)
        throws InvalidAdapterException {
      try {
        return Pattern.compile(regex);
      } catch (PatternSyntaxException e) {
        throw new InvalidAdapterException(
            src + ": " + field + " regex '" + regex + "' is invalid: " + e.getDescription());
      }
    }
  }

  /**
   * PEFT's module matching: a string is a regular expression that must match the whole name ({@code
   * "all-linear"} matches any), a list matches a name exactly or as a dotted suffix.
   */
  static boolean nameMatches(Object names, String module) {
    if (names instanceof String regex) {
      return regex.equals("all-linear") || Pattern.compile(regex).matcher(module).matches();
    }
    if (names instanceof List<?> list) {
      for (Object t : list) {
        if (t instanceof String s && (module.equals(s) || module.endsWith("." + s))) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Writes this adapter as a PEFT LoRA directory ({@code adapter_config.json} and {@code
   * adapter_model.safetensors}, F32), with {@code r} and {@code lora_alpha} from the first module,
   * {@code rank_pattern} / {@code alpha_pattern} entries for modules that differ, and the owners of
   * {@link #replacements()} as {@code modules_to_save}.
   */
  public void writePeft(Path dir) throws IOException {
    Files.createDirectories(dir);
    Map<String, WeightTensor> t = new LinkedHashMap<>();
    StringBuilder ranks = new StringBuilder();
    StringBuilder alphas = new StringBuilder();
    StringBuilder targets = new StringBuilder();
    int r0 = -1;
    double a0 = 0;
    boolean loraBias = false;
    boolean dora = false;
    for (Map.Entry<String, Module> e : modules.entrySet()) {
      Module m = e.getValue();
      if (m.kind() == Kind.EMBEDDING) {
        t.put(PREFIX + e.getKey() + ".lora_embedding_A", m.a());
        t.put(PREFIX + e.getKey() + ".lora_embedding_B", m.b());
      } else {
        t.put(PREFIX + e.getKey() + ".lora_A.weight", m.a());
        t.put(PREFIX + e.getKey() + ".lora_B.weight", m.b());
      }
      if (m.bias() != null) {
        t.put(PREFIX + e.getKey() + ".lora_B.bias", m.bias());
        loraBias = true;
      }
      if (m.magnitude() != null) {
        t.put(PREFIX + e.getKey() + ".lora_magnitude_vector.weight", m.magnitude());
        dora = true;
      }
      double alpha = (double) m.scale() * m.rank();
      if (r0 < 0) {
        r0 = m.rank();
        a0 = alpha;
      }
      if (m.rank() != r0) {
        ranks
            .append(ranks.length() == 0 ? "" : ", ")
            .append(Json.quote(e.getKey().replace(".", "\\.")))
            .append(": ")
            .append(m.rank());
      }
      if (alpha != a0) {
        alphas
            .append(alphas.length() == 0 ? "" : ", ")
            .append(Json.quote(e.getKey().replace(".", "\\.")))
            .append(": ")
            .append(alpha);
      }
      targets.append(targets.length() == 0 ? "" : ", ").append(Json.quote(e.getKey()));
    }
    Set<String> owners = new TreeSet<>();
    for (Map.Entry<String, WeightTensor> e : replacements.entrySet()) {
      t.put(PREFIX + e.getKey(), e.getValue());
      int dot = e.getKey().lastIndexOf('.');
      owners.add(dot < 0 ? e.getKey() : e.getKey().substring(0, dot));
    }
    StringBuilder saved = new StringBuilder(owners.isEmpty() ? "null" : "[");
    for (String o : owners) {
      saved.append(saved.length() == 1 ? "" : ", ").append(Json.quote(o));
    }
    if (!owners.isEmpty()) {
      saved.append(']');
    }
    String cfg =
        "{\n  \"peft_type\": \"LORA\",\n  \"r\": "
            + Math.max(r0, 1)
            + ",\n  \"lora_alpha\": "
            + a0
            + ",\n  \"target_modules\": ["
            + targets
            + "],\n  \"rank_pattern\": {"
            + ranks
            + "},\n  \"alpha_pattern\": {"
            + alphas
            + "},\n  \"bias\": \"none\",\n  \"use_rslora\": false,\n"
            + "  \"use_dora\": "
            + dora
            + ",\n  \"lora_bias\": "
            + loraBias
            + ",\n  \"modules_to_save\": "
            + saved
            + ",\n  \"fan_in_fan_out\": false\n}\n";
    Files.writeString(dir.resolve("adapter_config.json"), cfg);
    Safetensors.write(dir.resolve("adapter_model.safetensors"), t, Map.of("format", "pt"));
  }

  private static void check(String src, String module, Module m, int rank)
      throws InvalidAdapterException {
    WeightTensor a = m.a();
    WeightTensor b = m.b();
    boolean conv = m.kind() == Kind.CONV;
    String aName = m.kind() == Kind.EMBEDDING ? "lora_embedding_A " : "lora_A ";
    String bName = m.kind() == Kind.EMBEDDING ? "lora_embedding_B " : "lora_B ";
    boolean shapes = conv ? a.rank() >= 3 && b.rank() == a.rank() : a.rank() == 2 && b.rank() == 2;
    if (shapes && conv) {
      for (int d = 2; d < b.rank(); d++) {
        shapes &= b.dim(d) == 1;
      }
    }
    if (!shapes) {
      throw new InvalidAdapterException(
          src
              + ": module "
              + module
              + " "
              + aName
              + a.shapeString()
              + " and "
              + bName
              + b.shapeString()
              + (conv
                  ? " must be [r, in, k...] and [out, r, 1...] for a Conv layer"
                  : " must both be 2-D ([r, in] and [out, r])"));
    }
    if (a.dim(0) != b.dim(1)) {
      throw new InvalidAdapterException(
          src
              + ": module "
              + module
              + " "
              + aName
              + a.shapeString()
              + " has rank "
              + a.dim(0)
              + " but "
              + bName
              + b.shapeString()
              + " has rank "
              + b.dim(1));
    }
    if (rank > 0 && a.dim(0) != rank) {
      throw new InvalidAdapterException(
          src
              + ": module "
              + module
              + " "
              + aName
              + a.shapeString()
              + " has rank "
              + a.dim(0)
              + ", expected r="
              + rank
              + " from adapter_config.json (rank_pattern included)");
    }
    if (m.bias() != null && m.bias().size() != b.dim(0)) {
      throw new InvalidAdapterException(
          src
              + ": module "
              + module
              + " lora_B.bias "
              + m.bias().shapeString()
              + ", expected ["
              + b.dim(0)
              + "] (out of lora_B)");
    }
    if (m.magnitude() != null && m.magnitude().size() != b.dim(0)) {
      throw new InvalidAdapterException(
          src
              + ": module "
              + module
              + " lora_magnitude_vector "
              + m.magnitude().shapeString()
              + ", expected "
              + b.dim(0)
              + " elements (out of lora_B)");
    }
    finite(src, module + "." + aName.trim(), a);
    finite(src, module + "." + bName.trim(), b);
    if (m.bias() != null) {
      finite(src, module + ".lora_B.bias", m.bias());
    }
    if (m.magnitude() != null) {
      finite(src, module + ".lora_magnitude_vector", m.magnitude());
    }
  }

  private static void finite(String src, String tensor, WeightTensor t)
      throws InvalidAdapterException {
    int bad = t.firstNonFinite();
    if (bad >= 0) {
      throw new InvalidAdapterException(
          src
              + ": "
              + tensor
              + " element "
              + bad
              + " is "
              + t.data()[bad]
              + ", expected finite values");
    }
  }

  private static double match(Map<String, Double> patterns, String module, double fallback) {
    for (Map.Entry<String, Double> e : patterns.entrySet()) {
      try {
        if (Pattern.compile("(.*\\.)?(?:" + e.getKey() + ")").matcher(module).matches()) {
          return e.getValue();
        }
      } catch (PatternSyntaxException ex) {
        if (module.equals(e.getKey()) || module.endsWith("." + e.getKey())) {
          return e.getValue();
        }
      }
    }
    return fallback;
  }

  private static Map<String, Double> patterns(Object o, String src, String field)
      throws InvalidAdapterException {
    Map<String, Double> m = new LinkedHashMap<>();
    if (o == null || o == Json.NULL) {
      return m;
    }
    if (!(o instanceof Map<?, ?> map)) {
      throw new InvalidAdapterException(src + ": " + field + " must be an object");
    }
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getValue() instanceof Double d) || !Double.isFinite(d)) {
        throw new InvalidAdapterException(
            src + ": " + field + "['" + e.getKey() + "']=" + e.getValue() + " is not a number");
      }
      m.put((String) e.getKey(), d);
    }
    return m;
  }

  private static int intField(Map<?, ?> cfg, String key, int fallback, String src)
      throws InvalidAdapterException {
    double v = numField(cfg, key, fallback, src);
    if (v != Math.rint(v) || v < 1 || v > 1 << 20) {
      throw new InvalidAdapterException(
          src + ": " + key + "=" + v + ", expected an integer in 1..1048576");
    }
    return (int) v;
  }

  private static double numField(Map<?, ?> cfg, String key, double fallback, String src)
      throws InvalidAdapterException {
    Object v = cfg.get(key);
    if (v == null || v == Json.NULL) {
      return fallback;
    }
    if (!(v instanceof Double d) || !Double.isFinite(d)) {
      throw new InvalidAdapterException(src + ": " + key + "=" + v + " is not a finite number");
    }
    return d;
  }

  @Override
  public String toString() {
    return "LoraAdapter[name=" + name + ", modules=" + modules.size() + "]";
  }
}
