package dev.stapes.bench.cli;

import dev.stapes.bench.budget.BudgetCheck;
import dev.stapes.bench.budget.Budgets;
import dev.stapes.bench.rt.Pipelines;
import dev.stapes.bench.rt.Regression;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./stapes bench}: the latency budget check, and the real-time harness as {@code rt}. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Latency benchmarks. 'bench --check' runs a short harness over every pipeline in"
          + " bench/budgets.json and exits 1 naming each pipeline, figure and budget exceeded.",
      "'bench rt' measures one pipeline chunk by chunk (see 'stapes bench rt --help').",
      "The JMH suite: java -jar bench/target/benchmarks.jar (see docs/bench.md)."
    },
    subcommands = {RtCommand.class})
public final class BenchCommand implements Callable<Integer> {

  @Option(
      names = "--check",
      description = "Check the latency budgets (exit 1 when one is exceeded).")
  boolean check;

  @Option(
      names = "--budgets",
      paramLabel = "FILE",
      description = "Budgets file (default: bench/budgets.json under the project root).")
  Path budgetsFile;

  @Option(
      names = "--only",
      paramLabel = "PIPELINE",
      split = ",",
      description = "Check only these pipelines (names as in the budgets file).")
  List<String> only;

  @Option(
      names = "--inject-regression",
      paramLabel = "KIND",
      defaultValue = "none",
      description =
          "Wrap every budgeted pipeline in a deliberate regression to see the check catch it:"
              + " none, alloc (a new array per chunk), double (twice the work). Default: ${DEFAULT-VALUE}.")
  String inject;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    if (!check) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "Missing --check or a subcommand (rt)");
    }
    Path file = budgetsFile != null ? budgetsFile : defaultBudgets();
    Budgets all = Budgets.read(file);
    Budgets budgets = all;
    if (only != null && !only.isEmpty()) {
      budgets =
          new Budgets(
              all.baseline(),
              all.warmupChunks(),
              all.warmupMs(),
              all.rounds(),
              all.chunksPerRound(),
              all.budgets().stream().filter(b -> only.contains(b.spec().pipeline())).toList());
      if (budgets.budgets().isEmpty()) {
        throw new IllegalArgumentException(
            "--only "
                + only
                + " matches no budget in "
                + file
                + ", expected names of "
                + Pipelines.NAMES);
      }
    }
    PrintStream out = System.out;
    Regression regression = Regression.parse(inject);
    out.println(
        "stapes bench --check: "
            + budgets.budgets().size()
            + " budgets from "
            + file
            + ", baseline "
            + budgets.baseline().label()
            + ", "
            + budgets.rounds()
            + " rounds x "
            + budgets.chunksPerRound()
            + " chunks"
            + (regression == Regression.NONE ? "" : ", injected regression: " + inject));
    long t0 = System.nanoTime();
    List<BudgetCheck.Outcome> outcomes =
        new BudgetCheck(budgets, regression, "true".equals(System.getenv("CI")), out)
            .run(Pipelines::open);
    List<String> failures = BudgetCheck.failures(outcomes);
    double secs = (System.nanoTime() - t0) / 1e9;
    if (failures.isEmpty()) {
      out.printf(java.util.Locale.ROOT, "budgets met (%.1f s)%n", secs);
      return 0;
    }
    for (String f : failures) {
      System.err.println("stapes bench: budget exceeded: " + f);
    }
    return 1;
  }

  /** {@code bench/budgets.json} under the project root (the launcher's directory). */
  static Path defaultBudgets() {
    String root = System.getProperty("stapes.root");
    for (Path dir = root != null ? Path.of(root) : Path.of("").toAbsolutePath();
        dir != null;
        dir = dir.getParent()) {
      Path f = dir.resolve("bench").resolve("budgets.json");
      if (Files.isRegularFile(f)) {
        return f;
      }
      if (root != null) {
        break;
      }
    }
    Path jarDir = jarDirectory();
    if (jarDir != null) {
      Path f = jarDir.resolveSibling("budgets.json");
      if (Files.isRegularFile(f)) {
        return f;
      }
    }
    throw new IllegalArgumentException(
        "bench/budgets.json not found from "
            + Path.of("").toAbsolutePath()
            + "; give --budgets FILE");
  }

  private static Path jarDirectory() {
    try {
      Path p =
          Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return p.getParent();
    } catch (java.net.URISyntaxException | RuntimeException e) {
      return null;
    }
  }
}
