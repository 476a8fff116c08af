package dev.stapes.models.kws;

import ai.onnx.proto.OnnxMl;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.StreamSpec;
import dev.stapes.models.ModelCatalog;
import dev.stapes.store.ModelStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * KWT-1, the Keyword Transformer (ARM-software/keyword-transformer, Apache-2.0), as Stapes serves
 * it: the TFLite file from the model store, imported to ONNX once and cached. Entry point for
 * pipelines and benchmarks.
 *
 * <p>Input {@value #INPUT}: {@code [1, 16000]} float32, one second of 16 kHz audio in [-1, 1]
 * (feature extraction is inside the graph). Output {@value #OUTPUT}: {@code [1, 12]} logits in
 * {@link KeywordSpotter#LABELS} order.
 */
public final class Kwt1 {

  /** The model's input name (kept from TFLite). */
  public static final String INPUT = "input_1";

  /** The model's output name (kept from TFLite). */
  public static final String OUTPUT = "sequential_12/dense_73/BiasAdd";

  /**
   * Class-path resource of the module mapping of the imported graph ({@code stapes.module-mapping}
   * JSON): PyTorch-style names for KWT-1's linear layers.
   */
  public static final String MODULES_RESOURCE = "/dev/stapes/models/kws/kwt1.modules.json";

  private static final Pattern BLOCK_DENSE =
      Pattern.compile(
          "kws_transformer/transformer_block(?:_(\\d+))?/"
              + "(multi_head_self_attention|sequential)(?:_\\d+)?/dense_(\\d+)/Tensordot/MatMul");
  private static final String[] ATTENTION = {"q_proj", "k_proj", "v_proj", "out_proj"};
  private static final String[] MLP = {"fc1", "fc2"};

  private Kwt1() {}

  /**
   * The committed module mapping as an injection {@link dev.stapes.engine.inject.ModuleMapping}:
   * {@code blocks.<i>.attn.q_proj|k_proj|v_proj|out_proj} and {@code blocks.<i>.mlp.fc1|fc2}.
   */
  public static dev.stapes.engine.inject.ModuleMapping injectionMapping() throws IOException {
    Path tmp = java.nio.file.Files.createTempFile("kwt1-modules", ".json");
    try {
      java.nio.file.Files.writeString(tmp, moduleMappingJson(), StandardCharsets.UTF_8);
      return dev.stapes.engine.inject.ModuleMapping.read(tmp);
    } finally {
      java.nio.file.Files.deleteIfExists(tmp);
    }
  }

  /** The committed module mapping (see {@link #MODULES_RESOURCE}) as JSON text. */
  public static String moduleMappingJson() throws IOException {
    try (InputStream in = Kwt1.class.getResourceAsStream(MODULES_RESOURCE)) {
      if (in == null) {
        throw new IOException("resource " + MODULES_RESOURCE + " missing from the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * Derives the module mapping from the imported graph: for each of the 12 blocks, {@code
   * blocks.<i>.attn.q_proj}, {@code k_proj}, {@code v_proj}, {@code out_proj} (the query, key,
   * value and output projections) and {@code blocks.<i>.mlp.fc1}, {@code fc2}, each mapped to the
   * nodes of its FULLY_CONNECTED operator (reshape, MatMul, bias add). Layers are recognised by
   * their weights' TFLite names ({@code
   * kws_transformer/transformer_block_<i>/multi_head_self_attention_<i>/dense_<n>/Tensordot/MatMul}),
   * ordered by {@code n} within a block.
   */
  public static Map<String, List<String>> moduleMapping(OnnxMl.GraphProto graph) {
    // block -> kind -> dense index -> FC base name
    Map<Integer, Map<String, TreeMap<Integer, String>>> found = new TreeMap<>();
    for (OnnxMl.NodeProto n : graph.getNodeList()) {
      if (!n.getOpType().equals("MatMul") || n.getInputCount() != 2) {
        continue;
      }
      Matcher m = BLOCK_DENSE.matcher(n.getInput(1));
      if (!m.matches()) {
        continue;
      }
      int block = m.group(1) == null ? 0 : Integer.parseInt(m.group(1));
      String kind = m.group(2).startsWith("multi") ? "attn" : "mlp";
      int dense = Integer.parseInt(m.group(3));
      String base =
          n.getName().endsWith("/MatMul")
              ? n.getName().substring(0, n.getName().length() - 7)
              : n.getName();
      found
          .computeIfAbsent(block, k -> new TreeMap<>())
          .computeIfAbsent(kind, k -> new TreeMap<>())
          .put(dense, base);
    }
    Map<String, List<String>> modules = new LinkedHashMap<>();
    for (Map.Entry<Integer, Map<String, TreeMap<Integer, String>>> b : found.entrySet()) {
      for (String kind : new String[] {"attn", "mlp"}) {
        TreeMap<Integer, String> layers = b.getValue().get(kind);
        String[] roles = kind.equals("attn") ? ATTENTION : MLP;
        if (layers == null || layers.size() != roles.length) {
          throw new IllegalArgumentException(
              "block "
                  + b.getKey()
                  + ": "
                  + (layers == null ? 0 : layers.size())
                  + " "
                  + kind
                  + " layers, expected "
                  + roles.length
                  + " (is this KWT-1 imported from TFLite?)");
        }
        int r = 0;
        for (String base : layers.values()) {
          List<String> nodes = new ArrayList<>();
          for (OnnxMl.NodeProto n : graph.getNodeList()) {
            if (n.getName().equals(base) || n.getName().startsWith(base + "/")) {
              nodes.add(n.getName());
            }
          }
          modules.put("blocks." + b.getKey() + "." + kind + "." + roles[r++], nodes);
        }
      }
    }
    return modules;
  }

  /** The mapping as {@code stapes.module-mapping} JSON, one module per line. */
  public static String moduleMappingJson(Map<String, List<String>> modules) {
    StringBuilder sb =
        new StringBuilder("{\"format\": \"stapes.module-mapping\",\n \"modules\": {\n");
    int i = 0;
    for (Map.Entry<String, List<String>> e : modules.entrySet()) {
      sb.append("  \"").append(e.getKey()).append("\": [");
      for (int j = 0; j < e.getValue().size(); j++) {
        sb.append(j == 0 ? "" : ", ")
            .append('"')
            .append(e.getValue().get(j).replace("\\", "\\\\").replace("\"", "\\\""))
            .append('"');
      }
      sb.append(']').append(++i < modules.size() ? ",\n" : "\n");
    }
    return sb.append(" }}\n").toString();
  }

  /** The imported ONNX file, fetched and imported on first use. */
  public static Path onnx(ModelStore store) throws IOException {
    return store.onnx(ModelCatalog.KWT1);
  }

  /** Single-threaded session options (intra- and inter-op threads 1), as the CLI uses. */
  public static SessionOptions singleThreaded() {
    return SessionOptions.builder().optIntraOpThreads(1).optInterOpThreads(1).build();
  }

  /**
   * The streaming contract of KWT-1 for one window every {@code hopSamples}: chunks of one hop,
   * {@code 16000 - hopSamples} samples of context carried.
   */
  public static StreamSpec streamSpec(int hopSamples) {
    if (hopSamples < 1 || hopSamples > KwsOptions.WINDOW_SAMPLES) {
      throw new IllegalArgumentException(
          "hopSamples=" + hopSamples + ", expected 1.." + KwsOptions.WINDOW_SAMPLES);
    }
    return StreamSpec.builder()
        .setAudioInput(INPUT)
        .setChunkSamples(hopSamples)
        .optContextSamples(KwsOptions.WINDOW_SAMPLES - hopSamples)
        .optAudioShape(1, KwsOptions.WINDOW_SAMPLES)
        .addOutput(OUTPUT)
        .optSampleRate(KwsOptions.SAMPLE_RATE)
        .build();
  }
}
