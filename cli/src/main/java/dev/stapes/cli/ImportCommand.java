package dev.stapes.cli;

import dev.stapes.tflite.TfliteImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ./stapes import IN.tflite --out OUT.onnx}: TFLite to ONNX. */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
      "Translate a float32 TFLite model into an equivalent ONNX model (opset "
          + TfliteImporter.OPSET
          + ").",
      "Tensor names are kept: graph inputs and outputs, every computed value and the node that"
          + " computes it carry the TFLite tensor's name. NHWC layouts are kept.",
      "Quantized models, control flow and unsupported operators are refused with the operator's"
          + " name and index."
    })
public final class ImportCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "IN.tflite", description = "The TFLite flatbuffer.")
  Path in;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "OUT.onnx",
      description = "Where to write the ONNX model (replaced atomically).")
  Path out;

  @Option(names = "--list-operators", description = "Print the supported TFLite operators too.")
  boolean listOperators;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    CliSupport.requireFile(in);
    if (Files.isDirectory(out)) {
      throw new java.io.IOException(out + ": is a directory");
    }
    var model = TfliteImporter.importFile(in, out);
    var g = model.getGraph();
    var w = spec.commandLine().getOut();
    w.printf(
        "%s -> %s: %d nodes, %d initializers, inputs %s, outputs %s%n",
        in,
        out,
        g.getNodeCount(),
        g.getInitializerCount(),
        g.getInputList().stream().map(v -> v.getName()).toList(),
        g.getOutputList().stream().map(v -> v.getName()).toList());
    if (listOperators) {
      w.println("supported TFLite operators: " + TfliteImporter.supportedOperators());
    }
    w.flush();
    return 0;
  }
}
