package dev.stapes.engine.inject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import dev.stapes.engine.Json;
import dev.stapes.engine.inject.internal.ModuleIndex;
import dev.stapes.engine.inject.internal.OnnxModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * PEFT config fields Stapes cannot honour are refused by name; module resolution refuses to guess;
 * shared initializers are never changed in place; {@link Inspection} explains where entries land.
 */
class PeftConfigTest {
  static final Path PEFT = PeftFixtureTest.DIR;

  /** A copy of a fixture adapter with one config field set (a JSON value). */
  static Path withField(Path tmp, String adapter, String field, String json) throws IOException {
    Path src = PEFT.resolve("adapters").resolve(adapter);
    Path dst = tmp.resolve(adapter + "-" + field);
    Files.createDirectories(dst);
    Files.copy(src.resolve("adapter_model.safetensors"), dst.resolve("adapter_model.safetensors"));
    Map<String, Object> cfg =
        new LinkedHashMap<>(
            (Map<String, Object>) Json.parse(Files.readString(src.resolve("adapter_config.json"))));
    cfg.put(field, Json.parse(json));
    StringBuilder b = new StringBuilder("{");
    for (Map.Entry<String, Object> e : cfg.entrySet()) {
      b.append(b.length() == 1 ? "" : ", ").append(Json.quote(e.getKey())).append(": ");
      b.append(e.getKey().equals(field) ? json : toJson(e.getValue()));
    }
    Files.writeString(dst.resolve("adapter_config.json"), b.append('}').toString());
    return dst;
  }

  static String toJson(Object v) {
    if (v == null || v == Json.NULL) {
      return "null";
    }
    if (v instanceof String s) {
      return Json.quote(s);
    }
    if (v instanceof List<?> l) {
      StringBuilder b = new StringBuilder("[");
      for (Object o : l) {
        b.append(b.length() == 1 ? "" : ", ").append(toJson(o));
      }
      return b.append(']').toString();
    }
    if (v instanceof Map<?, ?> m) {
      StringBuilder b = new StringBuilder("{");
      for (Map.Entry<?, ?> e : m.entrySet()) {
        b.append(b.length() == 1 ? "" : ", ")
            .append(Json.quote(String.valueOf(e.getKey())))
            .append(": ")
            .append(toJson(e.getValue()));
      }
      return b.append('}').toString();
    }
    return String.valueOf(v);
  }

