package dev.stapes.engine.inject;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoraAdapter;
import ai.onnxruntime.OrtSession;
import dev.stapes.engine.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ONNX Runtime adapter files: Stapes' writer against ONNX Runtime's reader, ONNX Runtime's writer
 * (fixtures of engine/src/test/python/make_ort_adapter_fixtures.py) against Stapes' reader, and
 * hostile files.
 */
class OrtAdapterFileTest {
  static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
  static final Path ORT = Path.of("src/test/resources/ort_adapter");
  static final Map<?, ?> SIDECAR = sidecar();
  static final String A = "q_proj.lora_A.MatMul.weight";
  static final String B = "q_proj.lora_B.MatMul.weight";

  @TempDir Path tmp;

  private static Map<?, ?> sidecar() {
    try {
      return (Map<?, ?>) Json.parse(Files.readString(ORT.resolve("fixtures.json")));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Path ortFile(String adapter) {
    return ORT.resolve(
        (String) ((Map<?, ?>) ((Map<?, ?>) SIDECAR.get("adapters")).get(adapter)).get("file"));
  }

  static WeightTensor rand(long seed, long... shape) {
    WeightTensor t = WeightTensor.filled(0f, shape);
    Random r = new Random(seed);
    for (int i = 0; i < t.size(); i++) {
      t.data()[i] = (float) r.nextGaussian();
    }
    return t;
  }

  static Map<String, WeightTensor> params(Object... nameAndTensor) {
    Map<String, WeightTensor> m = new LinkedHashMap<>();
    for (int i = 0; i < nameAndTensor.length; i += 2) {
      m.put((String) nameAndTensor[i], (WeightTensor) nameAndTensor[i + 1]);
    }
    return m;
  }

  /** The message of the {@link InvalidAdapterException} that parsing {@code bytes} must throw. */
  static String refused(byte[] bytes) {
    try {
      OrtAdapterFile.parse(bytes, "bad.onnx_adapter");
    } catch (InvalidAdapterException e) {
      assertOneLine(e.getMessage(), "bad.onnx_adapter: ");
      return e.getMessage();
    }
    return fail("accepted");
  }

  static void assertOneLine(String message, String prefix) {
    assertTrue(message.startsWith(prefix), message);
    assertFalse(message.contains("\n"), message);
  }

  // ---------------------------------------------------------------------------------------------
  // Round trip

  static Stream<long[]> awkwardShapes() {
    return Stream.of(
        new long[] {},
        new long[] {0},
        new long[] {1},
        new long[] {7},
        new long[] {2, 3},
        new long[] {1, 13},
        new long[] {4, 0, 3},
        new long[] {3, 5, 2},
        new long[] {16, 31},
        new long[] {2, 1, 1, 1, 1, 1, 1, 3});
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("awkwardShapes")
  void writeThenReadGivesEqualParametersForAnyShape(long[] shape) throws IOException {
    OrtAdapterFile f =
        OrtAdapterFile.of(
            params(
                "stapes.encoder.layers.0.fc1.lora0.a_t", rand(1, shape),
                "b", rand(2, 3, 1),
                "ü/名前", rand(3, shape)),
            5,
            -3);
    OrtAdapterFile back = OrtAdapterFile.parse(f.toBytes(), "mem");
    assertEquals(f, back);
    assertEquals(5, back.adapterVersion());
    assertEquals(-3, back.modelVersion());
    assertEquals(List.copyOf(f.parameters().keySet()), List.copyOf(back.parameters().keySet()));
    Path p = tmp.resolve("t.onnx_adapter");
    f.write(p);
    assertEquals(f, OrtAdapterFile.read(p));
  }

  @Test
  void valuesRoundTripBitForBitAndRawDataIs8Aligned() throws IOException {
    float[] special = {
      0f, -0f, Float.MIN_VALUE, -Float.MIN_NORMAL, Float.MAX_VALUE, 1e-40f, 1f / 3, -7.5f
    };
    OrtAdapterFile f =
        OrtAdapterFile.of(
            params("odd", new WeightTensor(new long[] {8}, special), "x", rand(9, 5)), 0, 0);
    byte[] bytes = f.toBytes();
    float[] got = OrtAdapterFile.parse(bytes, "mem").parameters().get("odd").data();
    for (int i = 0; i < special.length; i++) {
      assertEquals(Float.floatToRawIntBits(special[i]), Float.floatToRawIntBits(got[i]), "i=" + i);
    }
    Layout l = new Layout(bytes);
    for (int i = 0; i < 2; i++) {
      assertEquals(0, (l.raw(i) + 4) % 8, "raw_data of parameter " + i + " starts 8-aligned");
      assertEquals(0, (l.dims(i) + 4) % 8, "dims of parameter " + i + " start 8-aligned");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Stapes' files in ONNX Runtime

  @Test
  void onnxRuntimeRunsTheExportedTaskAsStapesRunsIt() throws Exception {
    List<String> cases = List.of("lora1", "lora_stack", "lora1_scale0.5", "lora2");
    Injector.Builder b =
        Injector.builder().model(Fixtures.modelPath("bert")).mode(Injector.Mode.BOUND);
    for (String c : cases) {
      b.task(Fixtures.task("bert", c));
    }
    InjectedModel m = b.build();
    Fixtures.Npy x = Fixtures.input("bert");
    try (InjectedSession s = m.open(ENV, new OrtSession.SessionOptions());
        OrtSession plain = ENV.createSession(m.modelBytes(), new OrtSession.SessionOptions());
        OnnxTensor in = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(x.data), x.shape)) {
      for (String c : cases) {
        Path file = tmp.resolve(c + ".onnx_adapter");
        OrtAdapterFile exported = OrtAdapterFile.fromTask(m, c);
        assertEquals(m.boundValues(c).keySet(), exported.parameters().keySet());
        exported.write(file);
        Map<String, Fixtures.Npy> stapes = Fixtures.run(s, "bert", c);
        try (OrtLoraAdapter fromPath = OrtLoraAdapter.create(file.toString());
            OrtLoraAdapter fromBytes = OrtLoraAdapter.create(Files.readAllBytes(file));
            OrtSession.RunOptions ro = new OrtSession.RunOptions();
            OrtSession.RunOptions roBytes = new OrtSession.RunOptions()) {
          ro.addActiveLoraAdapter(fromPath);
          roBytes.addActiveLoraAdapter(fromBytes);
          for (OrtSession.RunOptions opts : List.of(ro, roBytes)) {
            try (OrtSession.Result r = plain.run(Map.of(Fixtures.inputName("bert"), in), opts)) {
              Map<String, Fixtures.Npy> ort = Fixtures.collect(r, "bert");
              for (String o : Fixtures.outputs("bert")) {
                double vsStapes = Fixtures.maxAbsDiff(ort.get(o), stapes.get(o));
                double vsTorch = Fixtures.maxAbsDiff(ort.get(o), Fixtures.expected("bert", c, o));
                System.out.printf(
                    "ort-adapter bert %s %s vs-stapes %.3g vs-torch %.3g%n",
                    c, o, vsStapes, vsTorch);
                assertEquals(0.0, vsStapes, 1e-6, c + " " + o);
                assertTrue(vsTorch <= Fixtures.tolerance(), c + " " + o + " " + vsTorch);
              }
            }
          }
        }
      }
    }
  }

  @Test
  void anExportedTaskImportedBackRunsAsTheInjectedModel() throws Exception {
    InjectedModel m =
        Injector.builder()
            .model(Fixtures.modelPath("bert"))
            .task(Fixtures.task("bert", "lora1"))
            .task(Fixtures.task("bert", "lora2"))
            .build();
    Map<String, Map<String, WeightTensor>> tasks = new LinkedHashMap<>();
    for (String t : m.tasks()) {
      Path p = tmp.resolve(t + ".onnx_adapter");
      OrtAdapterFile.fromTask(m, t).write(p);
      tasks.put(t, OrtAdapterFile.read(p).parameters());
    }
    InjectedModel back = InjectedModel.ofBoundInputs(m.modelBytes(), "bert-bound", tasks);
    assertEquals(m.tasks(), back.tasks());
    assertEquals(m.addedInputs(), back.addedInputs());
    try (InjectedSession a = m.open(ENV, new OrtSession.SessionOptions());
        InjectedSession c = back.open(ENV, new OrtSession.SessionOptions())) {
      for (String t : List.of("lora2", "lora1", "lora2")) {
        Map<String, Fixtures.Npy> want = Fixtures.run(a, "bert", t);
        Map<String, Fixtures.Npy> got = Fixtures.run(c, "bert", t);
        for (String o : Fixtures.outputs("bert")) {
          assertEquals(0.0, Fixtures.maxAbsDiff(got.get(o), want.get(o)), 0.0, t + " " + o);
        }
      }
    }
  }

  @Test
  void exportNeedsABoundModel() throws Exception {
    for (Injector.Mode mode : List.of(Injector.Mode.BAKED, Injector.Mode.PER_ROW)) {
      InjectedModel m =
          Injector.builder()
              .model(Fixtures.modelPath("bert"))
              .mode(mode)
              .task(Fixtures.task("bert", "lora1"))
              .build();
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> OrtAdapterFile.fromTask(m, "lora1"));
      assertTrue(e.getMessage().startsWith("mode=" + mode + ", expected BOUND"), e.getMessage());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // ONNX Runtime's files in Stapes

  @Test
  void anAdapterWrittenByOnnxRuntimeReadsBackWithItsVersionsShapesAndValues() throws IOException {
    OrtAdapterFile de = OrtAdapterFile.read(ortFile("de"));
    assertEquals(3, de.adapterVersion());
    assertEquals(7, de.modelVersion());
    assertEquals(
        List.of(A, B).stream().sorted().toList(),
        de.parameters().keySet().stream().sorted().toList());
    Map<?, ?> shapes = (Map<?, ?>) SIDECAR.get("parameters");
    for (String name : List.of(A, B)) {
      List<?> want = (List<?>) shapes.get(name);
      long[] shape = de.parameters().get(name).shape();
      assertEquals(want.size(), shape.length, name);
      for (int k = 0; k < shape.length; k++) {
        assertEquals(((Number) want.get(k)).longValue(), shape[k], name);
      }
    }
    OrtAdapterFile fr = OrtAdapterFile.read(ortFile("fr"));
    assertEquals(0, fr.adapterVersion());
    assertEquals(0, fr.modelVersion());
    OrtAdapterFile half = OrtAdapterFile.read(ortFile("de_float16"));
    for (String name : List.of(A, B)) {
      assertArrayEquals(de.parameters().get(name).data(), half.parameters().get(name).data(), 0f);
    }
    // Stapes writes what it read, and reads that back unchanged
    assertEquals(de, OrtAdapterFile.parse(de.toBytes(), "rewritten"));
  }

  @Test
  void anOliveStyleModelRunsThroughStapesWithTasksSwitchedPerCall() throws Exception {
    Path model = ORT.resolve((String) SIDECAR.get("model"));
    Map<String, Map<String, WeightTensor>> tasks = new LinkedHashMap<>();
    for (String t : List.of("de", "fr", "de_float16")) {
      tasks.put(t, OrtAdapterFile.read(ortFile(t)).parameters());
    }
    InjectedModel m = InjectedModel.ofBoundInputs(model, tasks);
    assertEquals(List.of("de", "fr", "de_float16"), m.tasks());
    Fixtures.Npy x = Fixtures.Npy.read(ORT.resolve("x.npy"));
    Map<?, ?> expected = (Map<?, ?>) SIDECAR.get("expected");
    double tol = (Double) SIDECAR.get("tolerance");
    try (InjectedSession s = m.open(ENV, new OrtSession.SessionOptions());
        OnnxTensor in = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(x.data), x.shape)) {
      for (String t : List.of("fr", "de", "fr", "de_float16", "de")) {
        String file = (String) expected.get(t.equals("de_float16") ? "de" : t);
        Fixtures.Npy want = Fixtures.Npy.read(ORT.resolve(file));
        try (OrtSession.Result r = s.run(Map.of("x", in), t)) {
          OnnxTensor y = (OnnxTensor) r.get("y").orElseThrow();
          float[] got = new float[want.data.length];
          y.getFloatBuffer().get(got);
          double err = Fixtures.maxAbsDiff(new Fixtures.Npy(y.getInfo().getShape(), got), want);
          assertTrue(err <= tol, t + " max error " + err);
        }
      }
      // ONNX Runtime Java reads ONNX Runtime Python's file and agrees
      try (OrtSession plain = ENV.createSession(Files.readAllBytes(model));
          OrtLoraAdapter a = OrtLoraAdapter.create(ortFile("fr").toString());
          OrtSession.RunOptions ro = new OrtSession.RunOptions()) {
        ro.addActiveLoraAdapter(a);
        try (OrtSession.Result r = plain.run(Map.of("x", in), ro)) {
          FloatBuffer fb = ((OnnxTensor) r.get("y").orElseThrow()).getFloatBuffer();
          Fixtures.Npy want = Fixtures.Npy.read(ORT.resolve((String) expected.get("fr")));
          for (int i = 0; i < want.data.length; i++) {
            assertEquals(want.data[i], fb.get(i), tol, "i=" + i);
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Hostile files

  /** Positions in a file laid out by Stapes' writer, found by following its offsets. */
  static final class Layout {
    final ByteBuffer b;

    Layout(byte[] bytes) {
      b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    int root() {
      return b.getInt(0);
    }

    int vec() {
      int f = root() + 16;
      return f + b.getInt(f);
    }

    int table(int i) {
      int e = vec() + 4 + 4 * i;
      return e + b.getInt(e);
    }

    int field(int i, int k) {
      int f = table(i) + 4 + 4 * k;
      return f + b.getInt(f);
    }

    int name(int i) {
      return field(i, 0);
    }

    int dims(int i) {
      return field(i, 1);
    }

    int raw(int i) {
      return field(i, 3);
    }
  }

  static byte[] twoParameters() {
    return OrtAdapterFile.of(params("a0", rand(1, 3, 2), "a1", rand(2, 3, 2)), 0, 0).toBytes();
  }

  @Test
  void everyTruncationIsRefusedWithOneMessage() throws IOException {
    for (byte[] whole : List.of(twoParameters(), Files.readAllBytes(ortFile("de")))) {
      for (int n = 0; n < whole.length; n++) {
        byte[] cut = java.util.Arrays.copyOf(whole, n);
        String m = refused(cut);
        assertTrue(
            m.contains("bytes") || m.contains("identifier") || m.contains("terminat"),
            "length " + n + ": " + m);
      }
    }
  }

  @Test
  void randomCorruptionIsEitherReadOrRefusedWithAnInvalidAdapterException() throws IOException {
    Random r = new Random(42);
    int refusedCount = 0;
    for (byte[] whole : List.of(twoParameters(), Files.readAllBytes(ortFile("de")))) {
      for (int trial = 0; trial < 3000; trial++) {
        byte[] bad = whole.clone();
        for (int k = 1 + r.nextInt(4); k > 0; k--) {
          bad[8 + r.nextInt(bad.length - 8)] = (byte) r.nextInt(256);
        }
        try {
          OrtAdapterFile.parse(bad, "bad.onnx_adapter");
        } catch (InvalidAdapterException e) {
          assertOneLine(e.getMessage(), "bad.onnx_adapter: ");
          refusedCount++;
        } catch (RuntimeException e) {
          throw new AssertionError("trial " + trial + " threw " + e, e);
        }
      }
    }
    assertTrue(refusedCount > 1000, "refused " + refusedCount);
  }

  @Test
  void aWrongIdentifierIsRefused() {
    byte[] b = twoParameters();
    b[4] = 'O';
    b[5] = 'N';
    b[6] = 'N';
    b[7] = 0;
    assertEquals(
        "bad.onnx_adapter: file identifier is \"ONN\\x00\", expected \"TORT\""
            + " (not an ONNX Runtime adapter file)",
        refused(b));
  }

  @Test
  void offsetsOutOfRangeAreRefused() {
    byte[] b = twoParameters();
    ByteBuffer w = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    w.putInt(0, 0x7fff_fff0);
    assertTrue(refused(b).contains("root table offset target at offset 2147483632"), refused(b));

    b = twoParameters();
    w = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    Layout l = new Layout(b);
    w.putInt(l.root() + 16, -4); // unsigned: 4 GiB ahead
    assertTrue(refused(b).contains("Adapter.parameters target"), refused(b));

    b = twoParameters();
    w = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    l = new Layout(b);
    int rawField = l.table(1) + 16;
    w.putInt(rawField, b.length - rawField - 2); // raw_data length prefix would cross the end
    assertTrue(refused(b).contains("parameter 'a1' raw_data length at offset"), refused(b));

    b = twoParameters();
    w = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    l = new Layout(b);
    w.putInt(l.table(0), -b.length); // vtable past the end
    assertTrue(refused(b).contains("parameter 0 vtable at offset"), refused(b));
  }

  @Test
  void brokenVtablesAreRefused() {
    byte[] b = twoParameters();
    ByteBuffer w = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    int vt = new Layout(b).root() - w.getInt(new Layout(b).root());
    w.putShort(vt, (short) 7);
    assertEquals(
        "bad.onnx_adapter: root table vtable at offset "
            + vt
            + " has size 7, expected an even size >= 4",
        refused(b));

    b = twoParameters();
    w = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    vt = new Layout(b).root() - w.getInt(new Layout(b).root());
    w.putShort(vt + 4 + 2 * 3, (short) 40); // parameters field past the table's 20 bytes
    assertTrue(refused(b).contains("Adapter.parameters lies at 40..44"), refused(b));
  }

  @Test
  void hugeCountsAreRefusedBeforeAnyAllocation() {
    byte[] b = twoParameters();
    ByteBuffer w = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    Layout l = new Layout(b);
    w.putInt(l.vec(), Integer.MAX_VALUE);
    assertTrue(refused(b).contains("declares 2147483647 elements of 4 bytes"), refused(b));

    b = twoParameters();
    w = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    l = new Layout(b);
    w.putInt(l.dims(0), -1);
    assertTrue(refused(b).contains("parameter 'a0' dims at offset"), refused(b));
    assertTrue(refused(b).contains("declares 4294967295 elements of 8 bytes"), refused(b));

    b = twoParameters();
    w = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    l = new Layout(b);
    w.putLong(l.dims(0) + 4, 1L << 40);
    w.putLong(l.dims(0) + 12, 1L << 40);
    assertEquals(
        "bad.onnx_adapter: parameter 'a0' has dims [1099511627776, 1099511627776] of FLOAT, more"
            + " elements than the file could hold; its raw_data holds 24 bytes",
        refused(b));

    // more entries than the cap, each backed by bytes so that only the cap can refuse them
    byte[] empty = OrtAdapterFile.of(Map.of(), 0, 0).toBytes();
    int n = OrtAdapterFile.MAX_PARAMETERS + 1;
    b = java.util.Arrays.copyOf(empty, empty.length + 4 * n);
    w = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    w.putInt(new Layout(b).vec(), n);
    assertEquals(
        "bad.onnx_adapter: Adapter.parameters holds 1000001 entries, expected at most 1000000",
        refused(b));
  }

  @Test
  void unsupportedDataTypesAreRefusedNamingTheParameterAndTheValidSet() throws IOException {
    InvalidAdapterException e =
        assertThrows(InvalidAdapterException.class, () -> OrtAdapterFile.read(ortFile("int64")));
    assertEquals(
        ortFile("int64")
            + ": parameter '"
            + A
            + "' has data_type=INT64 (7), expected one of [FLOAT (1), FLOAT16 (10)]",
        e.getMessage());

    byte[] b = twoParameters();
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(new Layout(b).table(0) + 12, 99);
    assertEquals(
        "bad.onnx_adapter: parameter 'a0' has data_type=99 (not a TensorDataType), expected one of"
            + " [FLOAT (1), FLOAT16 (10)]",
        refused(b));
  }

  @Test
  void aFormatVersionOtherThanOneIsRefused() {
    byte[] b = twoParameters();
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(new Layout(b).root() + 4, 2);
    assertEquals("bad.onnx_adapter: format_version=2, expected one of [1]", refused(b));
  }

  @Test
  void rawDataOfTheWrongSizeIsRefused() {
    byte[] b = twoParameters();
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(new Layout(b).dims(1) + 4, 4);
    assertEquals(
        "bad.onnx_adapter: parameter 'a1' has dims [4, 2] of FLOAT, which need 32 bytes; its"
            + " raw_data holds 24 bytes",
        refused(b));
  }

  @Test
  void parametersSharingRawDataAreRefused() {
    // one large parameter and many that point at its data would make the reader allocate many
    // times the file's size
    Map<String, WeightTensor> m = new LinkedHashMap<>();
    for (int i = 0; i < 8; i++) {
      m.put("p" + i, rand(i, 0));
    }
    m.put("big", rand(1, 64, 64)); // last: FlatBuffers offsets point forward only
    byte[] b = OrtAdapterFile.of(m, 0, 0).toBytes();
    ByteBuffer w = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    Layout l = new Layout(b);
    for (int i = 0; i < 8; i++) {
      int dimsField = l.table(i) + 8;
      w.putInt(dimsField, l.dims(8) - dimsField);
      int rawField = l.table(i) + 16;
      w.putInt(rawField, l.raw(8) - rawField);
    }
    String msg = refused(b);
    assertTrue(msg.contains("raw_data add up to more than the file's"), msg);
    assertTrue(msg.contains("parameters share data, which is refused"), msg);
  }

  @Test
  void badNamesAreRefused() {
    byte[] b = twoParameters();
    b[new Layout(b).name(1) + 5] = '0';
    assertEquals(
        "bad.onnx_adapter: parameter 1 is named 'a0' like an earlier parameter", refused(b));

    b = twoParameters();
    b[new Layout(b).name(0) + 4] = (byte) 0xff;
    assertTrue(refused(b).contains("parameter 0 name at offset"), refused(b));
    assertTrue(refused(b).endsWith("is not valid UTF-8"), refused(b));

    b = twoParameters();
    b[new Layout(b).name(0) + 6] = 'x'; // the terminating zero
    assertTrue(refused(b).endsWith("is not terminated by a zero byte"), refused(b));

    b = twoParameters();
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(new Layout(b).name(0), 0);
    b[new Layout(b).name(0) + 4] = 0;
    assertEquals(
        "bad.onnx_adapter: parameter 0 has an empty name, expected a graph input name", refused(b));
  }

  @Test
  void nonFiniteValuesAreRefused() {
    WeightTensor t = rand(1, 2, 3);
    t.data()[4] = Float.NaN;
    byte[] b = OrtAdapterFile.of(params("w", t), 0, 0).toBytes();
    assertEquals(
        "bad.onnx_adapter: parameter 'w' element 4 is NaN, expected finite values", refused(b));
  }

  @Test
  void aNameWithControlCharactersIsEscapedInMessages() {
    WeightTensor t = rand(1, 2);
    t.data()[1] = Float.POSITIVE_INFINITY;
    byte[] b = OrtAdapterFile.of(params("w\nforged: line'", t), 0, 0).toBytes();
    assertEquals(
        "bad.onnx_adapter: parameter 'w\\u000aforged: line\\u0027' element 1 is Infinity,"
            + " expected finite values",
        refused(b));
  }

  // ---------------------------------------------------------------------------------------------
  // Tensors that do not fit the graph

  static InvalidAdapterException bindRefused(Path model, Map<String, Map<String, WeightTensor>> t) {
    InvalidAdapterException e =
        assertThrows(InvalidAdapterException.class, () -> InjectedModel.ofBoundInputs(model, t));
    assertOneLine(e.getMessage(), model + ": task '");
    return e;
  }

  @Test
  void namesNotInTheGraphAreRefused() throws IOException {
    Path model = ORT.resolve("olive_lora.onnx");
    Map<String, WeightTensor> de =
        new LinkedHashMap<>(OrtAdapterFile.read(ortFile("de")).parameters());
    de.put("q_proj.lora_C.MatMul.weight", rand(1, 2, 2));
    assertEquals(
        model
            + ": task 'de' tensor 'q_proj.lora_C.MatMul.weight' is not an input of the graph,"
            + " expected one of [x, "
            + A
            + ", "
            + B
            + "]",
        bindRefused(model, Map.of("de", de)).getMessage());
  }

  @Test
  void aShapeThatDoesNotFitTheGraphInputIsRefused() throws IOException {
    Path model = ORT.resolve("olive_lora.onnx");
    assertEquals(
        model + ": task 'de' tensor '" + A + "' has shape [2, 4], the graph input has [4, 2]",
        bindRefused(model, Map.of("de", params(A, rand(1, 2, 4)))).getMessage());
    assertEquals(
        model + ": task 'de' tensor 'x' has shape [4], the graph input has [batch, 4]",
        bindRefused(model, Map.of("de", params("x", rand(1, 4)))).getMessage());
    // a symbolic dimension takes any size
    InjectedModel.ofBoundInputs(model, Map.of("de", params("x", rand(1, 9, 4))));
  }

  @Test
  void tasksBindingDifferentInputsAreRefused() throws IOException {
    Path model = ORT.resolve("olive_lora.onnx");
    Map<String, Map<String, WeightTensor>> t = new LinkedHashMap<>();
    t.put("de", OrtAdapterFile.read(ortFile("de")).parameters());
    t.put("only-a", params(A, rand(1, 4, 2)));
    assertEquals(
        model
            + ": task 'only-a' binds other inputs than task 'de': missing ["
            + B
            + "], extra []; every task must bind the same inputs",
        bindRefused(model, t).getMessage());
  }

  @Test
  void aGraphInputThatIsNotFloatIsRefused() throws IOException {
    InjectedModel perRow =
        Injector.builder()
            .model(Fixtures.modelPath("bert"))
            .mode(Injector.Mode.PER_ROW)
            .task(Fixtures.task("bert", "lora1"))
            .build();
    Path model = tmp.resolve("per_row.onnx");
    Files.write(model, perRow.modelBytes());
    String index = perRow.taskIndexInput();
    assertEquals(
        model
            + ": task 't' tensor '"
            + index
            + "': the graph input has type INT64, expected FLOAT (Stapes binds float32 tensors)",
        bindRefused(model, Map.of("t", params(index, rand(1, 1)))).getMessage());
  }

  @Test
  void aFileThatIsNotAnAdapterIsRefused() throws IOException {
    InvalidAdapterException e =
        assertThrows(
            InvalidAdapterException.class,
            () -> OrtAdapterFile.read(ORT.resolve("olive_lora.onnx")));
    assertTrue(e.getMessage().contains("file identifier is"), e.getMessage());
    assertEquals(
        tmp + ": not a regular file",
        assertThrows(InvalidAdapterException.class, () -> OrtAdapterFile.read(tmp)).getMessage());
  }
}
