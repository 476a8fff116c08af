package dev.stapes.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stapes.engine.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code ./stapes inspect} on the PEFT fixtures of the engine module. */
class InspectCommandTest {
  static final Path PEFT =
      Path.of(System.getProperty("stapes.root", ".."))
          .resolve("engine/src/test/resources/inject/peft")
          .toAbsolutePath();

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

  @Test
  void listsTheModulesOfADynamoExportWithTheSignalThatFoundThem() {
    Run r = run("inspect", PEFT.resolve("hubert.dynamo.onnx").toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("torch dynamo exporter"), r.out());
    assertTrue(r.out().contains("dynamo-scope"), r.out());
    assertTrue(r.out().contains("Conv"), r.out());
  }

  @Test
  void showsWhereEveryTensorOfAPeftAdapterLands() {
    Run r =
        run(
            "inspect",
            PEFT.resolve("container.torchscript.onnx").toString(),
            "--lora",
            PEFT.resolve("adapters/container_embed_conv").toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("entries apply"), r.out());
    assertTrue(r.out().contains("embedding-lora"), r.out());
    assertTrue(r.out().contains("conv-lora"), r.out());
    r =
        run(
            "inspect",
            PEFT.resolve("container.torchscript.onnx").toString(),
            "--lora",
            PEFT.resolve("adapters/container_dora_head").toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("dora encoder.layers.0.fc1 -> node /layers.0/fc1/MatMul"), r.out());
    assertTrue(r.out().contains("scope-suffix"), r.out());
  }

  @Test
  void anAdapterForAnotherModelExitsOneWithEveryMismatchNamed() {
    Run r =
        run(
            "inspect",
            PEFT.resolve("ast.dynamo.onnx").toString(),
            "--lora",
            PEFT.resolve("adapters/whisper_layers").toString(),
            "--json");
    assertEquals(1, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    Map<?, ?> json = (Map<?, ?>) Json.parse(r.out());
    List<?> landings = (List<?>) json.get("landings");
    assertTrue(!landings.isEmpty());
    for (Object o : landings) {
      assertTrue(((Map<?, ?>) o).get("problem") instanceof String, o.toString());
    }
  }

  @Test
  void aMissingModelIsOneLine() {
    Run r = run("inspect", PEFT.resolve("nope.onnx").toString());
    assertEquals(1, r.code());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().startsWith("stapes inspect: "), r.err());
  }
}
