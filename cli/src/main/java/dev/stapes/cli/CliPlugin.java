package dev.stapes.cli;

/**
 * A subcommand contributed by a module that {@code models} does not depend on (the benchmarks in
 * {@code bench}). Implementations are listed in {@code META-INF/services/dev.stapes.cli.CliPlugin}
 * and must have a public no-argument constructor.
 */
public interface CliPlugin {
  /** The picocli command object: an instance annotated with {@code @Command}. */
  Object command();
}
