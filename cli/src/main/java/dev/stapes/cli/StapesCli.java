package dev.stapes.cli;

import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code ./stapes} command line.
 *
 * <p>Every subcommand reports bad input as one line on stderr and a non-zero exit code; a stack
 * trace is printed only with {@code --verbose}. Subcommands that live outside this module (the
 * benchmarks in {@code bench}) are found through {@link ServiceLoader} as {@link CliPlugin}s.
 */
@Command(
    name = "stapes",
    mixinStandardHelpOptions = true,
    versionProvider = StapesCli.Version.class,
    description = "On-device neural audio inference on the JVM.",
    footer = {
      "",
      "Benchmarks: ./stapes bench ... (the launcher runs bench/target/stapes-bench.jar for it;"
          + " stapes.jar does not carry them)."
    },
    subcommands = {
      CommandLine.HelpCommand.class,
      ModelsCommand.class,
      VadCommand.class,
      WakewordCommand.class,
      RunCommand.class,
      ImportCommand.class,
      KwsCommand.class,
      InferCommand.class,
      InspectCommand.class,
      FeaturesCommand.class,
      EnhanceCommand.class,
      EnrollCommand.class,
    })
public final class StapesCli implements Runnable {

  /** Exit code for bad input or a failed operation. */
  public static final int EXIT_FAILURE = 1;

  /** Exit code for a command line that could not be parsed. */
  public static final int EXIT_USAGE = 2;

  @Option(
      names = "--verbose",
      scope = CommandLine.ScopeType.INHERIT,
      description = "Print stack traces on errors.")
  boolean verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand");
  }

  /** Builds the command line with every built-in and plugged-in subcommand. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new StapesCli());
    for (CliPlugin plugin : ServiceLoader.load(CliPlugin.class)) {
      cli.addSubcommand(plugin.command());
    }
    cli.setExecutionExceptionHandler(StapesCli::onExecutionError);
    cli.setParameterExceptionHandler(StapesCli::onParameterError);
    return cli;
  }

  /** Runs the command line and returns its exit code; never calls {@link System#exit}. */
  public static int execute(String... args) {
    return execute(commandLine(), args);
  }

  /** Runs {@code cli} (built by {@link #commandLine()}), turning JVM errors into one line too. */
  static int execute(CommandLine cli, String... args) {
    try {
      return cli.execute(args);
    } catch (OutOfMemoryError | StackOverflowError e) {
      // picocli hands only Exceptions to the handler; a JVM error would end in a stack trace
      return onJvmError(e, cli);
    }
  }

  /** One line for an {@link Error} that escaped a subcommand, exit {@link #EXIT_FAILURE}. */
  static int onJvmError(Error e, CommandLine root) {
    CommandLine cli = root;
    CommandLine.ParseResult pr = root.getParseResult();
    while (pr != null && pr.hasSubcommand()) {
      pr = pr.subcommand();
      cli = pr.commandSpec().commandLine();
    }
    PrintWriter err = cli.getErr();
    if (verbose(cli)) {
      e.printStackTrace(err);
    }
    String what =
        e instanceof OutOfMemoryError
            ? "out of memory ("
                + message(e)
                + ", max heap "
                + Runtime.getRuntime().maxMemory() / (1 << 20)
                + " MiB); the input or a parameter is too large for this heap"
                + " (raise it with STAPES_JAVA_OPTS=-Xmx...)"
            : "stack overflow; the input is nested too deeply";
    err.println(prefix(cli) + what);
    err.flush();
    return EXIT_FAILURE;
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  private static boolean verbose(CommandLine cli) {
    for (CommandLine c = cli; c != null; c = c.getParent()) {
      if (c.getCommand() instanceof StapesCli s && s.verbose) {
        return true;
      }
    }
    return false;
  }

  private static int onExecutionError(
      Exception e, CommandLine cli, CommandLine.ParseResult parseResult) {
    PrintWriter err = cli.getErr();
    if (verbose(cli)) {
      e.printStackTrace(err);
    }
    err.println(prefix(cli) + message(e));
    err.flush();
    return EXIT_FAILURE;
  }

  private static int onParameterError(CommandLine.ParameterException e, String[] args) {
    CommandLine cli = e.getCommandLine();
    PrintWriter err = cli.getErr();
    String help = qualifiedName(cli) + " --help";
    err.println(prefix(cli) + e.getMessage() + " (see '" + help + "')");
    err.flush();
    return EXIT_USAGE;
  }

  private static String prefix(CommandLine cli) {
    return qualifiedName(cli) + ": ";
  }

  /** {@code stapes models fetch} for a nested subcommand. */
  private static String qualifiedName(CommandLine cli) {
    StringBuilder sb = new StringBuilder();
    for (CommandLine c = cli; c != null; c = c.getParent()) {
      sb.insert(0, c.getParent() == null ? "stapes" : " " + c.getCommandName());
    }
    return sb.toString();
  }

  /** One line describing {@code e}, including the message of its root cause when it adds one. */
  static String message(Throwable e) {
    String msg = e.getMessage();
    if (msg == null || msg.isBlank()) {
      msg = e.getClass().getSimpleName();
    } else if (e instanceof FileSystemException f && f.getReason() == null && !msg.contains(" (")) {
      // The JDK leaves the reason out of these: the message is the bare path (a path with a
      // parenthesised note already says what went wrong).
      msg = msg + ": " + fileSystemReason(f);
    } else if (e instanceof CharacterCodingException) {
      msg = "not valid UTF-8 text (" + e.getClass().getSimpleName() + ": " + msg + ")";
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != e && root.getMessage() != null && !msg.contains(root.getMessage())) {
      msg = msg + ": " + root.getMessage();
    }
    return msg.replace('\n', ' ');
  }

  private static String fileSystemReason(FileSystemException f) {
    if (f instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (f instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (f instanceof FileAlreadyExistsException) {
      return "already exists";
    }
    if (f instanceof NotDirectoryException) {
      return "not a directory";
    }
    if (f instanceof DirectoryNotEmptyException) {
      return "directory not empty";
    }
    return "file system error (" + f.getClass().getSimpleName() + ")";
  }

  /**
   * Version from the jar manifest ("dev" when run from classes), the JVM and platform, and whether
   * the native library {@code libstapes-rt} loaded and its thread-CPU clock works.
   */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = StapesCli.class.getPackage().getImplementationVersion();
      return new String[] {
        "stapes " + (v == null ? "dev" : v),
        "jvm: "
            + System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.runtime.version")
            + " on "
            + System.getProperty("os.name")
            + " "
            + System.getProperty("os.arch"),
        "native: " + dev.stapes.nativert.RealTime.status()
      };
    }
  }
}
