package dev.stapes.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stapes.engine.Npy;
import dev.stapes.engine.NpyArray;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class InferCommandTest {
  @TempDir Path tmp;
  Path accumulator;
  Path x;
  Path state;

  static Path resource(String name) {
    try {
      return Path.of(InferCommandTest.class.getResource(name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    CommandLine cli = StapesCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @BeforeEach
  void inputs() throws IOException {
    accumulator = resource("accumulator.onnx");
    x = tmp.resolve("x.npy");
    state = tmp.resolve("state.npy");
    Npy.writeFloat32(x, new float[] {1, 2, 3, 4}, 1, 4);
    Npy.writeFloat32(state, new float[] {10, 20, 30, 40}, 1, 4);
  }

  static void assertOneLineError(Run r, int code, String contains) {
    assertEquals(code, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().startsWith("stapes infer: "), r.err());
    assertTrue(r.err().contains(contains), r.err());
  }

  @Test
  void writesOneNpyPerOutput() throws IOException {
    Path out = tmp.resolve("out");
    Run r =
        run(
            "infer",
            "--model",
            accumulator.toString(),
            "--input",
            "x=" + x,
            "--input",
            "state=" + state,
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err());
    NpyArray y = Npy.read(out.resolve("y.npy"));
    assertArrayEquals(new long[] {1, 4}, y.shape());
    assertArrayEquals(new float[] {11, 22, 33, 44}, y.toFloatArray());
    assertArrayEquals(
        new float[] {11, 22, 33, 44}, Npy.read(out.resolve("state_out.npy")).toFloatArray());
    assertTrue(r.out().contains("y: float32[1, 4] -> "), r.out());
  }

  @Test
  void writesEveryElementTypeIncludingStrings() throws IOException {
    Path model = resource("all_types.onnx");
    Path out = tmp.resolve("types");
    String[] types = {
      "float", "double", "float16", "int8", "int16", "int32", "int64", "uint8", "bool"
    };
    java.util.List<String> args =
        new java.util.ArrayList<>(
            java.util.List.of("infer", "--model", model.toString(), "--out", out.toString()));
    for (String t : types) {
      NpyArray a = Npy.read(InferCommandTest.npyOf(t));
      Path f = tmp.resolve(t + ".npy");
      Npy.write(f, a);
      args.add("--input");
      args.add("x_" + t + "=" + f);
    }
    // bfloat16 and string inputs come as TensorProto files written here by hand-built protos
    args.add("--input");
    args.add("x_bfloat16=" + proto(16, tmp.resolve("bf.pb")));
    args.add("--input");
    args.add("x_string=" + proto(8, tmp.resolve("s.pb")));
    Run r = run(args.toArray(new String[0]));
    assertEquals(0, r.code(), r.err());
    for (String t : types) {
      assertEquals(Npy.read(tmp.resolve(t + ".npy")), Npy.read(out.resolve("y_" + t + ".npy")));
    }
    byte[] s = Files.readAllBytes(out.resolve("y_string.npy"));
    assertTrue(new String(s, StandardCharsets.ISO_8859_1).contains("'descr': '<U"));
    assertTrue(r.out().contains("y_bfloat16: bfloat16[2, 3]"), r.out());
  }

  static Path npyOf(String type) throws IOException {
    dev.stapes.engine.NpyDType d = dev.stapes.engine.NpyDType.fromCode(type);
    java.nio.ByteBuffer b =
        java.nio.ByteBuffer.allocate(6 * d.size()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 6 * d.size(); i++) {
      b.put((byte) (d == dev.stapes.engine.NpyDType.B1 ? i % 2 : 5 * i + 1));
    }
    b.flip();
    Path f = Files.createTempFile("stapes-infer-", ".npy");
    f.toFile().deleteOnExit();
    Npy.write(f, new NpyArray(d, new long[] {2, 3}, b));
    return f;
  }

  static Path proto(int type, Path f) throws IOException {
    ai.onnx.proto.OnnxMl.TensorProto.Builder t =
        ai.onnx.proto.OnnxMl.TensorProto.newBuilder().setDataType(type).addDims(2).addDims(3);
    for (int i = 0; i < 6; i++) {
      if (type == 8) {
        t.addStringData(com.google.protobuf.ByteString.copyFromUtf8("s" + i));
      } else {
        t.addInt32Data(0x3f80 + i);
      }
    }
    Files.write(f, t.build().toByteArray());
    return f;
  }

  @Test
  void readsTheOnnxBackendTestsTensorProtos() throws IOException {
    Path dir = Path.of("/usr/share/libonnx-testdata/data/node/test_add");
    if (!Files.isDirectory(dir) && "true".equals(System.getenv("CI"))) {
      throw new AssertionError("libonnx-testdata is not installed; .ci/run installs it");
    }
    assumeTrue(Files.isDirectory(dir), "libonnx-testdata is not installed");
    Path out = tmp.resolve("add");
    Path set = dir.resolve("test_data_set_0");
    Run r =
        run(
            "infer",
            "--model",
            dir.resolve("model.onnx").toString(),
            "--input",
            "x=" + set.resolve("input_0.pb"),
            "--input",
            "y=" + set.resolve("input_1.pb"),
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err());
    NpyArray sum = Npy.read(out.resolve("sum.npy"));
    NpyArray expected = dev.stapes.engine.TensorProtos.read(set.resolve("output_0.pb")).toNpy();
    assertArrayEquals(expected.toFloatArray(), sum.toFloatArray(), 1e-6f);
  }

  @Test
  void reportsAMissingModelInOneLine() {
    assertOneLineError(
        run(
            "infer",
            "--model",
            tmp.resolve("none.onnx").toString(),
            "--input",
            "x=" + x,
            "--out",
            tmp.toString()),
        1,
        "model file not found");
  }

  @Test
  void reportsACorruptModelInOneLine() throws IOException {
    Path bad = tmp.resolve("bad.onnx");
    Files.writeString(bad, "this is not an onnx model");
    assertOneLineError(
        run("infer", "--model", bad.toString(), "--input", "x=" + x, "--out", tmp.toString()),
        1,
        "not an ONNX model");
  }

  @Test
  void reportsAWrongInputNameWithTheValidNames() {
    assertOneLineError(
        run(
            "infer",
            "--model",
            accumulator.toString(),
            "--input",
            "input=" + x,
            "--out",
            tmp.toString()),
        1,
        "Unknown input name input, expected one of [x, state]");
  }

  @Test
  void reportsAWrongShapeWithExpectedAndActual() throws IOException {
    Path bad = tmp.resolve("bad.npy");
    Npy.writeFloat32(bad, new float[] {1, 2, 3}, 1, 3);
    assertOneLineError(
        run(
            "infer",
            "--model",
            accumulator.toString(),
            "--input",
            "x=" + bad,
            "--input",
            "state=" + state,
            "--out",
            tmp.toString()),
        1,
        "Input x has shape [1, 3], expected [1, 4] (type float32)");
  }

  @Test
  void reportsAWrongDtypeWithExpectedAndActual() throws IOException {
    Path bad = tmp.resolve("bad.npy");
    Npy.writeInt64(bad, new long[] {1, 2, 3, 4}, 1, 4);
    assertOneLineError(
        run(
            "infer",
            "--model",
            accumulator.toString(),
            "--input",
            "x=" + bad,
            "--input",
            "state=" + state,
            "--out",
            tmp.toString()),
        1,
        "Input x has type int64, expected float32");
  }

  @Test
  void reportsAMissingInput() {
    assertOneLineError(
        run(
            "infer",
            "--model",
            accumulator.toString(),
            "--input",
            "x=" + x,
            "--out",
            tmp.toString()),
        1,
        "Missing input state: float32[1, 4]");
  }

  @Test
  void reportsAMissingOrMalformedInputFile() throws IOException {
    assertOneLineError(
        run(
            "infer",
            "--model",
            accumulator.toString(),
            "--input",
            "x=" + tmp.resolve("no.npy"),
            "--out",
            tmp.toString()),
        1,
        "input file not found");
    Path bad = tmp.resolve("bad.npy");
    Files.writeString(bad, "garbage");
    assertOneLineError(
        run(
            "infer",
            "--model",
            accumulator.toString(),
            "--input",
            "x=" + bad,
            "--out",
            tmp.toString()),
        1,
        "not a .npy file");
  }

  @Test
  void anInputThatIsADirectoryOrAPipeIsRefusedWithoutBlocking() throws Exception {
    Path d = Files.createDirectory(tmp.resolve("dir.npy"));
    Run r =
        run(
            "infer",
            "--model",
            accumulator.toString(),
            "--input",
            "x=" + d,
            "--input",
            "state=" + state,
            "--out",
            tmp.resolve("o").toString());
    assertOneLineError(r, 1, "not a regular file");
    Path fifo = tmp.resolve("fifo.npy");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "no mkfifo");
    Run p =
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
            java.time.Duration.ofSeconds(30),
            () ->
                run(
                    "infer",
                    "--model",
                    accumulator.toString(),
                    "--input",
                    "x=" + fifo,
                    "--input",
                    "state=" + state,
                    "--out",
                    tmp.resolve("o").toString()));
    assertOneLineError(p, 1, "not a regular file (a directory, pipe or device)");
    assertTrue(Files.notExists(tmp.resolve("o")), "no output directory on failure");
  }

  @Test
  void anEmptyOutIsRefusedRatherThanWritingIntoTheWorkingDirectory() {
    Run r =
        run(
            "infer",
            "--model",
            accumulator.toString(),
            "--input",
            "x=" + x,
            "--input",
            "state=" + state,
            "--out",
            "");
    assertOneLineError(r, 1, "--out is empty, expected a directory path");
  }

  @Test
  void reportsAnUnavailableGpuInOneLine() {
    assumeTrue(
        !ai.onnxruntime.OrtEnvironment.getAvailableProviders()
            .contains(ai.onnxruntime.OrtProvider.CUDA),
        "the GPU artifact is on the class path");
    assertOneLineError(
        run(
            "infer",
            "--model",
            accumulator.toString(),
            "--input",
            "x=" + x,
            "--input",
            "state=" + state,
            "--out",
            tmp.toString(),
            "--provider",
            "cuda"),
        1,
        "-Pgpu");
  }

  @Test
  void reportsAMissingRequiredOptionAsAUsageError() {
    Run r = run("infer", "--input", "x=" + x, "--out", tmp.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--model"), r.err());
  }
}
