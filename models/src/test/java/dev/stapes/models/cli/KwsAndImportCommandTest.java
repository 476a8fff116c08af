package dev.stapes.models.cli;

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
