package dev.stapes.engine.inject;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.stapes.engine.inject.internal.ModuleIndex;
import dev.stapes.engine.inject.internal.OnnxModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Parsing, module resolution, shared initializers and topological order. */
class GraphRewritingTest {
  static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"bert", "whisper"})
  void parseAndSerialiseRoundTripsExportedModelsByteForByte(String model) throws Exception {
    byte[] bytes = Files.readAllBytes(Fixtures.modelPath(model));
    assertArrayEquals(bytes, OnnxModels.parse(bytes, model).toByteArray());
  }

  @ParameterizedTest
  @ValueSource(strings = {"bert", "whisper"})
  void newNodesAreInTopologicalOrder(String model) throws Exception {
    InjectedModel m =
        Injector.builder()
            .model(Fixtures.modelPath(model))
            .task(Fixtures.task(model, "all"))
            .build();
    OnnxMl.ModelProto p = OnnxModels.parse(m.modelBytes(), model);
    Set<String> have = new HashSet<>();
    p.getGraph().getInputList().forEach(v -> have.add(v.getName()));
    p.getGraph().getInitializerList().forEach(t -> have.add(t.getName()));
    have.add("");
    for (OnnxMl.NodeProto n : p.getGraph().getNodeList()) {
      for (String in : n.getInputList()) {
        assertTrue(have.contains(in), n.getName() + " reads " + in + " before it is produced");
      }
      have.addAll(n.getOutputList());
    }
  }

  @Test
  void scopesResolveLinearInputAndOutput() throws Exception {
    OnnxMl.ModelProto p = OnnxModels.read(Fixtures.modelPath("whisper"));
    ModuleIndex idx = new ModuleIndex(p.getGraph(), null);
    ModuleIndex.Module fc1 = idx.resolve("encoder.layers.0.fc1");
    assertEquals(List.of("/encoder/layers.0/final_layer_norm/Add_1_output_0"), fc1.inputs());
    assertEquals(List.of("/encoder/layers.0/fc1/Add_output_0"), fc1.outputs());
    assertEquals(32, fc1.linear().in());
    assertEquals(64, fc1.linear().out());
    ModuleIndex.Module k = idx.resolve("encoder.layers.0.self_attn.k_proj");
    assertEquals(
        List.of("/encoder/layers.0/self_attn/k_proj/MatMul_output_0"),
        k.outputs(),
        "Linear without bias");
    ModuleIndex.Module layer = idx.resolve("encoder.layers.1");
    assertEquals(
        List.of("/encoder/layers.0/Add_2_output_0"),
        layer.inputs(),
        "merged LayerNorm weights are constants");
  }

  @Test
  void gemmWithTransposedWeightResolvesWithItsLayout() throws Exception {
    OnnxMl.ModelProto p = OnnxModels.read(Fixtures.modelPath("bert"));
    ModuleIndex.Module pooler = new ModuleIndex(p.getGraph(), null).resolve("pooler.dense");
    assertEquals(Inspection.Layout.OUT_IN, pooler.linear().layout());
    assertEquals("pooler.dense.weight", pooler.linear().weight());
  }

  /** The whisper fixture with every node renamed so that no scope is left. */
  static OnnxMl.ModelProto withoutScopes(OnnxMl.ModelProto p, Map<String, String> renamed) {
    OnnxMl.GraphProto.Builder g = p.getGraph().toBuilder();
    for (int i = 0; i < g.getNodeCount(); i++) {
      String nn = "node_" + i;
      renamed.put(g.getNode(i).getName(), nn);
      g.setNode(i, g.getNode(i).toBuilder().setName(nn));
    }
    return p.toBuilder().setGraph(g).build();
  }

  @Test
  void explicitMappingFileResolvesAGraphWithoutScopes() throws Exception {
    OnnxMl.ModelProto p = OnnxModels.read(Fixtures.modelPath("whisper"));
    Map<String, String> renamed = new LinkedHashMap<>();
    OnnxMl.ModelProto bare = withoutScopes(p, renamed);
    LoraAdapter lora = (LoraAdapter) Fixtures.adapter("whisper", "lora1");
    StringBuilder json =
        new StringBuilder("{\"format\": \"stapes.module-mapping\", \"modules\": {");
    boolean first = true;
    for (String module : lora.modules()) {
      String scope =
          "/"
              + module.replace("layers.", "layers#").replace('.', '/').replace("layers#", "layers.")
              + "/";
      List<String> nodes = new ArrayList<>();
      renamed.forEach(
          (old, nn) -> {
            if (old.startsWith(scope)) {
              nodes.add("\"" + nn + "\"");
            }
          });
      json.append(first ? "" : ",").append('"').append(module).append("\": ").append(nodes);
      first = false;
    }
    json.append("}}");
    Path f = tmp.resolve("mapping.json");
    Files.writeString(f, json);
    InvalidAdapterException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            InvalidAdapterException.class,
            () -> Injector.builder().model(bare).task(Task.of("t", lora)).build());
    assertTrue(e.getMessage().contains("pass a module mapping"), e.getMessage());
    InjectedModel m =
        Injector.builder()
            .model(bare)
            .mapping(ModuleMapping.read(f))
            .task(Task.of("lora1", lora))
            .build();
    try (InjectedSession s = m.open(ENV, new OrtSession.SessionOptions())) {
      FixtureInjectionTest.check(Fixtures.run(s, "whisper", "lora1"), "whisper", "lora1");
    }
  }

  @Test
  void initializerNamesResolveWhereWeightsKeptTheirNames() throws Exception {
    OnnxMl.ModelProto p = OnnxModels.read(Fixtures.modelPath("bert"));
    OnnxMl.ModelProto bare = withoutScopes(p, new LinkedHashMap<>());
    LoraAdapter full = (LoraAdapter) Fixtures.adapter("bert", "lora1");
    LoraAdapter pooler =
        LoraAdapter.of("pooler", Map.of("pooler.dense", full.branches().get("pooler.dense")));
    for (Injector.Mode mode : List.of(Injector.Mode.BOUND, Injector.Mode.BAKED)) {
      Map<String, Fixtures.Npy> scoped;
      Map<String, Fixtures.Npy> named;
      try (InjectedSession s =
          Injector.builder()
              .model(p)
              .mode(mode)
              .task(Task.of("t", pooler))
              .build()
              .open(ENV, new OrtSession.SessionOptions())) {
        scoped = Fixtures.run(s, "bert", "t");
      }
      try (InjectedSession s =
          Injector.builder()
              .model(bare)
              .mode(mode)
              .task(Task.of("t", pooler))
              .build()
              .open(ENV, new OrtSession.SessionOptions())) {
        named = Fixtures.run(s, "bert", "t");
      }
      assertEquals(0.0, Fixtures.maxAbsDiff(scoped.get("logits"), named.get("logits")), 1e-6);
    }
  }

  @Test
  void sharedInitializerIsClonedBeforeMerging() throws Exception {
    // Make k_proj of layer 0 read q_proj's weight, as an exporter that merged identical weights
    // would.
    OnnxMl.ModelProto p = OnnxModels.read(Fixtures.modelPath("whisper"));
    OnnxMl.GraphProto.Builder g = p.getGraph().toBuilder();
    String qWeight = null;
    for (OnnxMl.NodeProto n : g.getNodeList()) {
      if (n.getName().equals("/encoder/layers.0/self_attn/q_proj/MatMul")) {
        qWeight = n.getInput(1);
      }
    }
    for (int i = 0; i < g.getNodeCount(); i++) {
      if (g.getNode(i).getName().equals("/encoder/layers.0/self_attn/k_proj/MatMul")) {
        g.setNode(i, g.getNode(i).toBuilder().setInput(1, qWeight));
      }
    }
    OnnxMl.ModelProto shared = p.toBuilder().setGraph(g).build();
    LoraAdapter full = (LoraAdapter) Fixtures.adapter("whisper", "lora1");
    String q = "encoder.layers.0.self_attn.q_proj";
    LoraAdapter onlyQ = LoraAdapter.of("q", Map.of(q, full.branches().get(q)));
    Map<String, Fixtures.Npy> bound;
    Map<String, Fixtures.Npy> baked;
    try (InjectedSession s =
        Injector.builder()
            .model(shared)
            .task(Task.of("t", onlyQ))
            .build()
            .open(ENV, new OrtSession.SessionOptions())) {
      bound = Fixtures.run(s, "whisper", "t");
    }
    InjectedModel m =
        Injector.builder()
            .model(shared)
            .mode(Injector.Mode.BAKED)
            .task(Task.of("t", onlyQ))
            .build();
    OnnxMl.GraphProto out = OnnxModels.parse(m.modelBytes(), "m").getGraph();
    for (OnnxMl.NodeProto n : out.getNodeList()) {
      if (n.getName().equals("/encoder/layers.0/self_attn/k_proj/MatMul")) {
        assertEquals(qWeight, n.getInput(1), "k_proj still reads the original weight");
      }
      if (n.getName().equals("/encoder/layers.0/self_attn/q_proj/MatMul")) {
        assertTrue(n.getInput(1).startsWith("stapes/"), "q_proj reads a clone: " + n.getInput(1));
      }
    }
    try (InjectedSession s = m.open(ENV, new OrtSession.SessionOptions())) {
      baked = Fixtures.run(s, "whisper", "t");
    }
    assertTrue(Fixtures.maxAbsDiff(bound.get("encoder_out"), baked.get("encoder_out")) < 1e-5);
  }

  /**
   * The BERT fixture with pooler.dense as Gemm transB=0 (weight [in, out]) and alpha=0.5 (weight
   * doubled).
   */
  static OnnxMl.ModelProto gemmVariant(OnnxMl.ModelProto p) throws Exception {
    OnnxMl.GraphProto.Builder g = p.getGraph().toBuilder();
    for (int i = 0; i < g.getInitializerCount(); i++) {
      if (g.getInitializer(i).getName().equals("pooler.dense.weight")) {
        WeightTensor w = OnnxModels.toWeights(g.getInitializer(i)).transpose();
        float[] d = w.data();
        for (int k = 0; k < d.length; k++) {
          d[k] *= 2f;
        }
        g.setInitializer(i, OnnxModels.floatTensor("pooler.dense.weight", w));
      }
    }
    for (int i = 0; i < g.getNodeCount(); i++) {
      OnnxMl.NodeProto n = g.getNode(i);
      if (n.getOpType().equals("Gemm")) {
        OnnxMl.NodeProto.Builder b = n.toBuilder().clearAttribute();
        b.addAttribute(
            OnnxMl.AttributeProto.newBuilder()
                .setName("alpha")
                .setType(OnnxMl.AttributeProto.AttributeType.FLOAT)
                .setF(0.5f));
        b.addAttribute(
            OnnxMl.AttributeProto.newBuilder()
                .setName("beta")
                .setType(OnnxMl.AttributeProto.AttributeType.FLOAT)
                .setF(1f));
        b.addAttribute(
            OnnxMl.AttributeProto.newBuilder()
                .setName("transB")
                .setType(OnnxMl.AttributeProto.AttributeType.INT)
                .setI(0));
        g.setNode(i, b);
      }
    }
    return p.toBuilder().setGraph(g).build();
  }

  @Test
  void gemmWithoutTransposeAndWithAlphaMergesInItsLayout() throws Exception {
    OnnxMl.ModelProto v = gemmVariant(OnnxModels.read(Fixtures.modelPath("bert")));
    assertEquals(
        Inspection.Layout.IN_OUT,
        new ModuleIndex(v.getGraph(), null).resolve("pooler.dense").linear().layout());
    Task t = Fixtures.task("bert", "lora1");
    for (Injector.Mode mode : List.of(Injector.Mode.BOUND, Injector.Mode.BAKED)) {
      try (InjectedSession s =
          Injector.builder()
              .model(v)
              .mode(mode)
              .task(t)
              .build()
              .open(ENV, new OrtSession.SessionOptions())) {
        FixtureInjectionTest.check(Fixtures.run(s, "bert", "lora1"), "bert", "lora1");
      }
    }
  }

  @Test
  void prefixMappingAppliesAnAdapterTrainedOnAWrappingModel() throws Exception {
    LoraAdapter lora = (LoraAdapter) Fixtures.adapter("whisper", "lora1");
    Map<String, LoraAdapter.Module> wrapped = new LinkedHashMap<>();
    lora.branches().forEach((k, v) -> wrapped.put("model." + k, v));
    LoraAdapter hf = LoraAdapter.of("lora1", wrapped);
    InvalidAdapterException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            InvalidAdapterException.class,
            () ->
                Injector.builder()
                    .model(Fixtures.modelPath("whisper"))
                    .task(Task.of("t", hf))
                    .build());
    assertTrue(e.getMessage().contains("{\"prefixes\": {\"model.\": \"\"}}"), e.getMessage());
    Path f = tmp.resolve("prefixes.json");
    Files.writeString(
        f, "{\"format\": \"stapes.module-mapping\", \"prefixes\": {\"model.\": \"\"}}");
    for (ModuleMapping mapping :
        List.of(ModuleMapping.ofPrefixes(Map.of("model.", "")), ModuleMapping.read(f))) {
      InjectedModel m =
          Injector.builder()
              .model(Fixtures.modelPath("whisper"))
              .mapping(mapping)
              .task(Task.of("lora1", hf))
              .build();
      try (InjectedSession s = m.open(ENV, new OrtSession.SessionOptions())) {
        FixtureInjectionTest.check(Fixtures.run(s, "whisper", "lora1"), "whisper", "lora1");
      }
    }
  }
}
