package dev.stapes.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import dev.stapes.engine.Npy;
import dev.stapes.engine.NpyArray;
import dev.stapes.engine.inject.internal.OnnxModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** {@code ./stapes infer} with adapters, against the PyTorch fixtures of the engine module. */
class InferInjectionTest {
  @TempDir Path tmp;

  static final Path FIX =
      Path.of(System.getProperty("stapes.root", ".."))
          .resolve("engine/src/test/resources/inject")
          .toAbsolutePath();

  record Run(int code, String out, String err) {}

  static Run run(List<String> args) {
    CommandLine cli = StapesCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args.toArray(new String[0]));
    return new Run(code, out.toString(), err.toString());
  }

  List<String> whisper(Path out, String... adapters) {
    List<String> a =
        new ArrayList<>(List.of("infer", "--model", FIX.resolve("whisper.onnx").toString()));
    for (String s : adapters) {
      a.add(s.startsWith("--") ? s : FIX.resolve(s).toString());
    }
    a.addAll(
        List.of("--input", "mel=" + FIX.resolve("whisper.input.npy"), "--out", out.toString()));
    return a;
  }

  static double maxError(Path got, Path want) throws Exception {
    NpyArray g = Npy.read(got);
    NpyArray w = Npy.read(want);
    assertArrayEquals(w.shape(), g.shape());
    float[] a = g.toFloatArray();
    float[] b = w.toFloatArray();
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  @ParameterizedTest(name = "{0} merge={1}")
  @CsvSource({
    "lora1, false", "lora1, true", "lora1_scale0.5, false", "lora1_scale0.5, true",
    "all, false", "all, true", "token, false", "token, true"
  })
  void peftAdapterAppliesWithOneCommand(String kase, boolean merge) throws Exception {
    List<String> flags =
        switch (kase) {
          case "lora1" -> List.of("--lora", "whisper/lora1");
          case "lora1_scale0.5" -> List.of("--lora", "whisper/lora1:0.5");
          case "token" -> List.of("--task-embedding", "whisper/token.safetensors");
          default ->
              List.of(
                  "--lora",
                  "whisper/lora1",
                  "--lora",
                  "whisper/lora2:0.5",
                  "--adapter",
                  "whisper/bottleneck.safetensors",
                  "--task-embedding",
                  "whisper/taskemb.safetensors");
        };
    List<String> f = new ArrayList<>(flags);
    if (merge) {
      f.add("--merge");
    }
    Path out = tmp.resolve("out");
    Run r = run(whisper(out, f.toArray(new String[0])));
    assertEquals(0, r.code(), r.err());
    double err =
        maxError(
            out.resolve("encoder_out.npy"), FIX.resolve("whisper." + kase + ".encoder_out.npy"));
    assertTrue(err <= 1e-4, kase + " merge=" + merge + " max error " + err);
  }

  @Test
  void adapterForAnotherModelIsOneLineAndExitOne() {
    Run r = run(whisper(tmp.resolve("out"), "--lora", "bert/lora1"));
    assertEquals(1, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(
        r.err().startsWith("stapes infer: ")
            && r.err().contains("is not in the graph; closest module names"),
        r.err());
  }

  @Test
  void missingLoraDirectoryIsOneLine() {
    Run r = run(whisper(tmp.resolve("out"), "--lora", "whisper/nope:2"));
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("--lora: no such directory"), r.err());
  }

  @Test
  void aLoraScaleThatIsNotANumberIsNamedAsTheScale() {
    Run r = run(whisper(tmp.resolve("out"), "--lora", "whisper/lora1:abc"));
    assertEquals(1, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("scale='abc' is not a number, expected DIR or DIR:SCALE"), r.err());
  }

  @Test
  void anAdapterPathThatIsADirectoryIsNotCalledMissing() {
    Run r = run(whisper(tmp.resolve("out"), "--adapter", "whisper"));
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("--adapter: not a regular file"), r.err());
  }

  @Test
  void aModuleMappingWithoutAdaptersIsRefusedAndWritesNothing() {
    Path out = tmp.resolve("out-mapping");
    Run r = run(whisper(out, "--module-mapping", "whisper/lora1/adapter_config.json"));
    assertEquals(1, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(
        r.err().contains("has no effect without --lora, --adapter or --task-embedding"), r.err());
    assertTrue(java.nio.file.Files.notExists(out), "no output directory on failure");
  }

  /**
   * The Whisper fixture with its largest initializer moved to {@code dir/w.bin}, a symbolic link to
   * a file outside {@code dir} holding the same bytes: only the link makes it unsafe.
   */
  Path whisperWithLinkedWeights(Path dir) throws Exception {
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    OnnxMl.ModelProto m =
        OnnxModels.parse(Files.readAllBytes(FIX.resolve("whisper.onnx")), "whisper.onnx");
    OnnxMl.GraphProto.Builder g = m.getGraph().toBuilder();
    int big = 0;
    for (int i = 0; i < g.getInitializerCount(); i++) {
      if (g.getInitializer(i).getRawData().size() > g.getInitializer(big).getRawData().size()) {
        big = i;
      }
    }
    OnnxMl.TensorProto t = g.getInitializer(big);
    Files.write(outside.resolve("w.bin"), t.getRawData().toByteArray());
    g.setInitializer(
        big,
        t.toBuilder()
            .clearRawData()
            .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
            .addExternalData(
                OnnxMl.StringStringEntryProto.newBuilder().setKey("location").setValue("w.bin")));
    Files.createDirectories(dir);
    Files.createSymbolicLink(dir.resolve("w.bin"), outside.resolve("w.bin"));
    Path model = dir.resolve("whisper.onnx");
    Files.write(model, m.toBuilder().setGraph(g).build().toByteArray());
    return model;
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"no adapter", "--lora", "--lora --merge"})
  void externalDataBehindASymlinkOutOfTheFolderIsOneLineAndExitOne(String flags) throws Exception {
    Path model = whisperWithLinkedWeights(tmp.resolve("model"));
    List<String> a = new ArrayList<>(List.of("infer", "--model", model.toString()));
    if (flags.startsWith("--lora")) {
      a.addAll(List.of("--lora", FIX.resolve("whisper/lora1").toString()));
    }
    if (flags.endsWith("--merge")) {
      a.add("--merge");
    }
    Path out = tmp.resolve("out");
    a.addAll(
        List.of("--input", "mel=" + FIX.resolve("whisper.input.npy"), "--out", out.toString()));
    Run r = run(a);
    assertEquals(1, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(
        r.err().contains("refused external data of tensor '")
            && r.err().contains("at location 'w.bin': a symbolic link leading outside"),
        r.err());
    assertTrue(Files.notExists(out), "no output directory on failure");
  }

  @Test
  void loraSpecKeepsColonsThatAreNotScales() {
    Object[] p = InjectionOptions.parseLora("dir:with:colons");
    assertEquals(Path.of("dir:with:colons"), p[0]);
    assertEquals(1f, p[1]);
    Object[] q = InjectionOptions.parseLora("a:b:0.25");
    assertEquals(Path.of("a:b"), q[0]);
    assertEquals(0.25f, q[1]);
  }
}
