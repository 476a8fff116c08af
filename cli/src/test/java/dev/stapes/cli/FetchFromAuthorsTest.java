package dev.stapes.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import dev.stapes.models.TestModels;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new user with network access and no mirror: {@code ./stapes kws} and {@code ./stapes enhance}
 * fetch KWT-1 and GTCRN over HTTPS from their authors' repositories at the pinned commits. The
 * network is a local server on 127.0.0.1 standing in for raw.githubusercontent.com (through {@code
 * STAPES_URL_REWRITE}), serving the authors' files; the command runs in its own JVM with an empty
 * cache and no {@code STAPES_MODEL_MIRROR}.
 */
class FetchFromAuthorsTest {
  @TempDir Path tmp;
  HttpServer server;
  final List<String> requests = new CopyOnWriteArrayList<>();

  static Path shared(String relative) {
    Path p = TestModels.root().resolve("../shared/models").resolve(relative).normalize();
    if (TestModels.ci()) {
      assertTrue(Files.isRegularFile(p), "required under CI=true: " + p);
    }
    assumeTrue(Files.isRegularFile(p), p + " absent");
    return p;
  }

  @BeforeEach
  void start() throws IOException {
    Path kwt1 = shared("kwt1/kwt1_non_stream.tflite");
    Path gtcrn = shared("gtcrn/gtcrn_simple.onnx");
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/raw/",
        ex -> {
          String path = ex.getRequestURI().getPath();
          requests.add(path);
          Path file =
              path.equals(
                      "/raw/ARM-software/keyword-transformer/237e4097afd4f6851e0b82f0a8d65c2dfe8eae30"
                          + "/models_data_v2_12_labels/kwt1/tflite_non_stream/non_stream.tflite")
                  ? kwt1
                  : path.equals(
                          "/raw/Xiaobin-Rong/gtcrn/3862c44808dca492ea5a8a145d2dc2a1028d08c8"
                              + "/stream/onnx_models/gtcrn_simple.onnx")
                      ? gtcrn
                      : null;
          if (file == null) {
            ex.sendResponseHeaders(404, -1);
          } else {
            byte[] b = Files.readAllBytes(file);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
          }
          ex.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  record Run(int code, String out, String err) {}

  Run stapes(String... args) throws Exception {
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                StapesCli.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.remove("STAPES_MODEL_MIRROR");
    env.remove("STAPES_OFFLINE");
    env.put("STAPES_CACHE", tmp.resolve("cache").toString());
    env.put(
        "STAPES_URL_REWRITE",
        "https://raw.githubusercontent.com/=http://127.0.0.1:"
            + server.getAddress().getPort()
            + "/raw/");
    pb.redirectOutput(tmp.resolve("out.txt").toFile());
    pb.redirectError(tmp.resolve("err.txt").toFile());
    Process p = pb.start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "stapes " + String.join(" ", args) + " hung");
    return new Run(
        p.exitValue(),
        Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8),
        Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8));
  }

  @Test
  void kwsFetchesKwt1FromItsAuthorsWithoutAMirror() throws Exception {
    Run r = stapes("kws", TestModels.corpus("yes_1000ms.wav").toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains(" yes "), r.out());
    assertEquals(1, requests.size(), requests.toString());
    assertTrue(Files.isRegularFile(tmp.resolve("cache/kwt1/kwt1_non_stream.tflite")));
    // the second run takes the cache
    r = stapes("kws", TestModels.corpus("yes_1000ms.wav").toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(1, requests.size(), requests.toString());
  }

  @Test
  void enhanceFetchesGtcrnFromItsAuthorsWithoutAMirror() throws Exception {
    Path out = tmp.resolve("clean.wav");
    Run r =
        stapes("enhance", TestModels.corpus("hey_jane.wav").toString(), "--out", out.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.size(out) > 1000, "enhanced file written");
    assertTrue(r.err().contains("fetching model 'gtcrn'"), r.err());
    assertEquals(1, requests.size(), requests.toString());
  }
}