  static Stream<Arguments> refusedFields() {
    return Stream.of(
        Arguments.of("use_qalora", "true", "use_qalora"),
        Arguments.of("layer_replication", "[[0, 1]]", "layer_replication"),
        Arguments.of("trainable_token_indices", "[1, 2]", "trainable_token_indices"),
        Arguments.of("target_parameters", "[\"fc1.weight\"]", "target_parameters"),
        Arguments.of("loftq_config", "{\"loftq_bits\": 4}", "loftq_config"),
        Arguments.of("a_field_of_a_newer_peft", "{\"x\": 1}", "a_field_of_a_newer_peft"),
        Arguments.of("init_lora_weights", "\"pissa\"", "init_lora_weights=pissa"),
        Arguments.of("bias", "\"some\"", "bias=some"),
        Arguments.of("layers_pattern", "\"layers\"", "layers_pattern"),
        Arguments.of("target_modules", "\"fc1|(\"", "target_modules regex"),
        Arguments.of("target_modules", "[\"q_proj\"]", "is not matched by target_modules"),
        Arguments.of("exclude_modules", "[\"fc1\"]", "exclude_modules"),
        Arguments.of("layers_to_transform", "[5]", "layers_to_transform=[5]"),
        Arguments.of("use_dora", "false", "use_dora=false"),
        Arguments.of("modules_to_save", "null", "not a module of modules_to_save"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("refusedFields")
  void aFieldStapesCannotHonourIsRefusedByName(
      String field, String value, String expected, @TempDir Path tmp) throws IOException {
    Path dir = withField(tmp, "container_dora_head", field, value);
    InvalidAdapterException e =
        assertThrows(InvalidAdapterException.class, () -> LoraAdapter.readPeft(dir));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
  }

  @Test
  void fieldsThatChangeNothingAtInferenceAreAccepted(@TempDir Path tmp) throws IOException {
    Path dir = withField(tmp, "container_dora_head", "lora_dropout", "0.3");
    assertEquals(8, LoraAdapter.readPeft(dir).branches().size());
    dir = withField(tmp, "container_task_a", "init_lora_weights", "\"gaussian\"");
    LoraAdapter a = LoraAdapter.readPeft(dir);
    assertTrue(
        a.replacements().containsKey("classifier.weight"), a.replacements().keySet().toString());
  }

  /** Two modules whose containers never ran share TorchScript scope {@code layers.0.q}. */
  static OnnxMl.GraphProto twoModulesInOneScope() {
    OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("g");
    WeightTensor w = WeightTensor.filled(0.5f, 4, 4);
    WeightTensor bias = WeightTensor.filled(0.1f, 4);
    g.addInitializer(OnnxModels.floatTensor("onnx::MatMul_1", w));
    g.addInitializer(OnnxModels.floatTensor("onnx::MatMul_2", w));
    g.addInitializer(OnnxModels.floatTensor("encoder.layers.0.q.bias", bias));
    g.addInitializer(OnnxModels.floatTensor("decoder.layers.0.q.bias", bias));
    g.addNode(node("MatMul", "/layers.0/q/MatMul", "x", "onnx::MatMul_1", "a"));
    g.addNode(node("Add", "/layers.0/q/Add", "encoder.layers.0.q.bias", "a", "b"));
    g.addNode(node("MatMul", "/layers.0/q/MatMul_1", "b", "onnx::MatMul_2", "c"));
    g.addNode(node("Add", "/layers.0/q/Add_1", "decoder.layers.0.q.bias", "c", "y"));
    g.addInput(PeftConfigTest.value("x"));
    g.addOutput(PeftConfigTest.value("y"));
    return g.build();
  }

  static OnnxMl.NodeProto node(String op, String name, String a, String b, String out) {
    return OnnxMl.NodeProto.newBuilder()
        .setOpType(op)
        .setName(name)
        .addInput(a)
        .addInput(b)
        .addOutput(out)
        .build();
  }

  static OnnxMl.ValueInfoProto value(String name) {
    return OnnxMl.ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            OnnxMl.TypeProto.newBuilder()
                .setTensorType(
                    OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())))
        .build();
  }

  @Test
  void twoModulesClaimingOneScopeIsAnErrorThatListsBoth() {
    ModuleIndex idx = new ModuleIndex(twoModulesInOneScope(), null);
    InvalidAdapterException e =
        assertThrows(InvalidAdapterException.class, () -> idx.resolve("encoder.layers.0.q"));
    assertTrue(
        e.getMessage().contains("ambiguous")
            && e.getMessage().contains("encoder.layers.0.q")
            && e.getMessage().contains("decoder.layers.0.q"),
        e.getMessage());
  }

  @Test
  void aSuffixScopeWithoutEvidenceIsNotAGuess() {
    // "other.layers.0.q": the scope suffix fits, but no initializer names the prefix "other."
    ModuleIndex idx = new ModuleIndex(twoModulesInOneScope(), null);
    assertThrows(InvalidAdapterException.class, () -> idx.resolve("other.layers.0.q"));
  }

  @Test
  void aDroppedContainerResolvesFromTheInitializersThatConfirmIt() throws IOException {
    OnnxMl.ModelProto m = OnnxModels.read(PEFT.resolve("container.torchscript.onnx"));
    ModuleIndex idx = new ModuleIndex(m.getGraph(), null);
    ModuleIndex.Module q = idx.resolve("encoder.layers.1.self_attn.q_proj");
    assertEquals(Inspection.Signal.SCOPE_SUFFIX, q.signal());
    assertTrue(q.ownsLinear());
    assertEquals(
        "/layers.1/self_attn/q_proj/MatMul", m.getGraph().getNode(q.linear().node()).getName());
  }

  @Test
  void theSharedZeroBiasIsNeverChangedInPlace() throws IOException {
    Path model = PEFT.resolve("container.dynamo.onnx");
    OnnxMl.ModelProto before = OnnxModels.read(model);
    String shared = "encoder.layers.0.self_attn.q_proj.bias";
    for (Injector.Mode mode : List.of(Injector.Mode.BAKED, Injector.Mode.BOUND)) {
      for (String adapter : List.of("container_qkv_bias", "container_dora_head")) {
        InjectedModel injected =
            Injector.builder()
                .model(model)
                .mode(mode)
                .task(Task.of("t", PeftFixtureTest.readAdapter(adapter)))
                .build();
        OnnxMl.ModelProto after = OnnxModels.parse(injected.modelBytes(), "injected");
        OnnxMl.TensorProto b0 = initializer(before, shared);
        OnnxMl.TensorProto b1 = initializer(after, shared);
        assertEquals(b0.getRawData(), b1.getRawData(), mode + " " + adapter + " changed " + shared);
        int readers = 0;
        for (OnnxMl.NodeProto n : after.getGraph().getNodeList()) {
          readers += n.getInputList().contains(shared) ? 1 : 0;
        }
        assertEquals(6, readers, mode + " " + adapter + ": readers of the shared bias");
      }
    }
  }

  static OnnxMl.TensorProto initializer(OnnxMl.ModelProto m, String name) {
    for (OnnxMl.TensorProto t : m.getGraph().getInitializerList()) {
      if (t.getName().equals(name)) {
        return t;
      }
    }
    throw new AssertionError("no initializer " + name);
  }

  @Test
  void inspectionShowsWhereEveryEntryOfEveryFixtureLands() throws IOException {
    for (Object o : (List<?>) PeftFixtureTest.MANIFEST.get("cases")) {
      Map<?, ?> c = (Map<?, ?>) o;
      String modelId = (String) c.get("model");
      Path file = PEFT.resolve((String) PeftFixtureTest.model(modelId).get("file"));
      LoraAdapter a = PeftFixtureTest.readAdapter((String) c.get("adapter"));
      Inspection i =
          Inspection.of(OnnxModels.read(file), file.toString(), ModuleMapping.empty(), List.of(a));
      assertEquals(0, i.problems(), i.toText(false));
      assertEquals(a.branches().size() + a.replacements().size(), i.landings().size());
      Inspection.Signal expected =
          modelId.endsWith("dynamo") ? Inspection.Signal.DYNAMO_SCOPE : null;
      for (Inspection.Landing l : i.landings()) {
        if (expected != null && l.signal() != null) {
          assertEquals(expected, l.signal(), l.toString());
        }
      }
      Object json = Json.parse(i.toJson());
      assertTrue(json instanceof Map<?, ?>);
    }
  }

  @Test
  void inspectionOfAnAdapterForAnotherModelNamesEveryMismatch() throws IOException {
    Path file = PEFT.resolve("ast.dynamo.onnx");
    LoraAdapter a = PeftFixtureTest.readAdapter("container_task_a");
    Inspection i =
        Inspection.of(OnnxModels.read(file), file.toString(), ModuleMapping.empty(), List.of(a));
    assertEquals(i.landings().size(), i.problems(), i.toText(false));
    String text = i.toText(false);
    assertTrue(text.contains("FAIL  replace classifier.weight"), text);
    assertTrue(text.contains("is not in the graph; closest module names"), text);
  }
}
