package dev.stapes.cli;

import dev.stapes.engine.inject.Adapter;
import dev.stapes.engine.inject.Inspection;
import dev.stapes.engine.inject.ModuleMapping;
import dev.stapes.engine.inject.Task;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./stapes inspect M.onnx [--lora DIR]... [--json]}: the modules injection can address in a
 * graph (PyTorch name, operator, weight shape, the signal that found it) and, for each adapter, the
 * graph node every entry lands on or why it does not. Exit 1 when an entry does not apply.
 */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = {
      "Show the modules of an ONNX model that adapters can address and, with --lora, --adapter"
          + " or --task-embedding, where every adapter entry lands (or why it does not).",
      "Exit status 0 when every entry applies, 1 when one does not."
    })
public final class InspectCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "M.onnx", description = "The ONNX model.")
  Path model;

  @CommandLine.Mixin InjectionOptions injection = new InjectionOptions();

  @Option(names = "--json", description = "Print JSON for tools instead of the table.")
  boolean json;

  @Option(
      names = "--modules",
      description = "List the addressable modules also when adapters are given.")
  boolean listModules;

  @Override
  public Integer call() throws IOException {
    if (injection.merge) {
      throw new IllegalArgumentException("--merge has no effect on inspect; leave it out");
    }
    if (!Files.exists(model)) {
      throw new NoSuchFileException(model.toString(), null, "model file not found");
    }
    if (!Files.isRegularFile(model)) {
      throw new IOException(model + ": not a regular file, expected an .onnx file");
    }
    ModuleMapping mapping = ModuleMapping.empty();
    if (injection.mapping != null) {
      CliSupport.requireFile(injection.mapping);
      mapping = ModuleMapping.read(injection.mapping);
    }
    List<Adapter> adapters = new ArrayList<>();
    for (Task.Part p : injection.task().parts()) {
      adapters.add(p.adapter());
    }
    Inspection i = Inspection.of(model, mapping, adapters);
    PrintWriter out = spec.commandLine().getOut();
    out.print(json ? i.toJson() : i.toText(listModules));
    out.flush();
    if (i.problems() > 0) {
      PrintWriter err = spec.commandLine().getErr();
      err.println(
          "stapes inspect: "
              + i.problems()
              + " of "
              + i.landings().size()
              + " adapter entries do not apply to "
              + model);
      err.flush();
      return 1;
    }
    return 0;
  }
}
