package dev.stapes.engine.inject;

import dev.stapes.engine.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Low-rank branches (LoRA): for each module, {@code y' = y + s * (x A^T) B^T} with {@code A} of
 * shape [r, in], {@code B} of shape [out, r] and {@code s} the module's scale ({@code alpha / r},
 * or {@code alpha / sqrt(r)} with rsLoRA).
 *
 * <p>{@link #readPeft(Path)} reads a Hugging Face PEFT directory.
 */
public final class LoraAdapter implements Adapter {

  /** One module's branch. */
  public record Module(WeightTensor a, WeightTensor b, float scale) {
    /** The rank r. */
    public int rank() {
      return (int) a.dim(0);
    }

    /** in_features. */
    public int in() {
      return (int) a.dim(1);
    }

    /** out_features. */
    public int out() {
      return (int) b.dim(0);
    }
  }

  private static final Pattern KEY =
      Pattern.compile("^(?:base_model\\.model\\.)?(.+)\\.lora_([AB])(?:\\.([^.]+))?\\.weight$");

  private final String name;
  private final Map<String, Module> modules;

  private LoraAdapter(String name, Map<String, Module> modules) {
    this.name = name;
    this.modules = Collections.unmodifiableMap(new LinkedHashMap<>(modules));
  }

  /**
   * An adapter from weights in memory.
   *
   * @throws InvalidAdapterException when a module's A and B do not fit together, are not 2-D or
   *     hold non-finite values
   */
  public static LoraAdapter of(String name, Map<String, Module> modules)
      throws InvalidAdapterException {
    for (Map.Entry<String, Module> e : modules.entrySet()) {
      check(name, e.getKey(), e.getValue().a(), e.getValue().b(), -1);
      if (!Float.isFinite(e.getValue().scale())) {
        throw new InvalidAdapterException(
            name + ": module " + e.getKey() + " scale=" + e.getValue().scale() + " is not finite");
      }
    }
    return new LoraAdapter(name, modules);
  }

  /** The same weights under another name (to tell two adapters of one name apart). */
  public LoraAdapter withName(String newName) {
    return new LoraAdapter(newName, modules);
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
   * Reads a PEFT LoRA directory: {@code adapter_config.json} ({@code r}, {@code lora_alpha}, {@code
   * use_rslora}, {@code target_modules} as a list or a regex, {@code fan_in_fan_out}, {@code
   * rank_pattern}, {@code alpha_pattern}, {@code bias}) and {@code adapter_model.safetensors} with
   * keys {@code base_model.model.<module>.lora_A[.<adapter>].weight}.
   *
   * <p>{@code fan_in_fan_out} describes the base layer's weight layout in PyTorch; the LoRA
   * matrices are [r, in] and [out, r] either way, and Stapes reads the layout of the base weight
   * from the graph, so the flag needs no action.
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
    Object peftType = cfg.get("peft_type");
    if (peftType instanceof String s && !s.equals("LORA")) {
      throw new InvalidAdapterException(src + ": peft_type=" + s + ", expected LORA");
    }
    if (Boolean.TRUE.equals(cfg.get("use_dora"))) {
      throw new InvalidAdapterException(
          src + ": use_dora=true is not supported (DoRA needs the weight norm)");
    }
    Object bias = cfg.get("bias");
    if (bias instanceof String s && !s.equals("none")) {
      throw new InvalidAdapterException(src + ": bias=" + s + " is not supported, expected none");
    }
    Object mts = cfg.get("modules_to_save");
    if (mts instanceof List<?> l && !l.isEmpty()) {
      throw new InvalidAdapterException(
          src + ": modules_to_save=" + l + " is not supported (full module copies)");
    }
    int r = intField(cfg, "r", 8, src);
    double alpha = numField(cfg, "lora_alpha", 8, src);
    boolean rslora = Boolean.TRUE.equals(cfg.get("use_rslora"));
    Map<String, Double> rankPattern = patterns(cfg.get("rank_pattern"), src, "rank_pattern");
    Map<String, Double> alphaPattern = patterns(cfg.get("alpha_pattern"), src, "alpha_pattern");
    Object targets = cfg.get("target_modules");

    Safetensors st = Safetensors.read(weights);
    Map<String, WeightTensor[]> pairs = new TreeMap<>();
    String adapterSuffix = null;
    for (Map.Entry<String, WeightTensor> e : st.tensors().entrySet()) {
      Matcher m = KEY.matcher(e.getKey());
      if (!m.matches()) {
        throw new InvalidAdapterException(
            weights
                + ": tensor '"
                + e.getKey()
                + "' is not a LoRA weight (expected base_model.model.<module>.lora_A.weight or lora_B)");
      }
      String suffix = m.group(3) == null ? "" : m.group(3);
      if (adapterSuffix != null && !adapterSuffix.equals(suffix)) {
        throw new InvalidAdapterException(
            weights
                + ": holds several adapters ('"
                + adapterSuffix
                + "' and '"
                + suffix
                + "'); expected one");
      }
      adapterSuffix = suffix;
      WeightTensor[] p = pairs.computeIfAbsent(m.group(1), k -> new WeightTensor[2]);
      p[m.group(2).equals("A") ? 0 : 1] = e.getValue();
    }
    if (pairs.isEmpty()) {
      throw new InvalidAdapterException(weights + ": holds no LoRA weights");
    }
    Map<String, Module> modules = new LinkedHashMap<>();
    for (Map.Entry<String, WeightTensor[]> e : pairs.entrySet()) {
      String module = e.getKey();
      WeightTensor a = e.getValue()[0];
      WeightTensor b = e.getValue()[1];
      if (a == null || b == null) {
        throw new InvalidAdapterException(
            weights
                + ": module "
                + module
                + " has lora_"
                + (a == null ? "B but no lora_A" : "A but no lora_B"));
      }
      if (targets != null && targets != Json.NULL && !targetMatches(targets, module, src)) {
        throw new InvalidAdapterException(
            weights
                + ": module "
                + module
                + " is not matched by target_modules="
                + targets
                + " of "
                + src);
      }
      int rank = (int) Math.round(match(rankPattern, module, r));
      double al = match(alphaPattern, module, alpha);
      check(weights.toString(), module, a, b, rank);
      double scale = rslora ? al / Math.sqrt(rank) : al / rank;
      modules.put(module, new Module(a, b, (float) scale));
    }
    return new LoraAdapter(
        dir.getFileName() == null ? dir.toString() : dir.getFileName().toString(), modules);
  }

  /**
   * Writes this adapter as a PEFT LoRA directory ({@code adapter_config.json} and {@code
   * adapter_model.safetensors}, F32), with {@code r} and {@code lora_alpha} from the first module
   * and {@code rank_pattern} / {@code alpha_pattern} entries for modules that differ.
   */
  public void writePeft(Path dir) throws IOException {
    Files.createDirectories(dir);
    Map<String, WeightTensor> t = new LinkedHashMap<>();
    StringBuilder ranks = new StringBuilder();
    StringBuilder alphas = new StringBuilder();
    StringBuilder targets = new StringBuilder();
    int r0 = -1;
    double a0 = 0;
    for (Map.Entry<String, Module> e : modules.entrySet()) {
      Module m = e.getValue();
      t.put("base_model.model." + e.getKey() + ".lora_A.weight", m.a());
      t.put("base_model.model." + e.getKey() + ".lora_B.weight", m.b());
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
            + "  \"fan_in_fan_out\": false\n}\n";
    Files.writeString(dir.resolve("adapter_config.json"), cfg);
    Safetensors.write(dir.resolve("adapter_model.safetensors"), t, Map.of("format", "pt"));
  }

  private static void check(String src, String module, WeightTensor a, WeightTensor b, int rank)
      throws InvalidAdapterException {
    if (a.rank() != 2 || b.rank() != 2) {
      throw new InvalidAdapterException(
          src
              + ": module "
              + module
              + " lora_A "
              + a.shapeString()
              + " and lora_B "
              + b.shapeString()
              + " must both be 2-D ([r, in] and [out, r])");
    }
    if (a.dim(0) != b.dim(1)) {
      throw new InvalidAdapterException(
          src
              + ": module "
              + module
              + " lora_A "
              + a.shapeString()
              + " has rank "
              + a.dim(0)
              + " but lora_B "
              + b.shapeString()
              + " has rank "
              + b.dim(1));
    }
    if (rank > 0 && a.dim(0) != rank) {
      throw new InvalidAdapterException(
          src
              + ": module "
              + module
              + " lora_A "
              + a.shapeString()
              + " has rank "
              + a.dim(0)
              + ", expected r="
              + rank
              + " from adapter_config.json");
    }
    int bad = a.firstNonFinite();
    if (bad >= 0 || b.firstNonFinite() >= 0) {
      String which = bad >= 0 ? "lora_A" : "lora_B";
      int at = bad >= 0 ? bad : b.firstNonFinite();
      float v = bad >= 0 ? a.data()[at] : b.data()[at];
      throw new InvalidAdapterException(
          src
              + ": module "
              + module
              + " "
              + which
              + " element "
              + at
              + " is "
              + v
              + ", expected finite values");
    }
  }

  static boolean targetMatches(Object targets, String module, String src)
      throws InvalidAdapterException {
    if (targets instanceof String regex) {
      try {
        return Pattern.compile(regex).matcher(module).matches();
      } catch (PatternSyntaxException e) {
        throw new InvalidAdapterException(
            src + ": target_modules regex '" + regex + "' is invalid: " + e.getDescription());
      }
    }
    if (targets instanceof List<?> list) {
      for (Object t : list) {
        if (t instanceof String s && (module.equals(s) || module.endsWith("." + s))) {
          return true;
        }
      }
      return false;
    }
    throw new InvalidAdapterException(
        src + ": target_modules must be a list of names or a regex string");
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
