package dev.stapes.spark;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The files of a corpus: a directory (every WAV and FLAC file under it), a glob ({@code
 * /data/clips/*.wav}, {@code **} for any depth) or a table of paths (CSV with a header, or Parquet:
 * a {@code path} column and an optional {@code label} column, read by Spark).
 */
final class CorpusInput {

  private CorpusInput() {}

  /** One file of the corpus: its path and label (null: none). */
  record Item(String path, String label) {}

  /** Whether {@code name} looks like a file the audio reader takes (WAV, FLAC). */
  static boolean isAudio(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return n.endsWith(".wav") || n.endsWith(".flac");
  }

  /** Whether {@code spec} is a table of paths (by its extension). */
  static boolean isTable(String spec) {
    String n = spec.toLowerCase(Locale.ROOT);
    return n.endsWith(".csv") || n.endsWith(".parquet");
  }

  /** Whether {@code spec} is a glob rather than a path. */
  static boolean isGlob(String spec) {
    return spec.contains("*") || spec.contains("?") || spec.contains("[") || spec.contains("{");
  }

  /**
   * The audio files of a directory or glob, sorted by path.
   *
   * @throws IllegalArgumentException when the directory does not exist or holds no audio file
   */
  static List<Item> list(String spec) throws IOException {
    List<Item> out = new ArrayList<>();
    if (isGlob(spec)) {
      int cut = firstGlobChar(spec);
      int slash = spec.lastIndexOf('/', cut);
      Path base = Path.of(slash < 0 ? "." : slash == 0 ? "/" : spec.substring(0, slash));
      if (!Files.isDirectory(base)) {
        throw new IllegalArgumentException(
            "INPUT=" + spec + ": directory " + base + " does not exist");
      }
      PathMatcher m =
          FileSystems.getDefault()
              .getPathMatcher("glob:" + (slash < 0 ? "./" + spec : spec.toString()));
      try (Stream<Path> s = Files.walk(base, FileVisitOption.FOLLOW_LINKS)) {
        s.filter(Files::isRegularFile)
            .filter(p -> m.matches(p))
            .sorted()
            .forEach(p -> out.add(new Item(p.toString(), null)));
      }
      if (out.isEmpty()) {
        throw new IllegalArgumentException("INPUT=" + spec + ": no file matches the glob");
      }
      return out;
    }
    Path dir = Path.of(spec);
    if (!Files.exists(dir)) {
      throw new IllegalArgumentException(
          "INPUT="
              + spec
              + ": no such file or directory (expected a directory, a glob or a"
              + " .csv/.parquet table of paths)");
    }
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          "INPUT=" + spec + ": not a directory, a glob or a .csv/.parquet table of paths");
    }
    try (Stream<Path> s = Files.walk(dir, FileVisitOption.FOLLOW_LINKS)) {
      s.filter(Files::isRegularFile)
          .filter(CorpusInput::isAudio)
          .sorted()
          .forEach(p -> out.add(new Item(p.toString(), null)));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(
          "INPUT=" + spec + ": no audio files (*.wav, *.flac) in the directory");
    }
    return out;
  }

  private static int firstGlobChar(String s) {
    int i = s.length();
    for (char c : new char[] {'*', '?', '[', '{'}) {
      int k = s.indexOf(c);
      if (k >= 0) {
        i = Math.min(i, k);
      }
    }
    return i;
  }
}
