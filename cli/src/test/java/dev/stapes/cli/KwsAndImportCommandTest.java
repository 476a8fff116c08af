package dev.stapes.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stapes.models.TestModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code stapes kws} and {@code stapes import} through the command line. */
class KwsAndImportCommandTest {

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

  static Path kwt1Tflite() {
    Path p = TestModels.root().resolve("../shared/models/kwt1/kwt1_non_stream.tflite").normalize();
    if (TestModels.ci()) {
      assertTrue(Files.isRegularFile(p), "required under CI=true: " + p);
    }
    assumeTrue(Files.isRegularFile(p), p + " absent");
    return p;
  }

  @Test
  void kwsFindsASequenceInA22kHz24BitFileAndPrintsJson(@TempDir Path tmp) throws Exception {
    Path onnx = tmp.resolve("kwt1.onnx");
    assertEquals(0, run("import", kwt1Tflite().toString(), "--out", onnx.toString()).code());
    Path wav = TestModels.resource("kws/espeak/sequence_left_go_yes_22k_s24.wav");
    Run r = run("kws", wav.toString(), "--json", "--model", onnx.toString());
    assertEquals(0, r.code(), r.err());
    String json = r.out().strip();
    assertTrue(json.startsWith("{\"detections\":[{\"time\":"), json);
    assertEquals(List.of("left", "go", "yes"), TestModels.jsonStrings(json, "label"), json);
  }

  @Test
  void kwsAcceptsATfliteModelAndAnotherHop() throws Exception {
    Path wav = TestModels.corpus("yes_1000ms.wav");
    Run r = run("kws", wav.toString(), "--model", kwt1Tflite().toString(), "--hop-ms", "50");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains(" yes "), r.out());
  }

  @Test
  void kwsAppliesAPeftLoraThroughTheBuiltInModuleMapping(@TempDir Path tmp) throws Exception {
    Path onnx = tmp.resolve("kwt1.onnx");
    assertEquals(0, run("import", kwt1Tflite().toString(), "--out", onnx.toString()).code());
    java.util.Map<String, dev.stapes.engine.inject.LoraAdapter.Module> modules =
        new java.util.LinkedHashMap<>();
    java.util.Random r = new java.util.Random(5);
    for (int block = 0; block < 12; block++) {
      float[] a = new float[2 * 64];
      float[] b = new float[64 * 2];
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) r.nextGaussian() * 0.3f;
        b[i] = (float) r.nextGaussian() * 0.3f;
      }
      modules.put(
          "blocks." + block + ".attn.v_proj",
          new dev.stapes.engine.inject.LoraAdapter.Module(
              new dev.stapes.engine.inject.WeightTensor(new long[] {2, 64}, a),
              new dev.stapes.engine.inject.WeightTensor(new long[] {64, 2}, b),
              1f));
    }
    Path peft = tmp.resolve("peft");
    dev.stapes.engine.inject.LoraAdapter.of("v", modules).writePeft(peft);
    String wav = TestModels.corpus("yes_1000ms.wav").toString();
    Run plain = run("kws", wav, "--json", "--model", onnx.toString());
    Run off = run("kws", wav, "--json", "--model", onnx.toString(), "--lora", peft + ":0");
    Run on = run("kws", wav, "--json", "--model", onnx.toString(), "--lora", peft.toString());
    assertEquals(0, plain.code(), plain.err());
    assertEquals(0, on.code(), on.err());
    assertEquals(plain.out(), off.out(), "a LoRA at scale 0 changes nothing");
    assertTrue(!plain.out().equals(on.out()), "the LoRA changes the scores: " + on.out());
    Run bad = run("kws", wav, "--module-mapping", peft.resolve("x.json").toString());
    assertEquals(1, bad.code());
    assertTrue(bad.err().contains("--module-mapping needs at least one --lora"), bad.err());
  }

  @Test
  void badInputGivesOneLineAndExitCodeOne(@TempDir Path tmp) throws Exception {
    Run r = run("kws", tmp.resolve("missing.wav").toString());
    assertEquals(1, r.code());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    r = run("kws", TestModels.corpus("yes_1000ms.wav").toString(), "--threshold", "2");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("threshold=2.0"), r.err());
    Path notTflite = Files.writeString(tmp.resolve("x.tflite"), "not a model");
    r = run("import", notTflite.toString(), "--out", tmp.resolve("x.onnx").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("not a TFLite flatbuffer"), r.err());
    assertEquals(2, run("import", notTflite.toString()).code());
  }
}
