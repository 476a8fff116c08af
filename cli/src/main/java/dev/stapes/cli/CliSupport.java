package dev.stapes.cli;

import dev.stapes.audio.WavInfo;
import dev.stapes.audio.WavReader;
import dev.stapes.models.ModelCatalog;
import dev.stapes.store.ModelEntry;
import dev.stapes.store.ModelStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/** Small pieces shared by the subcommands of this package. */
final class CliSupport {

  private CliSupport() {}

  /** Whether this process has printed its warning about {@code $STAPES_MODEL_MIRROR}. */
  static final AtomicBoolean MIRROR_WARNED = new AtomicBoolean();

  /**
   * The store configured from the environment; the first use in this process prints one warning
   * line when {@code $STAPES_MODEL_MIRROR} is set but names no directory.
   */
  static ModelStore store(PrintWriter err) {
    warnMirrorOnce(ModelStore.mirrorWarning(System.getenv(ModelStore.MIRROR_ENV)), err);
    return ModelStore.fromEnvironment();
  }

  /** Prints {@code stapes: warning: WARNING} unless null or already printed in this process. */
  static void warnMirrorOnce(String warning, PrintWriter err) {
    if (warning != null && MIRROR_WARNED.compareAndSet(false, true)) {
      err.println("stapes: warning: " + warning);
      err.flush();
    }
  }

  /**
   * The cached path of model {@code name}, fetching it first (with a note on stderr) when it is not
   * cached yet.
   */
  static Path model(ModelStore store, String name, PrintWriter err) throws IOException {
    ModelEntry e = ModelCatalog.get(name);
    if (!store.isCached(e)) {
      err.println(
          "stapes: fetching model '"
              + name
              + "' ("
              + e.source().describe()
              + ") into "
              + store.cache());
      err.flush();
    }
    return store.path(e);
  }

  /** {@code override} when given (must exist), else model {@code name} from the store. */
  static Path modelOrOverride(Path override, String name, PrintWriter err) throws IOException {
    if (override != null) {
      if (!Files.exists(override)) {
        throw new NoSuchFileException(override.toString(), null, "model file not found");
      }
      requireFile(override);
      return override;
    }
    return model(store(err), name, err);
  }

  /**
   * Checks that {@code wav} is a regular file, reads its header and prints each of its warnings (a
   * truncated data chunk, ...) as {@code stapes CMD: warning: ...} on {@code err}.
   */
  static WavInfo openWav(String command, Path wav, PrintWriter err) throws IOException {
    requireFile(wav);
    WavInfo info;
    try (WavReader r = WavReader.open(wav)) {
      info = r.info();
    }
    printWarnings(command, info.warnings(), err);
    return info;
  }

  /** Prints each warning as {@code stapes CMD: warning: ...}. */
  static void printWarnings(String command, List<String> warnings, PrintWriter err) {
    for (String w : warnings) {
      err.println("stapes " + command + ": warning: " + w);
    }
    err.flush();
  }

  /** Throws a one-line {@link NoSuchFileException} when {@code file} is not a regular file. */
  static void requireFile(Path file) throws IOException {
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString(), null, "file not found");
    }
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + ": not a regular file");
    }
  }

  /** Seconds with millisecond resolution, locale-independent ({@code 1.234}). */
  static String seconds(double s) {
    return String.format(Locale.ROOT, "%.3f", s);
  }
}
