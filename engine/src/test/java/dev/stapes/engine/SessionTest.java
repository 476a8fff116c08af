package dev.stapes.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SessionTest {
  @TempDir Path tmp;

  @Test
  void describesInputsOutputsAndMetadata() throws IOException {
    try (Session s = Session.open(TestModels.model("accumulator"))) {
      assertEquals("[x, state]", s.inputs().keySet().toString());
      assertEquals("x: float32[1, 4]", s.input("x").toString());
      assertEquals("[y, state_out]", s.outputs().keySet().toString());
      assertEquals("4", s.metadata().get("stapes.chunk_samples"));
      StreamSpec spec = s.streamSpecFromMetadata();
      assertEquals("x", spec.audioInput());
      assertEquals(16000, spec.sampleRate());
      assertEquals("state", spec.states().get(0).input());
      assertEquals("[y]", spec.outputs().toString());
    }
    try (Session s = Session.open(TestModels.model("identity"))) {
      assertEquals("x: float32[1, n]", s.input("x").toString());
      assertArrayEquals(new long[] {1, -1}, s.input("x").shape());
      assertEquals(null, s.streamSpecFromMetadata());
    }
  }

  @Test
  void runsTheGeneralPath() throws IOException {
    try (Session s = Session.open(TestModels.model("accumulator"));
        Tensor x = Tensor.ofFloats(new float[] {1, 2, 3, 4}, 1, 4);
        Tensor st = Tensor.ofFloats(new float[] {10, 10, 10, 10}, 1, 4);
        Session.Outputs out = s.run(Map.of("x", x, "state", st))) {
      assertEquals("[y, state_out]", out.names().toString());
      assertArrayEquals(new float[] {11, 12, 13, 14}, out.get("y").toFloats());
    }
  }

  @Test
  void namesTheValidInputsForAnUnknownName() throws IOException {
    try (Session s = Session.open(TestModels.model("accumulator"));
        Tensor x = Tensor.ofFloats(new float[] {1, 2, 3, 4}, 1, 4)) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> s.run(Map.of("input", x)));
      assertEquals("Unknown input name input, expected one of [x, state]", e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> s.run(Map.of("x", x)));
      assertTrue(e.getMessage().startsWith("Missing input state: float32[1, 4]"), e.getMessage());
    }
  }

  @Test
  void namesExpectedAndActualShapeAndType() throws IOException {
    try (Session s = Session.open(TestModels.model("accumulator"));
        Tensor wrongShape = Tensor.ofFloats(new float[] {1, 2, 3}, 1, 3);
        Tensor wrongRank = Tensor.ofFloats(new float[] {1, 2, 3, 4}, 4);
        Tensor wrongType = Tensor.ofLongs(new long[] {1, 2, 3, 4}, 1, 4)) {
      assertEquals(
          "Input x has shape [1, 3], expected [1, 4] (type float32)",
          assertThrows(IllegalArgumentException.class, () -> s.checkInput("x", wrongShape))
              .getMessage());
      assertEquals(
          "Input x has shape [4], expected [1, 4] (type float32)",
          assertThrows(IllegalArgumentException.class, () -> s.checkInput("x", wrongRank))
              .getMessage());
      assertEquals(
          "Input x has type int64, expected float32 (shape [1, 4])",
          assertThrows(IllegalArgumentException.class, () -> s.checkInput("x", wrongType))
              .getMessage());
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 7, 64, 1000})
  void acceptsAnyLengthForASymbolicDimension(int n) throws IOException {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = i * 0.5f;
    }
    try (Session s = Session.open(TestModels.model("identity"));
        Tensor x = Tensor.ofFloats(v, 1, n);
        Session.Outputs out = s.run(Map.of("x", x))) {
      assertArrayEquals(v, out.get("y").toFloats());
    }
  }

  @Test
  void reportsAMissingModelFile() {
    NoSuchFileException e =
        assertThrows(NoSuchFileException.class, () -> Session.open(tmp.resolve("missing.onnx")));
    assertTrue(e.getMessage().contains("missing.onnx"), e.getMessage());
    assertTrue(e.getMessage().contains("model file not found"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "not a model at all", "\u0008\u0001\u0012"})
  void reportsACorruptModelFileInOneLine(String content) throws IOException {
    Path p = tmp.resolve("corrupt.onnx");
    Files.writeString(p, content);
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> Session.open(p));
    assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("not an ONNX model"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }

  @Test
  void reportsATruncatedModel() throws IOException {
    byte[] b = Files.readAllBytes(TestModels.model("context"));
    Path p = tmp.resolve("truncated.onnx");
    Files.write(p, java.util.Arrays.copyOf(b, b.length / 2));
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> Session.open(p));
    assertTrue(e.getMessage().contains("truncated.onnx"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"external_dotdot", "external_absolute", "external_nested_dotdot"})
  void refusesExternalDataOutsideTheModelFolderOnBothPaths(String name) {
    Path m = TestModels.model(name);
    for (IOException e :
        new IOException[] {
          assertThrows(ModelFormatException.class, () -> Session.open(m)),
          assertThrows(
              dev.stapes.engine.inject.InvalidModelException.class,
              () -> dev.stapes.engine.inject.Injector.builder().model(m))
        }) {
      assertTrue(e.getMessage().contains("refused"), e.getMessage());
      assertTrue(e.getMessage().contains("external data"), e.getMessage());
      assertTrue(
          e.getMessage().contains(name.equals("external_absolute") ? "absolute" : "'..'"),
          e.getMessage());
    }
  }

  @Test
  void loadsExternalDataInsideTheModelFolder() throws IOException {
    try (Session s = Session.open(TestModels.model("external_ok"));
        Tensor x = Tensor.ofFloats(new float[] {1, 1, 1, 1}, 4);
        Session.Outputs out = s.run(Map.of("x", x))) {
      assertArrayEquals(new float[] {2, 3, 4, 5}, out.get("y").toFloats());
    }
  }

  @Test
  void loadsExternalDataFromBytesGivenTheFolder() throws IOException {
    Path m = TestModels.model("external_ok");
    byte[] b = Files.readAllBytes(m);
    try (Session s = Session.fromBytes(b, "bytes", m.getParent(), SessionOptions.defaults());
        Tensor x = Tensor.ofFloats(new float[] {0, 0, 0, 0}, 4);
        Session.Outputs out = s.run(Map.of("x", x))) {
      assertArrayEquals(new float[] {1, 2, 3, 4}, out.get("y").toFloats());
    }
  }

  @Test
  void refusesExternalDataFromBytesWithoutAFolder() throws IOException {
    byte[] b = Files.readAllBytes(TestModels.model("external_ok"));
    ModelFormatException e =
        assertThrows(
            ModelFormatException.class,
            () -> Session.fromBytes(b, "bytes", null, SessionOptions.defaults()));
    assertTrue(e.getMessage().contains("without a folder"), e.getMessage());
  }

  @Test
  void refusesASymbolicLinkLeadingOutOfTheFolderOnBothPaths() throws IOException {
    Path outside = tmp.resolve("outside");
    Path dir = tmp.resolve("model");
    Files.createDirectories(outside);
    Files.createDirectories(dir);
    Files.copy(
        TestModels.model("external_ok").resolveSibling("weights.bin"), outside.resolve("w.bin"));
    Files.copy(TestModels.model("external_ok"), dir.resolve("m.onnx"));
    Files.createSymbolicLink(dir.resolve("weights.bin"), outside.resolve("w.bin"));
    Path m = dir.resolve("m.onnx");
    for (IOException e :
        new IOException[] {
          assertThrows(ModelFormatException.class, () -> Session.open(m)),
          assertThrows(
              dev.stapes.engine.inject.InvalidModelException.class,
              () -> dev.stapes.engine.inject.Injector.builder().model(m)),
          assertThrows(
              dev.stapes.engine.inject.InvalidModelException.class,
              () ->
                  dev.stapes.engine.inject.Injector.builder()
                      .model(Files.readAllBytes(m), m.toString(), dir))
        }) {
      assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
    }
  }

  @Test
  void throwsAfterCloseAndClosesTwice() throws IOException {
    Session s = Session.open(TestModels.model("identity"));
    s.close();
    s.close();
    assertEquals(
        "Session is closed", assertThrows(IllegalStateException.class, s::inputs).getMessage());
    assertThrows(IllegalStateException.class, () -> s.run(Map.of()));
  }

  @Test
  void printsEveryOptionAndValidatesRanges() {
    SessionOptions o =
        SessionOptions.builder()
            .optIntraOpThreads(2)
            .optInterOpThreads(1)
            .optOptimizationLevel(SessionOptions.OptimizationLevel.BASIC)
            .optOptimizedModelCache(Path.of("cache.onnx"))
            .optWarmupRuns(3)
            .optCuda(1)
            .optAllowSpinning(false)
            .build();
    assertEquals(
        "SessionOptions[executionProvider=CUDA, deviceId=1, intraOpThreads=2, interOpThreads=1,"
            + " optimizationLevel=BASIC, optimizedModelCache=cache.onnx, warmupRuns=3, allowSpinning=false]",
        o.toString());
    assertEquals(o, o.toBuilder().build());
    assertEquals(
        SessionOptions.ExecutionProvider.CPU, SessionOptions.defaults().executionProvider());
    assertThrows(
        IllegalArgumentException.class, () -> SessionOptions.builder().optIntraOpThreads(-1));
    assertThrows(IllegalArgumentException.class, () -> SessionOptions.builder().optWarmupRuns(-1));
    assertThrows(IllegalArgumentException.class, () -> SessionOptions.builder().optCuda(-1));
  }

  @Test
  void appliesThreadAndOptimisationOptionsAndWarmsUp() throws IOException {
    SessionOptions o =
        SessionOptions.builder()
            .optIntraOpThreads(1)
            .optInterOpThreads(1)
            .optOptimizationLevel(SessionOptions.OptimizationLevel.NONE)
            .optWarmupRuns(2)
            .optAllowSpinning(false)
            .build();
    try (Session s = Session.open(TestModels.model("context"), o)) {
      assertEquals(o, s.options());
    }
  }

  @Test
  void explainsAnUnavailableCudaProvider() throws Exception {
    boolean cuda = OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
    SessionOptions o = SessionOptions.builder().optCuda(0).build();
    if (!cuda) {
      ExecutionProviderException e =
          assertThrows(
              ExecutionProviderException.class,
              () -> Session.open(TestModels.model("identity"), o));
      assertTrue(e.getMessage().contains("-Pgpu"), e.getMessage());
      assertTrue(e.getMessage().contains("onnxruntime_gpu"), e.getMessage());
      assertTrue(e.getMessage().contains("CPU"), e.getMessage());
    } else {
      // GPU artifact present: either the session opens, or the message names CUDA's libraries
      try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
        try {
          Session.addCuda(so, 0);
        } catch (ExecutionProviderException e) {
          assertTrue(e.getMessage().contains("cuDNN"), e.getMessage());
        }
      }
    }
  }

  @Test
  void cachesTheOptimisedModelAndReusesIt() throws IOException {
    Path cache = tmp.resolve("cache/accumulator.opt.onnx");
    SessionOptions o = SessionOptions.builder().optOptimizedModelCache(cache).build();
    try (Session s = Session.open(TestModels.model("accumulator"), o)) {
      assertEquals(2, s.inputs().size());
    }
    assertTrue(Files.isRegularFile(cache));
    String key = Files.readString(cache.resolveSibling("accumulator.opt.onnx.key"));
    assertTrue(key.contains("sha256=") && key.contains("level=ALL"), key);
    long modified = Files.getLastModifiedTime(cache).toMillis();
    try (Session s = Session.open(TestModels.model("accumulator"), o);
        Tensor x = Tensor.ofFloats(new float[] {1, 2, 3, 4}, 1, 4);
        Tensor st = Tensor.ofFloats(new float[] {1, 1, 1, 1}, 1, 4);
        Session.Outputs out = s.run(Map.of("x", x, "state", st))) {
      assertArrayEquals(new float[] {2, 3, 4, 5}, out.get("y").toFloats());
    }
    assertEquals(modified, Files.getLastModifiedTime(cache).toMillis());
    // a different model invalidates the cache
    try (Session s = Session.open(TestModels.model("identity"), o)) {
      assertEquals("[x]", s.inputs().keySet().toString());
    }
    assertTrue(
        Files.readString(cache.resolveSibling("accumulator.opt.onnx.key"))
            .equals(Files.readString(cache.resolveSibling("accumulator.opt.onnx.key"))));
  }

  @Test
  void loadsFromBytes() throws IOException {
    byte[] b = Files.readAllBytes(TestModels.model("identity"));
    try (Session s = Session.fromBytes(b, "identity-bytes", null, SessionOptions.defaults())) {
      assertEquals("identity-bytes", s.name());
      Map<String, Tensor> in = new LinkedHashMap<>();
      try (Tensor x = Tensor.ofFloats(new float[] {7}, 1, 1)) {
        in.put("x", x);
        try (Session.Outputs out = s.run(in)) {
          assertArrayEquals(new float[] {7}, out.get("y").toFloats());
        }
      }
    }
  }
}
