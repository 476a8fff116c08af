package dev.stapes.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ModelStore#install(ModelEntry, byte[], String)}: bytes from elsewhere, checked first. */
class InstallBytesTest {
  @TempDir Path tmp;

  final byte[] bytes = "not really an onnx model, but bytes".getBytes();

  ModelEntry entry() throws Exception {
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    return ModelEntry.mirrorOnly("m", "model.onnx", sha, "test", "a test", "test");
  }

  ModelStore store() {
    return new ModelStore(
        tmp.resolve("cache"),
        null,
        "npm",
        true,
        new HttpsDownloader(null, Duration.ofSeconds(2), Duration.ofSeconds(1)),
        null);
  }

  @Test
  void matchingBytesAreInstalledAndServedOffline() throws Exception {
    ModelStore s = store();
    ModelEntry e = entry();
    s.install(e, bytes, "a test");
    assertTrue(s.isCached(e));
    assertArrayEquals(bytes, Files.readAllBytes(s.path(e)));
  }

  @Test
  void otherBytesAreRefusedAndNothingIsLeftBehind() throws Exception {
    ModelStore s = store();
    ModelEntry e = entry();
    byte[] other = bytes.clone();
    other[0] ^= 1;
    ModelStoreException x =
        assertThrows(ModelStoreException.class, () -> s.install(e, other, "a test"));
    assertTrue(
        x.getMessage().contains("Checksum mismatch for model 'm' from a test"), x.getMessage());
    assertFalse(x.getMessage().contains("\n"));
    assertFalse(Files.exists(s.cachedPath(e)));
    try (var l = Files.list(s.cachedPath(e).getParent())) {
      assertEquals(0, l.count(), "no temporary file beside the cache path");
    }
  }
}
