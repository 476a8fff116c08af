package dev.stapes.engine.inject;

import dev.stapes.engine.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Bottleneck adapters (Houlsby / Pfeiffer): {@code y' = y + s * up(f(down(z)))} with {@code z = y}
 * (sequential) or {@code z = x} (parallel) and {@code f} ReLU or GELU (exact, erf-based).
 *
 * <p>File format: one safetensors file with {@code <module>.adapter_down.weight} [r, d], {@code
 * <module>.adapter_down.bias} [r], {@code <module>.adapter_up.weight} [out, r], {@code
 * <module>.adapter_up.bias} [out]; metadata {@code format=stapes.bottleneck-adapter}, {@code
 * activation}, {@code scale} and {@code placement} (a JSON object from module to {@code sequential}
 * or {@code parallel}).
 */
public final class BottleneckAdapter implements Adapter {
  /** The metadata {@code format} value. */
  public static final String FORMAT = "stapes.bottleneck-adapter";

  /** Where the bottleneck reads: the module output (sequential) or its input (parallel). */
  public enum Placement {
    SEQUENTIAL,
    PARALLEL
  }

  /** The nonlinearity between down and up projections. */
  public enum Activation {
    RELU,
    GELU
  }

  /** One module's bottleneck: down [r, d] with bias [r], up [out, r] with bias [out]. */
  public record Module(
      Placement placement,
      WeightTensor downWeight,
      WeightTensor downBias,
      WeightTensor upWeight,
      WeightTensor upBias) {
    /** The bottleneck width r. */
    public int rank() {
      return (int) downWeight.dim(0);
    }

    /** d: the width of what the bottleneck reads. */
    public int in() {
      return (int) downWeight.dim(1);
    }

    /** out: the module's output width. */
    public int out() {
      return (int) upWeight.dim(0);
    }
  }

  private final String name;
  private final Activation activation;
  private final float scale;
  private final Map<String, Module> modules;

  private BottleneckAdapter(
      String name, Activation activation, float scale, Map<String, Module> modules) {
    this.name = name;
    this.activation = activation;
    this.scale = scale;
    this.modules = Collections.unmodifiableMap(new LinkedHashMap<>(modules));
  }

  /** An adapter from weights in memory; checks shapes and finiteness. */
  public static BottleneckAdapter of(
      String name, Activation activation, float scale, Map<String, Module> modules)
      throws InvalidAdapterException {
    if (!Float.isFinite(scale)) {
      throw new InvalidAdapterException(name + ": scale=" + scale + " is not finite");
    }
    for (Map.Entry<String, Module> e : modules.entrySet()) {
      check(name, e.getKey(), e.getValue());
    }
    return new BottleneckAdapter(name, activation, scale, modules);
  }

  /** The same weights under another name (to tell two adapters of one name apart). */
  public BottleneckAdapter withName(String newName) {
    return new BottleneckAdapter(newName, activation, scale, modules);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Set<String> modules() {
    return modules.keySet();
  }

  /** The activation. */
  public Activation activation() {
    return activation;
  }

  /** The scale s. */
  public float scale() {
    return scale;
  }

  /** Bottlenecks by module. */
  public Map<String, Module> bottlenecks() {
    return modules;
  }

  /** Reads a Stapes bottleneck-adapter safetensors file. */
  public static BottleneckAdapter read(Path file) throws IOException {
    Safetensors st = Safetensors.read(file);
    String src = file.toString();
    Map<String, String> meta = st.metadata();
    if (!FORMAT.equals(meta.get("format"))) {
      throw new InvalidAdapterException(Safetensors.formatMismatch(src, meta, FORMAT));
    }
    String act = meta.getOrDefault("activation", "relu").toLowerCase(Locale.ROOT);
    Activation activation =
        switch (act) {
          case "relu" -> Activation.RELU;
          case "gelu" -> Activation.GELU;
          default ->
              throw new InvalidAdapterException(
                  src + ": activation=" + act + ", expected one of [relu, gelu]");
        };
    float scale;
    try {
      scale = Float.parseFloat(meta.getOrDefault("scale", "1.0"));
    } catch (NumberFormatException e) {
      throw new InvalidAdapterException(src + ": scale=" + meta.get("scale") + " is not a number");
    }
    if (!Float.isFinite(scale)) {
      throw new InvalidAdapterException(src + ": scale=" + scale + " is not finite");
    }
    String placementJson = meta.get("placement");
    if (placementJson == null) {
      throw new InvalidAdapterException(
          src
              + ": metadata has no placement (a JSON object from module to sequential or parallel)");
    }
    Object p;
    try {
      p = Json.parse(placementJson);
    } catch (IllegalArgumentException e) {
      throw new InvalidAdapterException(src + ": placement: " + e.getMessage());
    }
    if (!(p instanceof Map<?, ?> placement) || placement.isEmpty()) {
      throw new InvalidAdapterException(src + ": placement must be a non-empty JSON object");
    }
    Map<String, WeightTensor> t = new LinkedHashMap<>(st.tensors());
    Map<String, Module> modules = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : placement.entrySet()) {
      String module = (String) e.getKey();
      Placement where =
          switch (String.valueOf(e.getValue()).toLowerCase(Locale.ROOT)) {
            case "sequential" -> Placement.SEQUENTIAL;
            case "parallel" -> Placement.PARALLEL;
            default ->
                throw new InvalidAdapterException(
                    src
                        + ": placement of "
                        + module
                        + " is "
                        + e.getValue()
                        + ", expected sequential or parallel");
          };
      WeightTensor dw = take(t, module + ".adapter_down.weight", src);
      WeightTensor uw = take(t, module + ".adapter_up.weight", src);
      WeightTensor db = t.remove(module + ".adapter_down.bias");
      WeightTensor ub = t.remove(module + ".adapter_up.bias");
      if (dw.rank() != 2 || uw.rank() != 2) {
        throw new InvalidAdapterException(
            src
                + ": module "
                + module
                + " adapter_down.weight "
                + dw.shapeString()
                + " and adapter_up.weight "
                + uw.shapeString()
                + " must be 2-D");
      }
      if (db == null) {
        db = WeightTensor.filled(0f, dw.dim(0));
      }
      if (ub == null) {
        ub = WeightTensor.filled(0f, uw.dim(0));
      }
      Module m = new Module(where, dw, db, uw, ub);
      check(src, module, m);
      modules.put(module, m);
    }
    if (!t.isEmpty()) {
      throw new InvalidAdapterException(
          src
              + ": tensors "
              + t.keySet()
              + " belong to no module in placement "
              + placement.keySet());
    }
    String fn = file.getFileName() == null ? src : file.getFileName().toString();
    return new BottleneckAdapter(
        fn.replaceFirst("\\.safetensors$", ""), activation, scale, modules);
  }

  private static WeightTensor take(Map<String, WeightTensor> t, String key, String src)
      throws InvalidAdapterException {
    WeightTensor w = t.remove(key);
    if (w == null) {
      throw new InvalidAdapterException(src + ": missing tensor '" + key + "'");
    }
    return w;
  }

  private static void check(String src, String module, Module m) throws InvalidAdapterException {
    long r = m.downWeight().dim(0);
    if (m.downBias().rank() != 1 || m.downBias().dim(0) != r) {
      throw new InvalidAdapterException(
          src
              + ": module "
              + module
              + " adapter_down.bias is "
              + m.downBias().shapeString()
              + ", expected ["
              + r
              + "]");
    }
    if (m.upWeight().dim(1) != r) {
      throw new InvalidAdapterException(
          src
              + ": module "
              + module
              + " adapter_up.weight is "
              + m.upWeight().shapeString()
              + ", expected [out, "
              + r
              + "] to match adapter_down.weight "
              + m.downWeight().shapeString());
    }
    if (m.upBias().rank() != 1 || m.upBias().dim(0) != m.upWeight().dim(0)) {
      throw new InvalidAdapterException(
          src
              + ": module "
              + module
              + " adapter_up.bias is "
              + m.upBias().shapeString()
              + ", expected ["
              + m.upWeight().dim(0)
              + "]");
    }
    for (WeightTensor w :
        new WeightTensor[] {m.downWeight(), m.downBias(), m.upWeight(), m.upBias()}) {
      int bad = w.firstNonFinite();
      if (bad >= 0) {
        throw new InvalidAdapterException(
            src
                + ": module "
                + module
                + " has a non-finite weight ("
                + w.data()[bad]
                + " at element "
                + bad
                + ")");
      }
    }
  }

  @Override
  public String toString() {
    return "BottleneckAdapter[name="
        + name
        + ", activation="
        + activation
        + ", scale="
        + scale
        + ", modules="
        + modules.keySet()
        + "]";
  }
}
