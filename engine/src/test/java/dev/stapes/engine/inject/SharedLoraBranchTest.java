package dev.stapes.engine.inject;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bound plain LoRA on Linear layers: the scale folded into B, and one A MatMul shared by the
 * modules that read the same tensor (q, k, v). Checked against the same tasks merged into the
 * weights ({@link Injector.Mode#BAKED}, a separate code path in double precision), with tasks of
 * different ranks and different module sets sharing a group, batches of 1 and 3, and scale changes
 * that rewrite the folded B.
 */
class SharedLoraBranchTest {
  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
  private static final int LAYERS = 2;
  private static final int D = 32;
  private static final int FFN = 64;
  private static final int MELS = 8;
  private static final float TOL = 1e-5f;

  private static final OnnxMl.ModelProto MODEL =
      SyntheticTransformer.whisperLike(LAYERS, D, 4, FFN, MELS, 7);

  private static LoraAdapter every() throws InvalidAdapterException {
    return SyntheticTransformer.randomLora(
        "every", LAYERS, D, FFN, 4, 8f, 11, "q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2");
  }

  /** Rank 8, no k_proj: its group with q and v has a member this task leaves at zero. */
  private static LoraAdapter some() throws InvalidAdapterException {
    return SyntheticTransformer.randomLora(
        "some", LAYERS, D, FFN, 8, 16f, 12, "q_proj", "v_proj", "fc2");
  }

  private static float[] run(OrtSession s, Map<String, OnnxTensor> extra, float[] mel, int batch)
      throws Exception {
    try (OnnxTensor x =
        OnnxTensor.createTensor(ENV, FloatBuffer.wrap(mel), new long[] {batch, 5, MELS})) {
      java.util.HashMap<String, OnnxTensor> feed = new java.util.HashMap<>(extra);
      feed.put("mel", x);
      try (OrtSession.Result r = s.run(feed)) {
        FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
        float[] y = new float[fb.remaining()];
        fb.get(y);
        return y;
      }
    }
  }

  private static float[] baked(Task task, float[] mel, int batch) throws Exception {
    InjectedModel m = Injector.builder().model(MODEL).mode(Injector.Mode.BAKED).task(task).build();
    try (OrtSession s = ENV.createSession(m.modelBytes(), new OrtSession.SessionOptions())) {
      return run(s, Map.of(), mel, batch);
    }
  }

  private static float[] bound(InjectedSession s, String task, float[] mel, int batch)
      throws Exception {
    java.util.HashMap<String, OnnxTensor> feed = new java.util.HashMap<>();
    s.binding(task).bindInto(feed);
    return run(s.session(), feed, mel, batch);
  }

  private static void close(float[] want, float[] got, String what) {
    assertEquals(want.length, got.length, what);
    double err = 0;
    for (int i = 0; i < want.length; i++) {
      err = Math.max(err, Math.abs(want[i] - got[i]));
    }
    assertTrue(err <= TOL, what + ": max abs error " + err + ", tolerance " + TOL);
  }

  @ParameterizedTest(name = "batch {0}")
  @ValueSource(ints = {1, 3})
  void sharedBranchesEqualTheMergedWeightsAndScaleChangesRewriteB(int batch) throws Exception {
    LoraAdapter every = every();
    LoraAdapter some = some();
    float[] mel = new float[batch * 5 * MELS];
    Random r = new Random(batch);
    for (int i = 0; i < mel.length; i++) {
      mel[i] = (float) r.nextGaussian();
    }
    InjectedModel m =
        Injector.builder()
            .model(MODEL)
            .mode(Injector.Mode.BOUND)
            .task(Task.of("every", every))
            .task(Task.of("some", some))
            .build();
    // per layer: the q, k, v group (ranks 8, 4, 8 side by side), out_proj, fc1, fc2
    String q0 = "stapes.encoder.layers.0.self_attn.q_proj.lora0.a_t";
    assertArrayEquals(new long[] {D, 20}, m.boundValues("some").get(q0).shape());
    assertFalse(
        m.boundValues("some").containsKey("stapes.encoder.layers.0.self_attn.k_proj.lora0.a_t"));
    assertEquals(LAYERS * (4 + 6), m.addedInputs().size());
    assertEquals(LAYERS * (4 + 1 + 6 + 6), m.addedNodes());
    for (String in : m.addedInputs()) {
      assertFalse(in.endsWith(".scale"), in);
    }

    float[] base;
    try (OrtSession plain =
        ENV.createSession(MODEL.toByteArray(), new OrtSession.SessionOptions())) {
      base = run(plain, Map.of(), mel, batch);
    }
    float[] wantEvery = baked(Task.of("every", every), mel, batch);
    float[] wantSome = baked(Task.of("some", some), mel, batch);
    float[] wantSomeHalf = baked(Task.builder("some").add(some, 0.5f).build(), mel, batch);
    try (InjectedSession s = m.open(ENV, new OrtSession.SessionOptions())) {
      close(wantEvery, bound(s, "every", mel, batch), "every");
      close(wantSome, bound(s, "some", mel, batch), "some");
      s.setScale("some", "some", 0.5f);
      close(wantSomeHalf, bound(s, "some", mel, batch), "some at 0.5");
      close(wantEvery, bound(s, "every", mel, batch), "every, after the other task's change");
      s.setScale("some", "some", 0f);
      close(base, bound(s, "some", mel, batch), "some at 0");
      s.setScale("some", "some", 1f);
      close(wantSome, bound(s, "some", mel, batch), "some at 1 again");
    }
    // the same through an engine Stream and TaskTensors
    try (dev.stapes.engine.Session es =
            m.openSession("shared", dev.stapes.engine.SessionOptions.defaults());
        TaskTensors t = TaskTensors.of(m);
        dev.stapes.engine.Stream st =
            es.newStream(
                dev.stapes.engine.StreamSpec.builder()
                    .setAudioInput("mel")
                    .setChunkSamples(mel.length)
                    .optAudioShape(batch, 5, MELS)
                    .build())) {
      String out = es.outputs().keySet().iterator().next();
      t.bind(st, "some");
      t.setScale("some", "some", 0.5f);
      st.process(mel);
      close(wantSomeHalf, floats(st.outputFloats(out)), "stream, some at 0.5");
      t.setScale("some", "some", 1f);
      st.process(mel);
      close(wantSome, floats(st.outputFloats(out)), "stream, some at 1");
      t.bind(st, "every");
      st.process(mel);
      close(wantEvery, floats(st.outputFloats(out)), "stream, every");
    }
  }

  private static float[] floats(FloatBuffer fb) {
    float[] y = new float[fb.remaining()];
    fb.duplicate().get(y);
    return y;
  }
}
