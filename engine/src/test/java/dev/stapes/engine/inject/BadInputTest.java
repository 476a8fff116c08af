package dev.stapes.engine.inject;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import dev.stapes.engine.inject.internal.OnnxModels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** One clear error for each kind of bad adapter, and the base model left untouched. */
class BadInputTest {
  @TempDir Path tmp;

  static WeightTensor rand(long... shape) {
    WeightTensor t = WeightTensor.filled(0f, shape);
    java.util.Random r = new java.util.Random(shape.length * 31L + shape[0]);
    for (int i = 0; i < t.size(); i++) {
      t.data()[i] = (float) r.nextGaussian() * 0.1f;
    }
    return t;
  }

  static LoraAdapter lora(String module, int r, int in, int out) throws InvalidAdapterException {
    return LoraAdapter.of(
        "test", Map.of(module, new LoraAdapter.Module(rand(r, in), rand(out, r), 1f)));
  }

  static Injector.Builder whisper() throws IOException {
    return Injector.builder().model(Fixtures.modelPath("whisper"));
  }

  @Test
  void unknownModuleFailsWithTheClosestNames() throws Exception {
    LoraAdapter a = lora("encoder.layers.0.self_attn.q_prj", 2, 32, 32);
    InvalidAdapterException e =
        assertThrows(InvalidAdapterException.class, () -> whisper().task(Task.of("t", a)).build());
    assertTrue(
        e.getMessage().contains("module encoder.layers.0.self_attn.q_prj is not in the graph"),
        e.getMessage());
    assertTrue(e.getMessage().contains("encoder.layers.0.self_attn.q_proj"), e.getMessage());
  }

  @Test
  void adapterForAnotherModelFailsOnTheFirstForeignModule() throws Exception {
    Adapter bertLora = Fixtures.adapter("bert", "lora1");
    InvalidAdapterException e =
        assertThrows(
            InvalidAdapterException.class, () -> whisper().task(Task.of("t", bertLora)).build());
    assertTrue(e.getMessage().contains("is not in the graph"), e.getMessage());
  }

  @ParameterizedTest(name = "in={0}")
  @ValueSource(ints = {1, 16, 31, 33, 64})
  void shapeMismatchSaysExpectedAndGot(int in) throws Exception {
    LoraAdapter a = lora("encoder.layers.0.self_attn.q_proj", 4, in, 32);
    InvalidAdapterException e =
        assertThrows(InvalidAdapterException.class, () -> whisper().task(Task.of("t", a)).build());
    assertTrue(e.getMessage().contains("[4, " + in + "]"), e.getMessage());
    assertTrue(e.getMessage().contains("expected [r, 32]"), e.getMessage());
  }

  @Test
  void loraOnAModuleWithSeveralLinearsIsRefused() throws Exception {
    LoraAdapter a = lora("encoder.layers.0.self_attn", 4, 32, 32);
    InvalidAdapterException e =
        assertThrows(InvalidAdapterException.class, () -> whisper().task(Task.of("t", a)).build());
    assertTrue(e.getMessage().contains("holds 4 MatMul/Gemm"), e.getMessage());
  }

  @Test
  void aAndBOfDifferentRanksAreRefused() {
    InvalidAdapterException e =
        assertThrows(
            InvalidAdapterException.class,
            () ->
                LoraAdapter.of(
                    "t", Map.of("m", new LoraAdapter.Module(rand(4, 32), rand(32, 3), 1f))));
    assertTrue(
        e.getMessage().contains("rank 4") && e.getMessage().contains("rank 3"), e.getMessage());
  }

  @Test
  void nonFiniteWeightsAreRefused() {
    WeightTensor a = rand(2, 32);
    a.data()[5] = Float.NaN;
    InvalidAdapterException e =
        assertThrows(
            InvalidAdapterException.class,
            () -> LoraAdapter.of("t", Map.of("m", new LoraAdapter.Module(a, rand(32, 2), 1f))));
    assertTrue(e.getMessage().contains("NaN"), e.getMessage());
  }

  @Test
  void peftDirectoryWithRankDifferentFromConfigIsRefused() throws Exception {
    Path d = tmp.resolve("lora");
    Files.createDirectories(d);
    Files.writeString(
        d.resolve("adapter_config.json"),
        "{\"r\": 8, \"lora_alpha\": 16, \"target_modules\": [\"q_proj\"]}");
    Map<String, WeightTensor> t = new LinkedHashMap<>();
    t.put("base_model.model.encoder.layers.0.self_attn.q_proj.lora_A.weight", rand(4, 32));
    t.put("base_model.model.encoder.layers.0.self_attn.q_proj.lora_B.weight", rand(32, 4));
    Safetensors.write(d.resolve("adapter_model.safetensors"), t, Map.of());
    InvalidAdapterException e =
        assertThrows(InvalidAdapterException.class, () -> LoraAdapter.readPeft(d));
    assertTrue(e.getMessage().contains("expected r=8"), e.getMessage());
  }

