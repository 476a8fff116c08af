package dev.stapes.engine.inject;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Ranks, batch sizes and corrupt inputs of awkward sizes. */
class AwkwardSizesTest {
  static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
  static final String[] MODULES = {
    "encoder.layers.0.self_attn.q_proj",
    "encoder.layers.0.self_attn.k_proj",
    "encoder.layers.1.fc1",
    "encoder.layers.1.fc2"
  };

  static LoraAdapter lora(String name, int rank, long seed) throws Exception {
    Random r = new Random(seed);
    Map<String, LoraAdapter.Module> m = new LinkedHashMap<>();
    for (String module : MODULES) {
      int in = module.endsWith("fc2") ? 64 : 32;
      int out = module.endsWith("fc1") ? 64 : 32;
      WeightTensor a = WeightTensor.filled(0f, rank, in);
      WeightTensor b = WeightTensor.filled(0f, out, rank);
      for (int i = 0; i < a.size(); i++) {
        a.data()[i] = (float) r.nextGaussian() * 0.1f;
      }
      for (int i = 0; i < b.size(); i++) {
        b.data()[i] = (float) r.nextGaussian() * 0.1f;
      }
      m.put(module, new LoraAdapter.Module(a, b, 2f / rank));
    }
    return LoraAdapter.of(name, m);
  }

  static float[] run(InjectedSession s, Fixtures.Npy x, String... rowTasks) throws Exception {
    try (OnnxTensor t = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(x.data), x.shape);
        OrtSession.Result r =
            s.model().mode() == Injector.Mode.PER_ROW
                ? s.runRows(Map.of("mel", t), rowTasks)
                : s.run(Map.of("mel", t), rowTasks[0])) {
      FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
      float[] y = new float[fb.remaining()];
      fb.get(y);
      return y;
    }
  }

  static Fixtures.Npy rows(int batch) throws Exception {
    Fixtures.Npy x = Fixtures.input("whisper");
    int per = x.data.length / (int) x.shape[0];
    float[] d = new float[per * batch];
    for (int i = 0; i < batch; i++) {
      System.arraycopy(x.data, (i % (int) x.shape[0]) * per, d, i * per, per);
    }
    return new Fixtures.Npy(new long[] {batch, x.shape[1], x.shape[2]}, d);
  }

  @ParameterizedTest(name = "rank {0}")
  @ValueSource(ints = {1, 2, 3, 7, 8, 16, 31})
  void boundBakedAndPerRowAgreeForAnyRank(int rank) throws Exception {
    LoraAdapter l = lora("l", rank, rank);
    Fixtures.Npy x = rows(2);
    float[] bound;
    float[] baked;
    float[] perRow;
    try (InjectedSession s =
        Injector.builder()
            .model(Fixtures.modelPath("whisper"))
            .task(Task.of("t", l))
            .build()
            .open(ENV, new OrtSession.SessionOptions())) {
      bound = run(s, x, "t");
    }
    try (InjectedSession s =
        Injector.builder()
            .model(Fixtures.modelPath("whisper"))
            .mode(Injector.Mode.BAKED)
            .task(Task.of("t", l))
            .build()
            .open(ENV, new OrtSession.SessionOptions())) {
      baked = run(s, x, "t");
    }
    // A second task of another rank forces zero padding of this one in the shared slot.
    try (InjectedSession s =
        Injector.builder()
            .model(Fixtures.modelPath("whisper"))
            .mode(Injector.Mode.PER_ROW)
            .task(Task.of("t", l))
            .task(Task.of("u", lora("u", rank + 5, 99)))
            .build()
            .open(ENV, new OrtSession.SessionOptions())) {
      perRow = run(s, x, "t", "t");
    }
    for (int i = 0; i < bound.length; i++) {
      assertTrue(Math.abs(bound[i] - baked[i]) < 1e-4, "baked " + i);
      assertTrue(Math.abs(bound[i] - perRow[i]) < 1e-4, "per-row " + i);
    }
  }

  @ParameterizedTest(name = "batch {0}")
  @ValueSource(ints = {1, 2, 3, 5, 8})
  void mixedBatchRowsEqualSingleTaskRunsForAnyBatch(int batch) throws Exception {
    LoraAdapter a = lora("a", 3, 1);
    LoraAdapter b = lora("b", 8, 2);
    Fixtures.Npy x = rows(batch);
    String[] tasks = {"a", "b", "none"};
    String[] rowTasks = new String[batch];
    for (int i = 0; i < batch; i++) {
      rowTasks[i] = tasks[(i * 7 + batch) % 3];
    }
    float[] mixed;
    try (InjectedSession s =
        Injector.builder()
            .model(Fixtures.modelPath("whisper"))
            .mode(Injector.Mode.PER_ROW)
            .task(Task.of("a", a))
            .task(Task.of("b", b))
            .task(Task.of("none"))
            .build()
            .open(ENV, new OrtSession.SessionOptions())) {
      mixed = run(s, x, rowTasks);
    }
    int per = mixed.length / batch;
    try (InjectedSession s =
        Injector.builder()
            .model(Fixtures.modelPath("whisper"))
            .task(Task.of("a", a))
            .task(Task.of("b", b))
            .task(Task.of("none"))
            .build()
            .open(ENV, new OrtSession.SessionOptions())) {
      for (int i = 0; i < batch; i++) {
        float[] row = run(s, x.row(i), rowTasks[i]);
        for (int j = 0; j < per; j++) {
          assertTrue(
              Math.abs(row[j] - mixed[i * per + j]) < 1e-4,
              "row " + i + " (" + rowTasks[i] + ") element " + j);
        }
      }
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(ints = {1, 2, 3, 5, 7, 11, 13})
  void mutatedSafetensorsFailWithInvalidAdapterExceptionOnly(int seed) throws Exception {
    byte[] good =
        java.nio.file.Files.readAllBytes(
            Fixtures.adapterPath("whisper", "lora1").resolve("adapter_model.safetensors"));
    Random r = new Random(seed);
    for (int k = 0; k < 300; k++) {
      byte[] f = good.clone();
      int edits = 1 + r.nextInt(4);
      for (int e = 0; e < edits; e++) {
        int at = r.nextInt(Math.min(f.length, 8 + 600));
        f[at] = (byte) r.nextInt(256);
      }
      if (r.nextInt(5) == 0) {
        f = java.util.Arrays.copyOf(f, r.nextInt(f.length));
      }
      try {
        Safetensors.parse(ByteBuffer.wrap(f), "mutated");
      } catch (InvalidAdapterException expected) {
        assertTrue(expected.getMessage().startsWith("mutated: "), expected.getMessage());
      }
    }
  }
}
