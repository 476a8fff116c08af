package dev.stapes.bench.cli;

import dev.stapes.cli.CliPlugin;

/** Contributes {@code ./stapes bench} to the command line. */
public final class BenchPlugin implements CliPlugin {
  /** Needed by {@link java.util.ServiceLoader}. */
  public BenchPlugin() {}

  @Override
  public Object command() {
    return new BenchCommand();
  }
}