  @Test
  void peftModuleOutsideTargetModulesIsRefused() throws Exception {
    Path d = tmp.resolve("lora");
    Files.createDirectories(d);
    Files.writeString(
        d.resolve("adapter_config.json"),
        "{\"r\": 4, \"lora_alpha\": 4, \"target_modules\": \".*v_proj\"}");
    Map<String, WeightTensor> t = new LinkedHashMap<>();
    t.put("base_model.model.encoder.layers.0.self_attn.q_proj.lora_A.weight", rand(4, 32));
    t.put("base_model.model.encoder.layers.0.self_attn.q_proj.lora_B.weight", rand(32, 4));
    Safetensors.write(d.resolve("adapter_model.safetensors"), t, Map.of());
    InvalidAdapterException e =
        assertThrows(InvalidAdapterException.class, () -> LoraAdapter.readPeft(d));
    assertTrue(e.getMessage().contains("not matched by target_modules"), e.getMessage());
  }

  @Test
  void pickleOnlyPeftDirectoryExplainsWhatToDo() throws Exception {
    Path d = tmp.resolve("lora");
    Files.createDirectories(d);
    Files.writeString(d.resolve("adapter_config.json"), "{\"r\": 4}");
    Files.write(d.resolve("adapter_model.bin"), new byte[] {1, 2, 3});
    InvalidAdapterException e =
        assertThrows(InvalidAdapterException.class, () -> LoraAdapter.readPeft(d));
    assertTrue(e.getMessage().contains("safe_serialization"), e.getMessage());
  }

