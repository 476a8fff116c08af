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

/**
 * An explicit map from PyTorch module names to graph nodes, for graphs whose node names carry no
 * PyTorch scopes (models converted from TFLite, graphs renamed by optimisers).
 *
 * <p>File format (JSON):
 *
 * <pre>{@code
 * {"format": "stapes.module-mapping",
 *  "modules": {
 *    "blocks.0.attn.qkv": ["model/dense/MatMul", "model/dense/BiasAdd"],
 *    "blocks.0.mlp.fc1": "model/dense_1/"
 *  }}
 * }</pre>
 *
 * A value is a node name, a list of node names, or a prefix ending in {@code /} or {@code *} that
 * takes every node whose name starts with it. An optional {@code "prefixes"} object renames
 * module-name prefixes before the graph is searched: {@code {"model.encoder.": ""}} applies an
 * adapter trained on a whole model to an export of its encoder alone. The module's input and output
 * follow from the nodes as for scopes: the input is the tensor consumed by those nodes and produced
 * elsewhere, the output the tensor they produce that is consumed elsewhere or is a graph output.
 */
public final class ModuleMapping {
  /** The optional {@code format} value. */
  public static final String FORMAT = "stapes.module-mapping";

  private final Map<String, List<String>> modules;
  private final Map<String, String> prefixes;

  private ModuleMapping(Map<String, List<String>> modules, Map<String, String> prefixes) {
    this.modules = Collections.unmodifiableMap(modules);
    this.prefixes = Collections.unmodifiableMap(prefixes);
  }

  /**
   * A mapping that renames module-name prefixes: a module whose name starts with a key is looked up
   * with that prefix replaced by the value (e.g. {@code "model.encoder." -> ""} for an adapter
   * trained on a whole Hugging Face model applied to an export of its encoder).
   */
  public static ModuleMapping ofPrefixes(Map<String, String> prefixes) {
    return new ModuleMapping(Map.of(), new LinkedHashMap<>(prefixes));
  }

  /** Prefix renames, in the order they are tried. */
  public Map<String, String> prefixes() {
    return prefixes;
  }

  /** A mapping from module names to node names or prefixes. */
  public static ModuleMapping of(Map<String, List<String>> modules) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    for (Map.Entry<String, List<String>> e : modules.entrySet()) {
      if (e.getValue().isEmpty()) {
        throw new IllegalArgumentException("module " + e.getKey() + " maps to no nodes");
      }
      m.put(e.getKey(), List.copyOf(e.getValue()));
    }
    return new ModuleMapping(m, Map.of());
  }

  /** An empty mapping. */
  public static ModuleMapping empty() {
    return new ModuleMapping(Map.of(), Map.of());
  }

  /** Reads a mapping file. */
  public static ModuleMapping read(Path file) throws IOException {
    Object o;
    try {
      o = Json.parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw new InvalidAdapterException(file + ": " + e.getMessage());
    }
    if (!(o instanceof Map<?, ?> root)) {
      throw new InvalidAdapterException(file + ": not a JSON object");
    }
    Object fmt = root.get("format");
    if (fmt != null && !FORMAT.equals(fmt)) {
      throw new InvalidAdapterException(file + ": format=" + fmt + ", expected " + FORMAT);
    }
    Map<String, String> prefixes = new LinkedHashMap<>();
    if (root.get("prefixes") instanceof Map<?, ?> pm) {
      for (Map.Entry<?, ?> e : pm.entrySet()) {
        if (!(e.getValue() instanceof String v)) {
          throw new InvalidAdapterException(
              file + ": prefix " + e.getKey() + " must map to a string");
        }
        prefixes.put((String) e.getKey(), v);
      }
    } else if (root.containsKey("prefixes")) {
      throw new InvalidAdapterException(file + ": \"prefixes\" must be an object");
    }
    Object modsObj = root.containsKey("modules") ? root.get("modules") : Map.of();
    if (!(modsObj instanceof Map<?, ?> mods)) {
      throw new InvalidAdapterException(file + ": \"modules\" must be an object");
    }
    if (mods.isEmpty() && prefixes.isEmpty()) {
      throw new InvalidAdapterException(
          file + ": neither \"modules\" nor \"prefixes\" maps anything");
    }
    Map<String, List<String>> m = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : mods.entrySet()) {
      List<String> nodes = new ArrayList<>();
      if (e.getValue() instanceof String s) {
        nodes.add(s);
      } else if (e.getValue() instanceof List<?> l) {
        for (Object v : l) {
          if (!(v instanceof String s)) {
            throw new InvalidAdapterException(
                file + ": module " + e.getKey() + " lists a non-string node " + v);
          }
          nodes.add(s);
        }
      } else {
        throw new InvalidAdapterException(
            file + ": module " + e.getKey() + " must map to a node name or a list of names");
      }
      if (nodes.isEmpty()) {
        throw new InvalidAdapterException(file + ": module " + e.getKey() + " maps to no nodes");
      }
      m.put((String) e.getKey(), nodes);
    }
    return new ModuleMapping(m, prefixes);
  }

  /** Module names in this mapping. */
  public Set<String> modules() {
    return modules.keySet();
  }

  /** The node names or prefixes of {@code module}, or null. */
  public List<String> nodes(String module) {
    return modules.get(module);
  }

  @Override
  public String toString() {
    return "ModuleMapping[modules=" + modules + ", prefixes=" + prefixes + "]";
  }
}
