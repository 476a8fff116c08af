package dev.stapes.spark;

import dev.stapes.models.ModelCatalog;
import dev.stapes.models.Pipelines;
import dev.stapes.store.HttpsDownloader;
import dev.stapes.store.ModelEntry;
import dev.stapes.store.ModelStore;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The model files of one pipeline, as bytes: made once on the driver from its model store and
 * broadcast to every executor, which writes them into a store cache of its own, each file checked
 * against the SHA-256 pinned in the model catalog before use. An executor never downloads.
 *
 * <p>Immutable; serializable (Spark ships it as a broadcast variable).
 */
final class ModelBundle implements Serializable {
  private static final long serialVersionUID = 1L;

  /** One model file: its store name, file name and bytes. */
  record File(String name, String file, byte[] bytes) implements Serializable {}

  private final List<File> files;
  private final String id;

  private ModelBundle(List<File> files, String id) {
    this.files = List.copyOf(files);
    this.id = id;
  }

  /**
   * The cached model files of pipeline {@code pipeline} in {@code store}: those its last open
   * fetched or verified (every entry of its provider that the store holds).
   */
  static ModelBundle of(String pipeline, ModelStore store) throws IOException {
    List<File> out = new ArrayList<>();
    MessageDigest all = sha256();
    for (ModelEntry e : Pipelines.provider(pipeline).models()) {
      if (!store.isCached(e)) {
        continue;
      }
      Path p = store.path(e); // verified against the pinned SHA-256
      byte[] b = Files.readAllBytes(p);
      out.add(new File(e.name(), e.file(), b));
      all.update(e.sha256().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    return new ModelBundle(out, HexFormat.of().formatHex(all.digest()).substring(0, 16));
  }

  /** A short hex id of the bundle's files (the hash of their pinned checksums). */
  String id() {
    return id;
  }

  /** Bytes in the bundle. */
  long bytes() {
    long n = 0;
    for (File f : files) {
      n += f.bytes().length;
    }
    return n;
  }

  /** Number of model files. */
  int size() {
    return files.size();
  }

  /**
   * An offline store whose cache under {@code root} holds the bundle's files, each written only
   * after its bytes matched the SHA-256 that the catalog pins for it.
   *
   * @throws IOException if a file's bytes do not match its pinned checksum, or cannot be written
   */
  ModelStore materialize(Path root) throws IOException {
    ModelStore store =
        new ModelStore(
            root.resolve("stapes-models-" + id),
            null,
            "npm",
            true,
            HttpsDownloader.fromEnvironment(System.getenv()),
            null);
    for (File f : files) {
      ModelEntry e = ModelCatalog.get(f.name());
      if (!e.file().equals(f.file())) {
        throw new IOException(
            "model '" + f.name() + "': file " + f.file() + ", expected " + e.file());
      }
      Path dest = store.cachedPath(e);
      if (Files.isRegularFile(dest) && Files.size(dest) == f.bytes().length) {
        continue; // the store checks it again against the pin on first use
      }
      store.install(e, f.bytes(), "the driver's broadcast"); // checked against the pinned SHA-256
    }
    return store;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JDK", e);
    }
  }
}