  static byte[] rawSafetensors(String header, int dataBytes) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    return b.array();
  }

  @Test
  void unsupportedDtypeIsRefused() {
    byte[] f =
        rawSafetensors("{\"w\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8);
    InvalidAdapterException e =
        assertThrows(
            InvalidAdapterException.class, () -> Safetensors.parse(ByteBuffer.wrap(f), "f"));
    assertTrue(
        e.getMessage().contains("dtype I32") && e.getMessage().contains("F32, F16, BF16"),
        e.getMessage());
  }

  @Test
  void oversizedHeaderLengthIsRefused() {
    ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(0, 1L << 40);
    InvalidAdapterException e =
        assertThrows(InvalidAdapterException.class, () -> Safetensors.parse(b, "f"));
    assertTrue(e.getMessage().contains("header length 1099511627776"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}",
        "[1,2]",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}"
      })
  void corruptHeadersAreRefusedWithOneLine(String header) {
    byte[] f = rawSafetensors(header, 8);
    InvalidAdapterException e =
        assertThrows(
            InvalidAdapterException.class,
            () -> Safetensors.parse(ByteBuffer.wrap(f), "f.safetensors"));
    assertTrue(e.getMessage().startsWith("f.safetensors: "), e.getMessage());
    assertTrue(!e.getMessage().contains("\n"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 8, 9})
  void aFileTooShortForAHeaderSaysSoWithoutAnEmptyRange(int size) {
    byte[] f = new byte[size];
    InvalidAdapterException e =
        assertThrows(
            InvalidAdapterException.class,
            () -> Safetensors.parse(ByteBuffer.wrap(f), "f.safetensors"));
    assertEquals(
        "f.safetensors: "
            + size
            + " bytes, too short for a safetensors file (expected at least 10: an 8-byte header"
            + " length and a JSON header)",
        e.getMessage());
  }

  @Test
  void aMissingFormatEntryIsSaidSoRatherThanPrintedAsNull() throws Exception {
    Map<String, WeightTensor> t = new LinkedHashMap<>();
    t.put("a", rand(4));
    Path f = tmp.resolve("plain.safetensors");
    Safetensors.write(f, t, Map.of());
    InvalidAdapterException e =
        assertThrows(InvalidAdapterException.class, () -> BottleneckAdapter.read(f));
    assertEquals(
        f
            + ": no 'format' entry in its __metadata__, expected"
            + " format=stapes.bottleneck-adapter (is it a different kind of safetensors file?)",
        e.getMessage());
    e = assertThrows(InvalidAdapterException.class, () -> TaskEmbedding.read(f));
    assertTrue(e.getMessage().contains("expected format=stapes.task-embedding"), e.getMessage());
    assertTrue(!e.getMessage().contains("null"), e.getMessage());
  }

  @Test
  void halfAndBfloat16ReadAsFloat32() throws Exception {
    float[] want = {1f, -2.5f, 0.099975586f, 65504f, 0f, 6.1035156e-05f};
    short[] half = {0x3c00, (short) 0xc100, 0x2e66, 0x7bff, 0, 0x0400};
    ByteBuffer d = ByteBuffer.allocate(12 + 12).order(ByteOrder.LITTLE_ENDIAN);
    for (short h : half) {
      d.putShort(h);
    }
    for (float v : want) {
      d.putShort((short) (Float.floatToIntBits(v) >>> 16));
    }
    String header =
        "{\"h\":{\"dtype\":\"F16\",\"shape\":[6],\"data_offsets\":[0,12]},\"b\":{\"dtype\":\"BF16\",\"shape\":[2,3],\"data_offsets\":[12,24]}}";
    byte[] f = rawSafetensors(header, 24);
    System.arraycopy(d.array(), 0, f, f.length - 24, 24);
    Safetensors st = Safetensors.parse(ByteBuffer.wrap(f), "f");
    assertArrayEquals(want, st.tensors().get("h").data(), 0f);
    float[] bf = st.tensors().get("b").data();
    for (int i = 0; i < want.length; i++) {
      assertEquals(Float.intBitsToFloat(Float.floatToIntBits(want[i]) & 0xffff0000), bf[i], 0f);
    }
    assertArrayEquals(new long[] {2, 3}, st.tensors().get("b").shape());
  }

  @Test
  void writerAndReaderRoundTrip() throws Exception {
    Map<String, WeightTensor> t = new LinkedHashMap<>();
    t.put("a", rand(3, 5));
    t.put("b", rand(7));
    Path f = tmp.resolve("x.safetensors");
    Safetensors.write(f, t, Map.of("format", "test", "quote", "a\"b"));
    Safetensors st = Safetensors.read(f);
    assertArrayEquals(t.get("a").data(), st.tensors().get("a").data(), 0f);
    assertArrayEquals(t.get("b").data(), st.tensors().get("b").data(), 0f);
    assertEquals("a\"b", st.metadata().get("quote"));
  }

  @Test
  void failedInjectionLeavesTheBaseModelUntouched() throws Exception {
    byte[] before = Files.readAllBytes(Fixtures.modelPath("whisper"));
    OnnxMl.ModelProto proto = OnnxModels.parse(before, "whisper");
    LoraAdapter bad = lora("encoder.layers.1.fc1", 4, 32, 63);
    assertThrows(
        InvalidAdapterException.class,
        () ->
            Injector.builder()
                .model(proto)
                .task(Task.of("t", Fixtures.adapter("whisper", "lora1"), bad))
                .build());
    assertArrayEquals(before, proto.toByteArray());
    assertArrayEquals(before, Files.readAllBytes(Fixtures.modelPath("whisper")));
    InjectedModel ok =
        Injector.builder()
            .model(proto)
            .task(Task.of("t", Fixtures.adapter("whisper", "lora1")))
            .build();
    assertTrue(ok.addedNodes() > 0);
  }

  @Test
  void bakedModeRefusesSeveralTasks() throws Exception {
    Injector.Builder b = whisper().mode(Injector.Mode.BAKED).task(Task.of("a")).task(Task.of("b"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
    assertTrue(e.getMessage().contains("mode=BAKED holds one task, got 2"), e.getMessage());
  }

  @Test
  void externalDataOutsideTheModelDirectoryIsRefused() throws Exception {
    OnnxMl.ModelProto m = OnnxModels.parse(Files.readAllBytes(Fixtures.modelPath("whisper")), "w");
    OnnxMl.GraphProto.Builder g = m.getGraph().toBuilder();
    OnnxMl.TensorProto t0 = g.getInitializer(0);
    g.setInitializer(
        0,
        t0.toBuilder()
            .clearRawData()
            .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
            .addExternalData(
                OnnxMl.StringStringEntryProto.newBuilder()
                    .setKey("location")
                    .setValue("../../etc/passwd")));
    Path dir = tmp.resolve("m");
    Files.createDirectories(dir);
    Files.write(dir.resolve("model.onnx"), m.toBuilder().setGraph(g).build().toByteArray());
    Path model = dir.resolve("model.onnx");
    for (IOException e :
        new IOException[] {
          assertThrows(InvalidModelException.class, () -> OnnxModels.read(model)),
          assertThrows(InvalidModelException.class, () -> Injector.builder().model(model)),
          assertThrows(
              dev.stapes.engine.ModelFormatException.class,
              () -> dev.stapes.engine.Session.open(model))
        }) {
      assertTrue(e.getMessage().contains("'../../etc/passwd': a '..' component"), e.getMessage());
    }
  }
}
