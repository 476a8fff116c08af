package dev.stapes.engine.inject;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.stapes.engine.Json;
import dev.stapes.engine.Npy;
import dev.stapes.engine.NpyArray;
import dev.stapes.engine.NpyDType;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Stapes' injection against PEFT itself: small random-weight {@code transformers} audio models
 * (AST, a Whisper encoder classifier, HuBERT) and a hand-written transformer whose layers sit in a
 * container that never runs, each exported by torch's dynamo and TorchScript exporters, with
 * adapters saved by PEFT's {@code save_pretrained} and PEFT's own outputs
 * (src/test/python/make_peft_fixtures.py, versions in peft/versions.json).
 */
class PeftFixtureTest {
  static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
  static final Path DIR = Path.of("src/test/resources/inject/peft");
  static final Map<?, ?> MANIFEST = manifest();

  private static Map<?, ?> manifest() {
    try {
      return (Map<?, ?>) Json.parse(Files.readString(DIR.resolve("manifest.json")));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Map<?, ?> model(String id) {
    return (Map<?, ?>) ((Map<?, ?>) MANIFEST.get("models")).get(id);
  }

  static Map<?, ?> adapter(String id) {
    return (Map<?, ?>) ((Map<?, ?>) MANIFEST.get("adapters")).get(id);
  }

  static double tolerance() {
    return (Double) MANIFEST.get("tolerance");
  }

  static Stream<Arguments> everyCaseBoundAndMerged() {
    List<Arguments> a = new ArrayList<>();
    for (Object o : (List<?>) MANIFEST.get("cases")) {
      Map<?, ?> c = (Map<?, ?>) o;
      for (Injector.Mode mode : List.of(Injector.Mode.BOUND, Injector.Mode.BAKED)) {
        a.add(Arguments.of(c.get("model"), c.get("adapter"), mode));
      }
    }
    return a.stream();
  }

  static LoraAdapter readAdapter(String id) throws IOException {
    return LoraAdapter.readPeft(DIR.resolve((String) adapter(id).get("dir"))).withName(id);
  }

  static final List<AutoCloseable> OPEN = new ArrayList<>();

  @AfterAll
  static void closeAll() throws Exception {
    for (AutoCloseable c : OPEN) {
      c.close();
    }
  }

  static Map<String, OnnxTensor> inputs(String modelId) throws Exception {
    Map<String, OnnxTensor> in = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : ((Map<?, ?>) model(modelId).get("inputs")).entrySet()) {
      NpyArray x = Npy.read(DIR.resolve((String) e.getValue()));
      OnnxTensor t =
          x.dtype() == NpyDType.I8
              ? OnnxTensor.createTensor(ENV, LongBuffer.wrap(x.toLongArray()), x.shape())
              : OnnxTensor.createTensor(ENV, FloatBuffer.wrap(x.toFloatArray()), x.shape());
      OPEN.add(t);
      in.put((String) e.getKey(), t);
    }
    return in;
  }

  static double runAndCompare(InjectedSession s, String modelId, String task, String expectedFile)
      throws Exception {
    String output = (String) model(modelId).get("output");
    try (OrtSession.Result r = s.run(inputs(modelId), task)) {
      OnnxTensor t = (OnnxTensor) r.get(output).orElseThrow();
      FloatBuffer fb = t.getFloatBuffer();
      float[] got = new float[fb.remaining()];
      fb.get(got);
      float[] want = Npy.read(DIR.resolve(expectedFile)).toFloatArray();
      assertTrue(
          got.length == want.length,
          "output has " + got.length + " values, expected " + want.length);
      double err = 0;
      for (int i = 0; i < got.length; i++) {
        assertTrue(Float.isFinite(got[i]), "non-finite output");
        err = Math.max(err, Math.abs((double) got[i] - want[i]));
      }
      return err;
    }
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("everyCaseBoundAndMerged")
  void injectedExportMatchesPeft(String modelId, String adapterId, Injector.Mode mode)
      throws Exception {
    Path file = DIR.resolve((String) model(modelId).get("file"));
    InjectedModel m =
        Injector.builder()
            .model(file)
            .mode(mode)
            .task(Task.of("t", readAdapter(adapterId)))
            .build();
    try (InjectedSession s = m.open(ENV, new OrtSession.SessionOptions())) {
      double err = runAndCompare(s, modelId, "t", (String) adapter(adapterId).get("expected"));
      System.out.printf("max-error %s %s %s %.3g%n", modelId, adapterId, mode, err);
      assertTrue(
          err <= tolerance(),
          modelId + " " + adapterId + " " + mode + ": max error " + err + " > " + tolerance());
    }
  }

  static Stream<Arguments> multitask() {
    List<Arguments> a = new ArrayList<>();
    for (Object o : (List<?>) MANIFEST.get("multitask")) {
      Map<?, ?> c = (Map<?, ?>) o;
      a.add(Arguments.of(c.get("model"), c.get("adapters")));
    }
    return a.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("multitask")
  void tasksWithTheirOwnHeadsSwitchPerCallOnOneSession(String modelId, List<?> adapters)
      throws Exception {
    Injector.Builder b = Injector.builder().model(DIR.resolve((String) model(modelId).get("file")));
    for (Object id : adapters) {
      b.task(Task.of((String) id, readAdapter((String) id)));
    }
    try (InjectedSession s = b.build().open(ENV, new OrtSession.SessionOptions())) {
      for (int round = 0; round < 2; round++) {
        for (Object id : adapters) {
          double err =
              runAndCompare(s, modelId, (String) id, (String) adapter((String) id).get("expected"));
          assertTrue(err <= tolerance(), modelId + " task " + id + ": max error " + err);
        }
      }
    }
  }
}
