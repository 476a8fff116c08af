package dev.stapes.engine.inject;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Task embeddings that change a module's input: a head mix {@code x'_h = (1 - a_h) x_h + a_h e_h}
 * per head (heads are contiguous slices of Dh along the last axis), an offset {@code x' = x + v},
 * or task tokens concatenated before the sequence ({@code [n, D]} rows prepended along axis 1).
 *
 * <p>File format: one safetensors file with, per module, {@code <module>.head_alpha} [H] and {@code
 * <module>.head_embedding} [H, Dh], or {@code <module>.offset} [D], or {@code <module>.token} [n,
 * D]; metadata {@code format=stapes.task-embedding}. On one module the head mix applies first, then
 * the offset, then the tokens.
 */
public final class TaskEmbedding implements Adapter {
  /** The metadata {@code format} value. */
  public static final String FORMAT = "stapes.task-embedding";

  /** A head mix: alpha [H], embedding [H, Dh]. */
  public record HeadMix(WeightTensor alpha, WeightTensor embedding) {
    /** Heads. */
    public int heads() {
      return (int) alpha.dim(0);
    }

    /** Width D = H * Dh of the module input. */
    public int width() {
      return (int) (embedding.dim(0) * embedding.dim(1));
    }
  }

  private final String name;
  private final Map<String, HeadMix> headMix;
  private final Map<String, WeightTensor> offsets;
  private final Map<String, WeightTensor> tokens;

  private TaskEmbedding(
      String name,
      Map<String, HeadMix> headMix,
      Map<String, WeightTensor> offsets,
      Map<String, WeightTensor> tokens) {
    this.name = name;
    this.headMix = Collections.unmodifiableMap(new LinkedHashMap<>(headMix));
    this.offsets = Collections.unmodifiableMap(new LinkedHashMap<>(offsets));
    this.tokens = Collections.unmodifiableMap(new LinkedHashMap<>(tokens));
  }

  /** A task embedding from tensors in memory; checks shapes and finiteness. */
  public static TaskEmbedding of(
      String name,
      Map<String, HeadMix> headMix,
      Map<String, WeightTensor> offsets,
      Map<String, WeightTensor> tokens)
      throws InvalidAdapterException {
    for (Map.Entry<String, HeadMix> e : headMix.entrySet()) {
      HeadMix h = e.getValue();
      if (h.alpha().rank() != 1
          || h.embedding().rank() != 2
          || h.embedding().dim(0) != h.alpha().dim(0)) {
        throw new InvalidAdapterException(
            name
                + ": module "
                + e.getKey()
                + " head_alpha "
                + h.alpha().shapeString()
                + " and head_embedding "
                + h.embedding().shapeString()
                + " must be [H] and [H, Dh]");
      }
      finite(name, e.getKey() + ".head_alpha", h.alpha());
      finite(name, e.getKey() + ".head_embedding", h.embedding());
    }
    for (Map.Entry<String, WeightTensor> e : offsets.entrySet()) {
      if (e.getValue().rank() != 1) {
        throw new InvalidAdapterException(
            name
                + ": module "
                + e.getKey()
                + " offset is "
                + e.getValue().shapeString()
                + ", expected [D]");
      }
      finite(name, e.getKey() + ".offset", e.getValue());
    }
    for (Map.Entry<String, WeightTensor> e : tokens.entrySet()) {
      if (e.getValue().rank() != 2 && e.getValue().rank() != 1) {
        throw new InvalidAdapterException(
            name
                + ": module "
                + e.getKey()
                + " token is "
                + e.getValue().shapeString()
                + ", expected [n, D] or [D]");
      }
      finite(name, e.getKey() + ".token", e.getValue());
    }
    Map<String, WeightTensor> tok = new LinkedHashMap<>();
    for (Map.Entry<String, WeightTensor> e : tokens.entrySet()) {
      WeightTensor t = e.getValue();
      tok.put(e.getKey(), t.rank() == 1 ? t.reshape(1, t.dim(0)) : t);
    }
    return new TaskEmbedding(name, headMix, offsets, tok);
  }

  private static void finite(String src, String what, WeightTensor t)
      throws InvalidAdapterException {
    int bad = t.firstNonFinite();
    if (bad >= 0) {
      throw new InvalidAdapterException(
          src
              + ": "
              + what
              + " element "
              + bad
              + " is "
              + t.data()[bad]
              + ", expected finite values");
    }
  }

  /** Reads a Stapes task-embedding safetensors file. */
  public static TaskEmbedding read(Path file) throws IOException {
    Safetensors st = Safetensors.read(file);
    String src = file.toString();
    if (!FORMAT.equals(st.metadata().get("format"))) {
      throw new InvalidAdapterException(Safetensors.formatMismatch(src, st.metadata(), FORMAT));
    }
    Map<String, WeightTensor> alphas = new LinkedHashMap<>();
    Map<String, WeightTensor> embs = new LinkedHashMap<>();
    Map<String, WeightTensor> offsets = new LinkedHashMap<>();
    Map<String, WeightTensor> tokens = new LinkedHashMap<>();
    for (Map.Entry<String, WeightTensor> e : st.tensors().entrySet()) {
      String k = e.getKey();
      int dot = k.lastIndexOf('.');
      String module = dot < 0 ? "" : k.substring(0, dot);
      String kind = k.substring(dot + 1);
      Map<String, WeightTensor> into =
          switch (kind) {
            case "head_alpha" -> alphas;
            case "head_embedding" -> embs;
            case "offset" -> offsets;
            case "token" -> tokens;
            default -> null;
          };
      if (into == null || module.isEmpty()) {
        throw new InvalidAdapterException(
            src
                + ": tensor '"
                + k
                + "' is not <module>.head_alpha, .head_embedding, .offset or .token");
      }
      into.put(module, e.getValue());
    }
    Set<String> all = new TreeSet<>(alphas.keySet());
    all.addAll(embs.keySet());
    Map<String, HeadMix> mix = new LinkedHashMap<>();
    for (String m : all) {
      if (!alphas.containsKey(m) || !embs.containsKey(m)) {
        throw new InvalidAdapterException(
            src
                + ": module "
                + m
                + " has "
                + (alphas.containsKey(m)
                    ? "head_alpha but no head_embedding"
                    : "head_embedding but no head_alpha"));
      }
      mix.put(m, new HeadMix(alphas.get(m), embs.get(m)));
    }
    String fn = file.getFileName() == null ? src : file.getFileName().toString();
    return of(fn.replaceFirst("\\.safetensors$", ""), mix, offsets, tokens);
  }

  /** The same weights under another name (to tell two adapters of one name apart). */
  public TaskEmbedding withName(String newName) {
    return new TaskEmbedding(newName, headMix, offsets, tokens);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Set<String> modules() {
    Set<String> s = new TreeSet<>(headMix.keySet());
    s.addAll(offsets.keySet());
    s.addAll(tokens.keySet());
    return s;
  }

  /** Head mixes by module. */
  public Map<String, HeadMix> headMixes() {
    return headMix;
  }

  /** Offsets by module. */
  public Map<String, WeightTensor> offsets() {
    return offsets;
  }

  /** Tokens [n, D] by module. */
  public Map<String, WeightTensor> tokens() {
    return tokens;
  }

  @Override
  public String toString() {
    return "TaskEmbedding[name="
        + name
        + ", headMix="
        + headMix.keySet()
        + ", offsets="
        + offsets.keySet()
        + ", tokens="
        + tokens.keySet()
        + "]";
  }
}
