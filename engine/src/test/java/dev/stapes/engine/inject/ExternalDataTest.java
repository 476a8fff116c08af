package dev.stapes.engine.inject;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import dev.stapes.engine.Session;
import dev.stapes.engine.SessionOptions;
import dev.stapes.engine.Tensor;
import dev.stapes.engine.inject.internal.OnnxModels;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * External data through every loading path: {@code Session.open}, {@code Session.fromBytes} with a
 * folder, {@code OnnxModels.read}, {@code Injector.builder().model(Path)} and {@code model(bytes,
 * source, folder)} read it with one set of checks ({@code
 * dev.stapes.engine.internal.ExternalData}): the same bytes load the same way everywhere, and every
 * hostile location, file or size is refused everywhere, before anything is read from it.
 */
class ExternalDataTest {
  /** What the weights would be if a refused file were read: 100, 200, 300, 400. */
  static final float[] OUTSIDE = {100, 200, 300, 400};

  static final float[] INSIDE = {1, 2, 3, 4};

  @TempDir Path tmp;

  /** One way of loading a model file; returns y = x + w for x = 0 (that is, w). */
  interface Loader {
    float[] weights(Path model) throws IOException;
  }

  static Map<String, Loader> loaders() {
    Map<String, Loader> m = new java.util.LinkedHashMap<>();
    m.put("Session.open", p -> run(Session.open(p)));
    m.put(
        "Session.fromBytes",
        p ->
            run(
                Session.fromBytes(
                    Files.readAllBytes(p),
                    p.toString(),
                    p.toAbsolutePath().getParent(),
                    SessionOptions.defaults())));
    m.put("OnnxModels.read", p -> run(baked(Injector.builder().model(OnnxModels.read(p)))));
    m.put("Injector.model(Path)", p -> run(baked(Injector.builder().model(p))));
    m.put(
        "Injector.model(bytes, folder)",
        p ->
            run(
                baked(
                    Injector.builder()
                        .model(
                            Files.readAllBytes(p), p.toString(), p.toAbsolutePath().getParent()))));
    return m;
  }

  static Session baked(Injector.Builder b) throws IOException {
    return b.mode(Injector.Mode.BAKED)
        .task(Task.of("t"))
        .build()
        .openSession("injected", SessionOptions.defaults());
  }

  static float[] run(Session s) throws IOException {
    try (s;
        Tensor x = Tensor.ofFloats(new float[4], 4);
        Session.Outputs o = s.run(Map.of("x", x))) {
      return o.get("y").toFloats();
    }
  }

