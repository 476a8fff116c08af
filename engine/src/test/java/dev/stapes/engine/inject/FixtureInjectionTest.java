package dev.stapes.engine.inject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Stapes' injection against PyTorch forward hooks on the two fixture transformers. */
class FixtureInjectionTest {
  static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  static Stream<Arguments> everyCaseInEveryMode() {
    List<Arguments> a = new ArrayList<>();
    for (String model : List.of("bert", "whisper")) {
      for (String kase : Fixtures.cases(model)) {
        for (Injector.Mode mode :
            List.of(Injector.Mode.BOUND, Injector.Mode.BAKED, Injector.Mode.PER_ROW)) {
          a.add(Arguments.of(model, kase, mode));
        }
      }
    }
    return a.stream();
  }

  static InjectedSession open(String model, Injector.Mode mode, Task... tasks)
      throws IOException, OrtException {
    Injector.Builder b = Injector.builder().model(Fixtures.modelPath(model)).mode(mode);
    for (Task t : tasks) {
      b.task(t);
    }
    return b.build().open(ENV, new OrtSession.SessionOptions());
  }

  static Map<String, Fixtures.Npy> runAll(InjectedSession s, String model, String task)
      throws Exception {
    if (s.model().mode() != Injector.Mode.PER_ROW) {
      return Fixtures.run(s, model, task);
    }
    Fixtures.Npy x = Fixtures.input(model);
    String[] rows = new String[(int) x.shape[0]];
    java.util.Arrays.fill(rows, task);
    try (OnnxTensor t = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(x.data), x.shape);
        OrtSession.Result r = s.runRows(Map.of(Fixtures.inputName(model), t), rows)) {
      return Fixtures.collect(r, model);
    }
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("everyCaseInEveryMode")
  void injectedModelMatchesPyTorchHooks(String model, String kase, Injector.Mode mode)
      throws Exception {
    try (InjectedSession s = open(model, mode, Fixtures.task(model, kase))) {
      Map<String, Fixtures.Npy> got = runAll(s, model, kase);
      for (String o : Fixtures.outputs(model)) {
        double err = Fixtures.maxAbsDiff(got.get(o), Fixtures.expected(model, kase, o));
        System.out.printf("max-error %s %s %s %s %.3g%n", model, kase, mode, o, err);
        assertTrue(
            err <= Fixtures.tolerance(),
            model + " " + kase + " " + mode + " " + o + " max error " + err);
      }
    }
  }

