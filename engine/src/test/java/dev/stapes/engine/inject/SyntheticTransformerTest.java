package dev.stapes.engine.inject;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.Tensor;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The generated Whisper-like encoder for benchmarks: runs, resolves, and takes LoRAs. */
class SyntheticTransformerTest {
  @TempDir Path tmp;

  static float[] run(InjectedModel m, String task, float[] x, long... shape) throws Exception {
    try (Session s = m.openSession("synthetic", SessionOptions.defaults());
        TaskTensors t = TaskTensors.of(m);
        Tensor in = Tensor.ofFloats(x, shape)) {
      Map<String, Tensor> feeds = new HashMap<>();
      feeds.put("mel", in);
      t.putInto(feeds, task);
      try (Session.Outputs o = s.run(feeds)) {
        return o.get("encoder_out").toFloats();
      }
    }
  }

  @ParameterizedTest(name = "layers={0} d={1} heads={2} ffn={3} mel={4} frames={5} rank={6}")
  @CsvSource({"1, 12, 3, 20, 5, 1, 1", "2, 32, 4, 48, 8, 7, 3", "3, 16, 2, 64, 13, 17, 8"})
  void generatedEncoderTakesAPeftLoraBoundAndMerged(
      int layers, int d, int heads, int ffn, int mel, int frames, int rank) throws Exception {
    OnnxMl.ModelProto model = SyntheticTransformer.whisperLike(layers, d, heads, ffn, mel, 42);
    LoraAdapter lora =
        SyntheticTransformer.randomLora(
            "qv", layers, d, ffn, rank, 2f * rank, 7, "q_proj", "v_proj", "fc2");
    assertEquals(3 * layers, lora.modules().size());
    lora.writePeft(tmp.resolve("qv"));
    LoraAdapter back = LoraAdapter.readPeft(tmp.resolve("qv"));
    for (String m : lora.modules()) {
      assertArrayEquals(lora.branches().get(m).a().data(), back.branches().get(m).a().data(), 0f);
      assertEquals(lora.branches().get(m).scale(), back.branches().get(m).scale(), 1e-6f);
    }
    float[] x = new float[2 * frames * mel];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) Math.sin(i * 0.37);
    }
    InjectedModel base =
        Injector.builder().model(model).mode(Injector.Mode.BAKED).task(Task.of("t")).build();
    InjectedModel bound = Injector.builder().model(model).task(Task.of("t", back)).build();
    InjectedModel merged =
        Injector.builder().model(model).mode(Injector.Mode.BAKED).task(Task.of("t", back)).build();
    float[] y0 = run(base, "t", x, 2, frames, mel);
    float[] y1 = run(bound, "t", x, 2, frames, mel);
    float[] y2 = run(merged, "t", x, 2, frames, mel);
    double change = 0;
    for (int i = 0; i < y0.length; i++) {
      assertTrue(Float.isFinite(y1[i]));
      assertTrue(
          Math.abs(y1[i] - y2[i]) < 1e-4, "bound vs merged at " + i + ": " + y1[i] + " " + y2[i]);
      change = Math.max(change, Math.abs(y1[i] - y0[i]));
    }
    assertTrue(change > 1e-3, "the LoRA changes the output: " + change);
  }
}