  /** y = x + w, float32[4], w external with these external_data entries (null: left out). */
  static OnnxMl.ModelProto addModel(String location, String offset, String length, long... dims) {
    OnnxMl.TypeProto t =
        OnnxMl.TypeProto.newBuilder()
            .setTensorType(
                OnnxMl.TypeProto.Tensor.newBuilder()
                    .setElemType(1)
                    .setShape(
                        OnnxMl.TensorShapeProto.newBuilder()
                            .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(4))))
            .build();
    OnnxMl.TensorProto.Builder w =
        OnnxMl.TensorProto.newBuilder()
            .setName("w")
            .setDataType(1)
            .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL);
    for (long d : dims.length == 0 ? new long[] {4} : dims) {
      w.addDims(d);
    }
    entry(w, "location", location);
    entry(w, "offset", offset);
    entry(w, "length", length);
    OnnxMl.GraphProto g =
        OnnxMl.GraphProto.newBuilder()
            .setName("add")
            .addInput(OnnxMl.ValueInfoProto.newBuilder().setName("x").setType(t))
            .addOutput(OnnxMl.ValueInfoProto.newBuilder().setName("y").setType(t))
            .addInitializer(w)
            .addNode(
                OnnxMl.NodeProto.newBuilder()
                    .setName("add")
                    .setOpType("Add")
                    .addInput("x")
                    .addInput("w")
                    .addOutput("y"))
            .build();
    return OnnxMl.ModelProto.newBuilder()
        .setIrVersion(8)
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(17))
        .setGraph(g)
        .build();
  }

  private static void entry(OnnxMl.TensorProto.Builder t, String key, String value) {
    if (value != null) {
      t.addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value));
    }
  }

  static byte[] floats(float... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(v);
    return b.array();
  }

  /**
   * A hostile case: given the model's folder and a folder outside it (holding {@code w.bin} with
   * {@link #OUTSIDE}, of exactly the right size), writes what it needs and returns the model.
   */
  interface Setup {
    OnnxMl.ModelProto make(Path dir, Path outside) throws Exception;
  }

  record Case(String name, Setup setup, String location, String reason) {
    @Override
    public String toString() {
      return name;
    }
  }

  static List<Case> hostile() {
    List<Case> c = new ArrayList<>();
    c.add(
        new Case(
            "symlink inside the folder to a file outside",
            (dir, out) -> {
              Files.createSymbolicLink(dir.resolve("w.bin"), out.resolve("w.bin"));
              return addModel("w.bin", null, null);
            },
            "w.bin",
            "a symbolic link leading outside the model's folder"));
    c.add(
        new Case(
            "symlinked folder component leading outside",
            (dir, out) -> {
              Files.createSymbolicLink(dir.resolve("sub"), out);
              return addModel("sub/w.bin", null, null);
            },
            "sub/w.bin",
            "a symbolic link leading outside the model's folder"));
    c.add(
        new Case(
            "dangling symlink",
            (dir, out) -> {
              Files.createSymbolicLink(dir.resolve("w.bin"), out.resolve("nothing.bin"));
              return addModel("w.bin", null, null);
            },
            "w.bin",
            "no such file in the model's folder"));
    c.add(
        new Case(
            "absolute location",
            (dir, out) -> addModel(out.resolve("w.bin").toString(), null, null),
            null,
            "an absolute path"));
    c.add(
        new Case(
            "../ traversal",
            (dir, out) -> addModel("../outside/w.bin", null, null),
            "../outside/w.bin",
            "a '..' component"));
    c.add(
        new Case(
            "nested ../ traversal",
            (dir, out) -> addModel("sub/../../outside/w.bin", null, null),
            "sub/../../outside/w.bin",
            "a '..' component"));
    c.add(new Case("empty location", (dir, out) -> addModel("", null, null), "", "is empty"));
    c.add(
        new Case(
            "no location", (dir, out) -> addModel(null, "0", "16"), null, "no 'location' entry"));
    c.add(
        new Case(
            "NUL in the location",
            (dir, out) -> addModel("w.bin\0x", null, null),
            null,
            "NUL character"));
    c.add(
        new Case(
            "a directory as location",
            (dir, out) -> {
              Files.createDirectories(dir.resolve("sub"));
              return addModel("sub", null, null);
            },
            "sub",
            "a directory, expected a regular file"));
    c.add(
        new Case(
            "the folder itself as location",
            (dir, out) -> addModel(".", null, null),
            ".",
            "a directory, expected a regular file"));
    c.add(
        new Case(
            "a named pipe as location",
            (dir, out) -> {
              Path fifo = dir.resolve("w.bin");
              boolean made;
              try {
                made = new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0;
              } catch (IOException e) {
                made = false;
              }
              assumeTrue(made && Files.exists(fifo), "mkfifo is not available");
              return addModel("w.bin", null, null);
            },
            "w.bin",
            "not a regular file (a named pipe"));
    c.add(
        new Case(
            "offset + length beyond the file",
            (dir, out) -> {
              Files.write(dir.resolve("w.bin"), floats(INSIDE));
              return addModel("w.bin", "8", "16");
            },
            "w.bin",
            "offset=8 + length=16 bytes reaches past the end of the file (16 bytes)"));
    c.add(
        new Case(
            "offset beyond the file",
            (dir, out) -> {
              Files.write(dir.resolve("w.bin"), floats(INSIDE));
              return addModel("w.bin", "17", null);
            },
            "w.bin",
            "offset=17 bytes, expected 0 to the file's 16"));
    c.add(
        new Case(
            "negative offset",
            (dir, out) -> {
              Files.write(dir.resolve("w.bin"), floats(INSIDE));
              return addModel("w.bin", "-4", "16");
            },
            "w.bin",
            "offset=-4 bytes, expected >= 0"));
    c.add(
        new Case(
            "negative length",
            (dir, out) -> {
              Files.write(dir.resolve("w.bin"), floats(INSIDE));
              return addModel("w.bin", "0", "-16");
            },
            "w.bin",
            "length=-16 bytes, expected >= 0"));
    c.add(
        new Case(
            "length beyond any array",
            (dir, out) -> {
              Files.write(dir.resolve("w.bin"), floats(INSIDE));
              return addModel("w.bin", "0", String.valueOf(Long.MAX_VALUE));
            },
            "w.bin",
            "length=9223372036854775807 bytes, expected at most 2147483639 bytes"));
    c.add(
        new Case(
            "shape beyond any array, no length",
            (dir, out) -> {
              Files.write(dir.resolve("w.bin"), floats(INSIDE));
              return addModel("w.bin", null, null, 1L << 40);
            },
            "w.bin",
            "its type and shape need 4398046511104 bytes, expected at most 2147483639 bytes"));
    c.add(
        new Case(
            "shape overflowing a long",
            (dir, out) -> {
              Files.write(dir.resolve("w.bin"), floats(INSIDE));
              return addModel("w.bin", null, null, 1L << 40, 1L << 40);
            },
            "w.bin",
            "holds more than 2147483639 bytes"));
    c.add(
        new Case(
            "length larger than the file",
            (dir, out) -> {
              Files.write(dir.resolve("w.bin"), floats(1, 2));
              return addModel("w.bin", "0", "16");
            },
            "w.bin",
            "offset=0 + length=16 bytes reaches past the end of the file (8 bytes)"));
    c.add(
        new Case(
            "length that does not match the shape",
            (dir, out) -> {
              Files.write(dir.resolve("w.bin"), floats(INSIDE));
              return addModel("w.bin", "0", "12");
            },
            "w.bin",
            "length=12 bytes, expected 16 bytes for float32[4]"));
    c.add(
        new Case(
            "offset that is not a number",
            (dir, out) -> {
              Files.write(dir.resolve("w.bin"), floats(INSIDE));
              return addModel("w.bin", "0x10", null);
            },
            "w.bin",
            "offset='0x10', expected a decimal number of bytes >= 0"));
    return c;
  }

  static Stream<Arguments> hostileOnEveryPath() {
    List<Arguments> out = new ArrayList<>();
    for (Case c : hostile()) {
      for (String loader : loaders().keySet()) {
        out.add(Arguments.of(c, loader));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} via {1}")
  @MethodSource("hostileOnEveryPath")
  void hostileExternalDataIsRefusedOnEveryPathWithOneMessage(Case c, String loader)
      throws Exception {
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.write(outside.resolve("w.bin"), floats(OUTSIDE));
    Path dir = Files.createDirectories(tmp.resolve("model"));
    Path model = dir.resolve("m.onnx");
    Files.write(model, c.setup().make(dir, outside).toByteArray());
    Loader l = loaders().get(loader);
    IOException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(60),
            () -> assertThrows(IOException.class, () -> l.weights(model)),
            c + " via " + loader + " blocked");
    String m = e.getMessage();
    assertTrue(
        e instanceof dev.stapes.engine.ModelFormatException || e instanceof InvalidModelException,
        e.toString());
    assertFalse(m.contains("\n"), m);
    assertTrue(m.startsWith(model.toString() + ": refused external data of tensor 'w'"), m);
    if (c.location() != null) {
      assertTrue(m.contains("at location '" + c.location() + "': "), m);
    }
    assertTrue(m.contains(c.reason()), m);
  }

  @Test
  void externalDataOfAModelGivenAsBytesWithoutAFolderIsRefusedOnEveryPath() throws Exception {
    byte[] m = addModel("w.bin", null, null).toByteArray();
    String want = "x.onnx: refused external data of tensor 'w' at location 'w.bin': the model was";
    List<IOException> refused =
        List.of(
            assertThrows(
                IOException.class,
                () -> Session.fromBytes(m, "x.onnx", null, SessionOptions.defaults())),
            assertThrows(IOException.class, () -> Injector.builder().model(m, "x.onnx")),
            assertThrows(IOException.class, () -> Injector.builder().model(m, "x.onnx", null)));
    for (IOException e : refused) {
      assertTrue(e.getMessage().startsWith(want), e.getMessage());
      assertTrue(e.getMessage().contains("without a folder"), e.getMessage());
    }
  }

  @Test
  void aSymlinkInsideTheFolderToAFileInsideItLoadsOnEveryPath() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("model"));
    Files.createDirectories(dir.resolve("blobs"));
    Files.write(dir.resolve("blobs/w.bin"), floats(INSIDE));
    Files.createSymbolicLink(dir.resolve("w.bin"), Path.of("blobs/w.bin"));
    Files.createSymbolicLink(dir.resolve("weights"), dir.resolve("blobs"));
    for (String loc : List.of("w.bin", "weights/w.bin", "./blobs/w.bin")) {
      Path model = dir.resolve("m.onnx");
      Files.write(model, addModel(loc, null, null).toByteArray());
      for (Map.Entry<String, Loader> l : loaders().entrySet()) {
        assertArrayEquals(INSIDE, l.getValue().weights(model), 0f, loc + " via " + l.getKey());
      }
    }
  }

  @Test
  void aModelFolderReachedThroughASymlinkLoadsOnEveryPath() throws Exception {
    Path real = Files.createDirectories(tmp.resolve("real"));
    Files.write(real.resolve("w.bin"), floats(INSIDE));
    Files.write(real.resolve("m.onnx"), addModel("w.bin", "0", "16").toByteArray());
    Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
    for (Map.Entry<String, Loader> l : loaders().entrySet()) {
      assertArrayEquals(INSIDE, l.getValue().weights(link.resolve("m.onnx")), 0f, l.getKey());
    }
  }

  @Test
  void aModelFileThatIsANamedPipeIsRefusedWithoutBlocking() throws Exception {
    Path fifo = tmp.resolve("m.onnx");
    boolean made;
    try {
      made = new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0;
    } catch (IOException e) {
      made = false;
    }
    assumeTrue(made, "mkfifo is not available");
    for (Map.Entry<String, Loader> l : loaders().entrySet()) {
      if (l.getKey().equals("Session.fromBytes") || l.getKey().contains("bytes")) {
        continue; // these read the file in the test itself
      }
      IOException e =
          assertTimeoutPreemptively(
              Duration.ofSeconds(60),
              () -> assertThrows(IOException.class, () -> l.getValue().weights(fifo)),
              l.getKey() + " blocked");
      assertTrue(e.getMessage().contains("is not a regular file"), e.getMessage());
    }
  }

  /**
   * Writes {@code m} as {@code dir/name} with every initializer in {@code dir/name.data}, as the
   * dynamo exporter does: 64-byte aligned offsets, offset and length given (length left out for the
   * first tensor, which then takes its size from its type and shape).
   */
  static Path writeWithExternalData(OnnxMl.ModelProto m, Path dir, String name) throws IOException {
    String data = name + ".data";
    OnnxMl.GraphProto.Builder g = m.getGraph().toBuilder();
    long offset = 0;
    try (OutputStream out = Files.newOutputStream(dir.resolve(data))) {
      for (int i = 0; i < g.getInitializerCount(); i++) {
        OnnxMl.TensorProto t = g.getInitializer(i);
        ByteString raw = t.getRawData();
        long pad = (64 - offset % 64) % 64;
        out.write(new byte[(int) pad]);
        offset += pad;
        raw.writeTo(out);
        OnnxMl.TensorProto.Builder e =
            t.toBuilder().clearRawData().setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL);
        entry(e, "location", data);
        entry(e, "offset", String.valueOf(offset));
        entry(e, "length", i == 0 ? null : String.valueOf(raw.size()));
        g.setInitializer(i, e);
        offset += raw.size();
      }
    }
    Path model = dir.resolve(name);
    Files.write(model, m.toBuilder().setGraph(g).build().toByteArray());
    return model;
  }

  static float[] encode(Session s, TaskTensors tasks, float[] mel, int frames, int melBins)
      throws IOException {
    try (s;
        Tensor x = Tensor.ofFloats(mel, 1, frames, melBins)) {
      Map<String, Tensor> feeds = new HashMap<>();
      feeds.put("mel", x);
      if (tasks != null) {
        tasks.putInto(feeds, "t");
      }
      try (Session.Outputs o = s.run(feeds)) {
        return o.get("encoder_out").toFloats();
      }
    }
  }

  @Test
  void aDynamoStyleOnnxDataFileGivesTheSameOutputsThroughEveryPath() throws Exception {
    int frames = 5;
    int mel = 8;
    // d=32: 4 KiB q/k/v/out weights (inlined), 8 KiB fc weights (handed over from memory), and
    // int64 Reshape shapes that shape inference needs as values
    OnnxMl.ModelProto base = SyntheticTransformer.whisperLike(2, 32, 4, 64, mel, 42);
    Path dir = Files.createDirectories(tmp.resolve("export"));
    Path model = writeWithExternalData(base, dir, "encoder.onnx");
    assertTrue(Files.size(model) < base.getSerializedSize() / 4, "weights moved out");
    float[] x = new float[frames * mel];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) Math.sin(0.31 * i);
    }
    SessionOptions so = SessionOptions.defaults();
    float[] want =
        encode(Session.fromBytes(base.toByteArray(), "inline", null, so), null, x, frames, mel);

    Map<String, float[]> got = new java.util.LinkedHashMap<>();
    got.put("Session.open", encode(Session.open(model, so), null, x, frames, mel));
    got.put(
        "Session.fromBytes",
        encode(Session.fromBytes(Files.readAllBytes(model), "b", dir, so), null, x, frames, mel));
    got.put("Injector.model(Path)", encode(baked(Injector.builder().model(model)), null, x, 5, 8));
    got.put(
        "Injector.model(bytes, folder)",
        encode(
            baked(Injector.builder().model(Files.readAllBytes(model), "b", dir)), null, x, 5, 8));
    for (Map.Entry<String, float[]> e : got.entrySet()) {
      assertArrayEquals(want, e.getValue(), 1e-6f, e.getKey());
    }

    // with a LoRA, bound and merged: the injection path reads the same weights as the proto
    LoraAdapter lora =
        SyntheticTransformer.randomLora("qv", 2, 32, 64, 4, 8f, 7, "q_proj", "v_proj", "fc2");
    for (Injector.Mode mode : List.of(Injector.Mode.BOUND, Injector.Mode.BAKED)) {
      InjectedModel fromProto =
          Injector.builder().model(base).mode(mode).task(Task.of("t", lora)).build();
      InjectedModel fromFile =
          Injector.builder().model(model).mode(mode).task(Task.of("t", lora)).build();
      float[] a;
      float[] b;
      try (TaskTensors ta = TaskTensors.of(fromProto);
          TaskTensors tb = TaskTensors.of(fromFile)) {
        a = encode(fromProto.openSession("proto", so), ta, x, frames, mel);
        b = encode(fromFile.openSession("file", so), tb, x, frames, mel);
      }
      assertArrayEquals(a, b, 0f, mode.toString());
      double change = 0;
      for (int i = 0; i < a.length; i++) {
        change = Math.max(change, Math.abs(a[i] - want[i]));
      }
      assertTrue(change > 1e-4, mode + ": the LoRA changes the output by " + change);
    }
  }

  @Test
  void aSessionKeepsItsWeightsAfterTheDataFileChanges() throws Exception {
    int frames = 3;
    int mel = 8;
    OnnxMl.ModelProto base = SyntheticTransformer.whisperLike(1, 32, 4, 64, mel, 9);
    Path dir = Files.createDirectories(tmp.resolve("export"));
    Path model = writeWithExternalData(base, dir, "encoder.onnx");
    float[] x = new float[frames * mel];
    java.util.Arrays.fill(x, 0.5f);
    try (Session s = Session.open(model)) {
      float[] before = encodeOpen(s, x, frames, mel);
      Path data = dir.resolve("encoder.onnx.data");
      Files.write(data, new byte[(int) Files.size(data)]);
      assertArrayEquals(before, encodeOpen(s, x, frames, mel), 0f);
    }
  }

  @Test
  void changedExternalDataInvalidatesTheOptimisedModelCache() throws Exception {
    int frames = 3;
    int mel = 8;
    float[] x = new float[frames * mel];
    java.util.Arrays.fill(x, 0.25f);
    Path dir = Files.createDirectories(tmp.resolve("export"));
    SessionOptions cached =
        SessionOptions.builder().optOptimizedModelCache(tmp.resolve("cache/enc.opt.onnx")).build();
    OnnxMl.ModelProto m = SyntheticTransformer.whisperLike(1, 32, 4, 64, mel, 1);
    // the same model with one large weight (handed over from memory) negated: the .onnx file and
    // every inlined tensor stay the same, only the data file differs
    OnnxMl.GraphProto.Builder g = m.getGraph().toBuilder();
    int big = 0;
    while (g.getInitializer(big).getRawData().size() <= 4096) {
      big++;
    }
    float[] w = OnnxModels.toWeights(g.getInitializer(big)).data();
    for (int i = 0; i < w.length; i++) {
      w[i] = -w[i];
    }
    g.setInitializer(
        big, g.getInitializer(big).toBuilder().setRawData(ByteString.copyFrom(floats(w))));
    OnnxMl.ModelProto negated = m.toBuilder().setGraph(g).build();
    byte[] onnxFile = null;
    for (OnnxMl.ModelProto round : List.of(m, negated)) {
      Path model = writeWithExternalData(round, dir, "encoder.onnx");
      if (onnxFile != null) {
        assertArrayEquals(onnxFile, Files.readAllBytes(model));
      }
      onnxFile = Files.readAllBytes(model);
      float[] want =
          encode(
              Session.fromBytes(round.toByteArray(), "inline", null, SessionOptions.defaults()),
              null,
              x,
              frames,
              mel);
      assertArrayEquals(want, encode(Session.open(model, cached), null, x, frames, mel), 1e-6f);
      assertArrayEquals(
          want, encode(Session.open(model, cached), null, x, frames, mel), 1e-6f, "cached");
    }
  }

  private static float[] encodeOpen(Session s, float[] x, int frames, int mel) throws IOException {
    try (Tensor t = Tensor.ofFloats(x, 1, frames, mel);
        Session.Outputs o = s.run(Map.of("mel", t))) {
      return o.get("encoder_out").toFloats();
    }
  }
}