  static Stream<Arguments> neutralAdapters() {
    List<Arguments> a = new ArrayList<>();
    for (String model : List.of("bert", "whisper")) {
      for (Injector.Mode mode : List.of(Injector.Mode.BOUND, Injector.Mode.BAKED)) {
        a.add(Arguments.of(model, mode));
      }
    }
    return a.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("neutralAdapters")
  void zeroScaleAlphaZeroAndZeroOffsetLeaveTheBaseOutputUnchanged(String model, Injector.Mode mode)
      throws Exception {
    Map<String, Fixtures.Npy> base;
    try (InjectedSession s = open(model, mode, Task.of("base"))) {
      base = Fixtures.run(s, model, "base");
    }
    List<Task> neutral =
        List.of(
            Task.builder("zero-scale").add(Fixtures.adapter(model, "lora1"), 0f).build(),
            Task.of("alpha0", Fixtures.adapter(model, "lora_alpha0")),
            Task.of("zero-offset", Fixtures.adapter(model, "zero_offset")),
            Task.builder("zero-bottleneck").add(Fixtures.adapter(model, "bottleneck"), 0f).build());
    for (Task t : neutral) {
      try (InjectedSession s = open(model, mode, t)) {
        Map<String, Fixtures.Npy> got = Fixtures.run(s, model, t.name());
        for (String o : Fixtures.outputs(model)) {
          double err = Fixtures.maxAbsDiff(got.get(o), base.get(o));
          assertEquals(0.0, err, 1e-6, t.name() + " " + mode + " " + o);
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void oneBoundSessionSwitchesBetweenTasksWithoutRebuild(String model) throws Exception {
    List<String> kases =
        List.of("base", "lora1", "lora_stack", "bottleneck", "taskemb", "all", "lora2");
    List<Task> tasks = new ArrayList<>();
    for (String k : kases) {
      tasks.add(Fixtures.task(model, k));
    }
    try (InjectedSession s = open(model, Injector.Mode.BOUND, tasks.toArray(new Task[0]))) {
      for (int round = 0; round < 2; round++) {
        for (String k : kases) {
          Map<String, Fixtures.Npy> got = Fixtures.run(s, model, k);
          for (String o : Fixtures.outputs(model)) {
            double err = Fixtures.maxAbsDiff(got.get(o), Fixtures.expected(model, k, o));
            assertTrue(err <= Fixtures.tolerance(), k + " " + o + " " + err);
          }
        }
      }
    }
  }

  static Stream<String> models() {
    return Stream.of("bert", "whisper");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void scaleChangesPerCallThroughTheBoundScalar(String model) throws Exception {
    try (InjectedSession s =
        open(model, Injector.Mode.BOUND, Task.of("t", Fixtures.adapter(model, "lora1")))) {
      s.setScale("t", "lora1", 0.5f);
      check(Fixtures.run(s, model, "t"), model, "lora1_scale0.5");
      s.setScale("t", "lora1", 1f);
      check(Fixtures.run(s, model, "t"), model, "lora1");
      s.setScale("t", "lora1", 0f);
      check(Fixtures.run(s, model, "t"), model, "base");
    }
  }

  static void check(Map<String, Fixtures.Npy> got, String model, String kase) throws IOException {
    for (String o : Fixtures.outputs(model)) {
      double err = Fixtures.maxAbsDiff(got.get(o), Fixtures.expected(model, kase, o));
      assertTrue(err <= Fixtures.tolerance(), kase + " " + o + " " + err);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void mixedTaskBatchRowsEqualSingleTaskRuns(String model) throws Exception {
    List<String> kases = List.of("all", "base", "lora1", "lora2", "bottleneck", "taskemb");
    List<Task> tasks = new ArrayList<>();
    for (String k : kases) {
      tasks.add(Fixtures.task(model, k));
    }
    Fixtures.Npy x = Fixtures.input(model);
    int batch = (int) x.shape[0];
    try (InjectedSession s = open(model, Injector.Mode.PER_ROW, tasks.toArray(new Task[0]))) {
      for (int shift = 0; shift < kases.size(); shift++) {
        String[] rows = new String[batch];
        for (int i = 0; i < batch; i++) {
          rows[i] = kases.get((i + shift) % kases.size());
        }
        try (OnnxTensor t = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(x.data), x.shape);
            OrtSession.Result r = s.runRows(Map.of(Fixtures.inputName(model), t), rows)) {
          Map<String, Fixtures.Npy> got = Fixtures.collect(r, model);
          for (String o : Fixtures.outputs(model)) {
            for (int i = 0; i < batch; i++) {
              double err =
                  Fixtures.maxAbsDiff(
                      got.get(o).row(i), Fixtures.expected(model, rows[i], o).row(i));
              assertTrue(
                  err <= Fixtures.tolerance(),
                  "row " + i + " task " + rows[i] + " " + o + " " + err);
            }
          }
        }
      }
    }
  }

  @Test
  void bakedLoraAddsNoNodesAndBoundLoraAddsBranches() throws Exception {
    InjectedModel baked =
        Injector.builder()
            .model(Fixtures.modelPath("whisper"))
            .mode(Injector.Mode.BAKED)
            .task(Fixtures.task("whisper", "lora1"))
            .build();
    assertEquals(0, baked.addedNodes());
    assertTrue(baked.addedInputs().isEmpty());
    InjectedModel bound =
        Injector.builder()
            .model(Fixtures.modelPath("whisper"))
            .task(Fixtures.task("whisper", "lora1"))
            .build();
    // q, k and v of 2 layers: per layer one MatMul by the three A^T side by side and a Split; per
    // module a MatMul by its B^T (scale folded in) and an Add. Inputs: per layer A, per module B.
    assertEquals(2 * 2 + 6 * 2, bound.addedNodes());
    assertEquals(2 + 6, bound.addedInputs().size());
    for (String in : bound.addedInputs()) {
      assertTrue(in.endsWith(".lora0.a_t") || in.endsWith(".lora0.b_t"), in);
    }
  }
}
