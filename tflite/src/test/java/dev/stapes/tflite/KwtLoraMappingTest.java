package dev.stapes.tflite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.Tensor;
import dev.stapes.engine.inject.InjectedModel;
import dev.stapes.engine.inject.Injector;
import dev.stapes.engine.inject.LoraAdapter;
import dev.stapes.engine.inject.ModuleMapping;
import dev.stapes.engine.inject.Task;
import dev.stapes.engine.inject.TaskTensors;
import dev.stapes.engine.inject.WeightTensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A LoRA on KWT-1 imported from TFLite, whose node names carry no PyTorch scopes: the module is
 * named through a mapping, and bound, baked and zero-scale runs agree.
 */
class KwtLoraMappingTest {
  static final String Q =
      "kws_transformer/transformer_block/multi_head_self_attention/dense_1/Tensordot/MatMul1";

  static float[] run(InjectedModel m, String task, float[] x, long[] shape) throws Exception {
    try (Session s = m.openSession("kwt1", SessionOptions.defaults());
        TaskTensors t = TaskTensors.of(m);
        Tensor in = Tensor.ofFloats(x, shape)) {
      Map<String, Tensor> feeds = new HashMap<>();
      feeds.put(
          s.inputs().keySet().stream()
              .filter(n -> !n.startsWith("stapes."))
              .findFirst()
              .orElseThrow(),
          in);
      t.putInto(feeds, task);
      try (Session.Outputs o = s.run(feeds)) {
        return o.get(o.names().iterator().next()).toFloats();
      }
    }
  }

  /** The [in, out] shape of the constant weight of the MatMul named {@code node}. */
  static long[] matMulWeightShape(OnnxMl.GraphProto g, String node) {
    OnnxMl.NodeProto n =
        g.getNodeList().stream().filter(x -> x.getName().equals(node)).findFirst().orElseThrow();
    assertEquals("MatMul", n.getOpType());
    String weight = n.getInput(1);
    return g.getInitializerList().stream()
        .filter(t -> t.getName().equals(weight))
        .findFirst()
        .orElseThrow()
        .getDimsList()
        .stream()
        .mapToLong(Long::longValue)
        .toArray();
  }

  @Test
  void loraOnKwt1ThroughAModuleMapping() throws Exception {
    OnnxMl.ModelProto model =
        TfliteImporter.convert(
            TfliteModel.read(TestFiles.shared("models/kwt1/kwt1_non_stream.tflite")));
    ModuleMapping mapping = ModuleMapping.of(Map.of("blocks.0.attn.q", List.of(Q + "/flatten", Q)));
    long[] w = matMulWeightShape(model.getGraph(), Q);
    int in = (int) w[0];
    int out = (int) w[1];
    Random r = new Random(3);
    float[] a = new float[4 * in];
    float[] b = new float[out * 4];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) r.nextGaussian() * 0.2f;
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) r.nextGaussian() * 0.2f;
    }
    LoraAdapter lora =
        LoraAdapter.of(
            "kws",
            Map.of(
                "blocks.0.attn.q",
                new LoraAdapter.Module(
                    new WeightTensor(new long[] {4, in}, a),
                    new WeightTensor(new long[] {out, 4}, b),
                    2f)));
    OnnxMl.ValueInfoProto input = model.getGraph().getInput(0);
    long[] shape =
        input.getType().getTensorType().getShape().getDimList().stream()
            .mapToLong(d -> d.hasDimValue() ? d.getDimValue() : 1)
            .toArray();
    int n = 1;
    for (long d : shape) {
      n *= (int) d;
    }
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) Math.sin(i * 0.01) * 0.3f;
    }
    InjectedModel bound =
        Injector.builder()
            .model(model)
            .mapping(mapping)
            .task(Task.of("kws", lora))
            .task(Task.builder("off").add(lora, 0f).build())
            .build();
    InjectedModel baked =
        Injector.builder()
            .model(model)
            .mapping(mapping)
            .mode(Injector.Mode.BAKED)
            .task(Task.of("kws", lora))
            .build();
    InjectedModel base =
        Injector.builder().model(model).mode(Injector.Mode.BAKED).task(Task.of("base")).build();
    float[] yBound = run(bound, "kws", x, shape);
    float[] yOff = run(bound, "off", x, shape);
    float[] yBaked = run(baked, "kws", x, shape);
    float[] yBase = run(base, "base", x, shape);
    double dBake = 0;
    double dOff = 0;
    double dBase = 0;
    for (int i = 0; i < yBound.length; i++) {
      dBake = Math.max(dBake, Math.abs(yBound[i] - yBaked[i]));
      dOff = Math.max(dOff, Math.abs(yOff[i] - yBase[i]));
      dBase = Math.max(dBase, Math.abs(yBound[i] - yBase[i]));
    }
    assertTrue(dBake < 1e-4, "bound vs baked " + dBake);
    assertEquals(0.0, dOff, 1e-6, "zero scale vs base");
    assertTrue(dBase > 1e-3, "the LoRA changes the logits: " + dBase);
  }
}
