package dev.stapes.bench.jmh;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Where the benchmarks find their models: bundled fixtures and the model store's cache. */
public final class BenchModels {
  private BenchModels() {}

  /**
   * The project root: the {@code stapes.root} system property (set by surefire), else two levels
   * above the jar this class was loaded from ({@code bench/target/stapes-bench.jar}), else the
   * working directory.
   */
  public static Path projectRoot() {
    String prop = System.getProperty("stapes.root");
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop).toAbsolutePath();
    }
    try {
      Path jar =
          Path.of(BenchModels.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (Files.isRegularFile(jar)
          && jar.getParent() != null
          && jar.getParent().getParent() != null) {
        Path root = jar.getParent().getParent().getParent();
        if (root != null && Files.isDirectory(root.resolve("bench"))) {
          return root;
        }
      }
    } catch (java.net.URISyntaxException | RuntimeException e) {
      // fall through to the working directory
    }
    return Path.of("").toAbsolutePath();
  }

  /** A file under the shared directory beside the project ({@code ../shared/models/...}). */
  public static Path shared(String first, String... more) {
    return projectRoot().resolve("..").resolve("shared").resolve(Path.of(first, more)).normalize();
  }

  /**
   * The process's ONNX Runtime environment, created through DJL's engine. DJL's {@code OrtEngine}
   * insists on creating the process-wide {@code OrtEnvironment} itself, with global thread pools
   * ({@code ai.djl.onnxruntime.num_threads}, {@code ai.djl.onnxruntime.num_interop_threads}); if
   * anything else created the environment first, DJL fails with "Tried to specify the thread pool
   * when creating an OrtEnvironment, but one already exists". So every benchmark gets its
   * environment from here: DJL first, pools of one thread, offline.
   */
  public static synchronized ai.onnxruntime.OrtEnvironment environment() {
    System.setProperty("ai.djl.offline", "true");
    System.setProperty("ai.djl.onnxruntime.num_threads", "1");
    System.setProperty("ai.djl.onnxruntime.num_interop_threads", "1");
    ai.djl.engine.Engine.getEngine("OnnxRuntime");
    return ai.onnxruntime.OrtEnvironment.getEnvironment();
  }

  /**
   * A model from Stapes' model store (fetched into {@code ~/.cache/stapes} on first use; {@code
   * STAPES_MODEL_MIRROR} serves a local copy).
   *
   * @throws dev.stapes.bench.rt.PipelineUnavailableException when it can be neither found nor
   *     fetched
   */
  public static Path store(String name) {
    try {
      return dev.stapes.store.ModelStore.fromEnvironment().path(name);
    } catch (IOException | RuntimeException e) {
      throw new dev.stapes.bench.rt.PipelineUnavailableException(
          "model '"
              + name
              + "' unavailable (./stapes models fetch "
              + name
              + "): "
              + e.getMessage(),
          e);
    }
  }

  /**
   * KWT-1 imported from its TFLite file ({@code ../shared/models/kwt1/kwt1_non_stream.tflite}, or
   * the model store's mirror) to ONNX with Stapes' importer, into a temporary file.
   *
   * @throws dev.stapes.bench.rt.PipelineUnavailableException when the TFLite file is absent
   */
  public static synchronized Path kwt1() {
    if (kwt1 != null && Files.isRegularFile(kwt1)) {
      return kwt1;
    }
    Path tflite = shared("models", "kwt1", "kwt1_non_stream.tflite");
    if (!Files.isRegularFile(tflite)) {
      String mirror = System.getenv("STAPES_MODEL_MIRROR");
      Path m = mirror == null ? null : Path.of(mirror, "kwt1", "kwt1_non_stream.tflite");
      if (m == null || !Files.isRegularFile(m)) {
        throw new dev.stapes.bench.rt.PipelineUnavailableException(
            "KWT-1 not found at " + tflite + " nor under STAPES_MODEL_MIRROR/kwt1");
      }
      tflite = m;
    }
    try {
      Path dir = Files.createTempDirectory("stapes-kwt1-");
      dir.toFile().deleteOnExit();
      Path out = dir.resolve("kwt1.onnx");
      dev.stapes.tflite.TfliteImporter.importFile(tflite, out);
      out.toFile().deleteOnExit();
      kwt1 = out;
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path kwt1;

  /**
   * Copies a model bundled in this jar (next to this class) to a temporary file, for APIs that want
   * a path (DJL).
   */
  public static Path bundled(String name) {
    try (InputStream in = BenchModels.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is not bundled next to " + BenchModels.class);
      }
      Path dir = Files.createTempDirectory("stapes-bench-");
      dir.toFile().deleteOnExit();
      Path out = dir.resolve(name);
      Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
      out.toFile().deleteOnExit();
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
