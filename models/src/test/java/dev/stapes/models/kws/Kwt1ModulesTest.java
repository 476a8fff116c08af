package dev.stapes.models.kws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The committed module mapping of KWT-1 ({@link Kwt1#MODULES_RESOURCE}) is what {@link
 * Kwt1#moduleMapping} derives from the imported graph. To regenerate it after an importer change:
 * {@code -Dstapes.regenerate=true}.
 */
class Kwt1ModulesTest {

  @Test
  void committedMappingIsDerivedFromTheImportedGraph() throws Exception {
    OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(KwsFixtures.kwt1()));
    Map<String, List<String>> modules = Kwt1.moduleMapping(model.getGraph());
    assertEquals(12 * 6, modules.size());
    assertEquals(
        List.of(
            "kws_transformer/transformer_block/multi_head_self_attention/dense_1/Tensordot/MatMul1/flatten",
            "kws_transformer/transformer_block/multi_head_self_attention/dense_1/Tensordot/MatMul1"),
        modules.get("blocks.0.attn.q_proj"));
    for (Map.Entry<String, List<String>> e : modules.entrySet()) {
      assertTrue(e.getValue().size() >= 2, e.toString());
    }
    String json = Kwt1.moduleMappingJson(modules);
    if (Boolean.getBoolean("stapes.regenerate")) {
      Path root = Path.of(System.getProperty("stapes.root", "."));
      Files.writeString(
          root.resolve("models/src/main/resources").resolve(Kwt1.MODULES_RESOURCE.substring(1)),
          json);
    }
    assertEquals(json, Kwt1.moduleMappingJson());
  }
}
