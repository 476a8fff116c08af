package dev.stapes.models.kws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PEFT-style LoRA on KWT-1's attention projections (query and value of all 12 blocks, r = 4,
 * alpha = 8), read from a PEFT directory and applied through the injection path with the committed
 * module mapping, gives the same logits as the same low-rank update merged into the weight
 * initializers by hand (W' = W + s·BA, written here without the injection code).
 */
class Kwt1LoraTest {

  static final int RANK = 4;
  static final float ALPHA = 8f;
  static final float SCALE = ALPHA / RANK;
  static final List<String> CLIPS =
      List.of("yes_1000ms.wav", "no_1000ms.wav", "silence_1000ms.wav", "noise_1000ms.wav");

  static LoraAdapter randomLora(ModuleMapping mapping, List<String> modules) throws Exception {
    Random r = new Random(20261127);
    Map<String, LoraAdapter.Module> m = new LinkedHashMap<>();
    for (String name : modules) {
      float[] a = new float[RANK * 64];
      float[] b = new float[64 * RANK];
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) r.nextGaussian() * 0.1f;
      }
      for (int i = 0; i < b.length; i++) {
        b[i] = (float) r.nextGaussian() * 0.1f;
      }
      m.put(
          name,
          new LoraAdapter.Module(
              new WeightTensor(new long[] {RANK, 64}, a),
              new WeightTensor(new long[] {64, RANK}, b),
              SCALE));
    }
    return LoraAdapter.of("kwt1-attn", m);
  }

  /** W' = W + s·BA on the stored (transposed, [in, out]) initializer of each module's MatMul. */
  static OnnxMl.ModelProto mergedByHand(
      OnnxMl.ModelProto base, Map<String, List<String>> mapping, LoraAdapter lora) {
    OnnxMl.GraphProto.Builder g = base.getGraph().toBuilder();
    Map<String, Integer> initIndex = new HashMap<>();
    for (int i = 0; i < g.getInitializerCount(); i++) {
      initIndex.put(g.getInitializer(i).getName(), i);
    }
    for (Map.Entry<String, LoraAdapter.Module> e : lora.branches().entrySet()) {
      Set<String> nodes = new HashSet<>(mapping.get(e.getKey()));
      String weight = null;
      for (OnnxMl.NodeProto n : g.getNodeList()) {
        if (nodes.contains(n.getName())
            && n.getOpType().equals("MatMul")
            && initIndex.containsKey(n.getInput(1))) {
          weight = n.getInput(1);
        }
      }
      OnnxMl.TensorProto w = g.getInitializer(initIndex.get(weight));
      assertEquals(List.of(64L, 64L), w.getDimsList(), weight);
      ByteBuffer raw = w.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      float[] wt = new float[64 * 64];
      raw.asFloatBuffer().get(wt);
      float[] a = e.getValue().a().data();
      float[] b = e.getValue().b().data();
      for (int i = 0; i < 64; i++) {
        for (int o = 0; o < 64; o++) {
          double d = 0;
          for (int k = 0; k < RANK; k++) {
            d += b[o * RANK + k] * a[k * 64 + i];
          }
          wt[i * 64 + o] += (float) (e.getValue().scale() * d);
        }
      }
      ByteBuffer out = ByteBuffer.allocate(4 * wt.length).order(ByteOrder.LITTLE_ENDIAN);
      out.asFloatBuffer().put(wt);
      g.setInitializer(initIndex.get(weight), w.toBuilder().setRawData(ByteString.copyFrom(out)));
    }
    return base.toBuilder().setGraph(g).build();
  }

  static float[] logits(Session s, TaskTensors tasks, String task, float[] audio) throws Exception {
    try (Tensor x = Tensor.ofFloats(audio, 1, 16000)) {
      Map<String, Tensor> feeds = new HashMap<>();
      feeds.put(Kwt1.INPUT, x);
      if (tasks != null) {
        tasks.putInto(feeds, task);
      }
      try (Session.Outputs o = s.run(feeds)) {
        return o.get(Kwt1.OUTPUT).toFloats();
      }
    }
  }

  static double maxDiff(float[] a, float[] b) {
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      d = Math.max(d, Math.abs(a[i] - b[i]));
    }
    return d;
  }

  @Test
  void peftLoraThroughInjectionEqualsTheUpdateMergedByHand(@TempDir Path tmp) throws Exception {
    OnnxMl.ModelProto base = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(KwsFixtures.kwt1()));
    Path mappingFile =
        Files.writeString(tmp.resolve("kwt1.modules.json"), Kwt1.moduleMappingJson());
    ModuleMapping mapping = ModuleMapping.read(mappingFile);
    Map<String, List<String>> nodes = Kwt1.moduleMapping(base.getGraph());
    List<String> targets = new java.util.ArrayList<>();
    for (int block = 0; block < 12; block++) {
      targets.add("blocks." + block + ".attn.q_proj");
      targets.add("blocks." + block + ".attn.v_proj");
    }
    randomLora(mapping, targets).writePeft(tmp.resolve("peft"));
    LoraAdapter lora = LoraAdapter.readPeft(tmp.resolve("peft"));
    assertEquals(24, lora.modules().size());

    InjectedModel bound =
        Injector.builder().model(base).mapping(mapping).task(Task.of("lora", lora)).build();
    InjectedModel baked =
        Injector.builder()
            .model(base)
            .mapping(mapping)
            .mode(Injector.Mode.BAKED)
            .task(Task.of("lora", lora))
            .build();
    OnnxMl.ModelProto byHand = mergedByHand(base, nodes, lora);
    SessionOptions so = SessionOptions.defaults();
    double worstBound = 0;
    double worstBaked = 0;
    double change = 0;
    try (Session sBound = bound.openSession("kwt1+lora bound", so);
        TaskTensors tasks = TaskTensors.of(bound);
        Session sBaked = baked.openSession("kwt1+lora baked", so);
        TaskTensors bakedTasks = TaskTensors.of(baked);
        Session sHand = Session.fromBytes(byHand.toByteArray(), "kwt1+lora by hand", null, so);
        Session sBase = Session.fromBytes(base.toByteArray(), "kwt1", null, so)) {
      for (String clip : CLIPS) {
        float[] audio = Arrays.copyOf(KwsFixtures.corpus(clip), 16000);
        float[] hand = logits(sHand, null, null, audio);
        float[] viaBound = logits(sBound, tasks, "lora", audio);
        float[] viaBaked = logits(sBaked, bakedTasks, "lora", audio);
        float[] plain = logits(sBase, null, null, audio);
        worstBound = Math.max(worstBound, maxDiff(hand, viaBound));
        worstBaked = Math.max(worstBaked, maxDiff(hand, viaBaked));
        change = Math.max(change, maxDiff(hand, plain));
      }
    }
    System.out.printf(
        "kwt1 LoRA (q,v x 12 blocks, r=4): |bound - by hand| = %.3g, |baked - by hand| = %.3g,"
            + " LoRA moves the logits by up to %.3g%n",
        worstBound, worstBaked, change);
    assertTrue(worstBound < 1e-4, "bound vs by hand: " + worstBound);
    assertTrue(worstBaked < 1e-4, "baked vs by hand: " + worstBaked);
    assertTrue(change > 1e-2, "the LoRA changes the logits: " + change);
  }
}
