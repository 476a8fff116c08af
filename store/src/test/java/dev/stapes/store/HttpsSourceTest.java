package dev.stapes.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS sources of the model store against a local HTTP server on 127.0.0.1 started here: a good
 * file, a 404, a redirect loop, a truncated body that the next fetch resumes, a checksum mismatch,
 * a stalled server, an oversized body (announced and streamed); nothing half-written is ever at the
 * cache path.
 */
class HttpsSourceTest {
  @TempDir Path tmp;
  HttpServer server;
  String base;
  final byte[] file = new byte[20_000];
  final List<String> ranges = new CopyOnWriteArrayList<>();
  final Map<String, Integer> hits = new ConcurrentHashMap<>();
  volatile boolean truncateOnce = true;

  @BeforeEach
  void start() throws IOException {
    new Random(3).nextBytes(file);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/good", ex -> send(ex, 200, file));
    server.createContext("/missing", ex -> send(ex, 404, "not here".getBytes()));
    server.createContext("/loop-a", ex -> redirect(ex, "/loop-b"));
    server.createContext("/loop-b", ex -> redirect(ex, "/loop-a"));
    server.createContext("/moved", ex -> redirect(ex, "/good"));
    server.createContext(
        "/flaky",
        ex -> {
          String range = ex.getRequestHeaders().getFirst("Range");
          ranges.add(String.valueOf(range));
          if (truncateOnce) {
            truncateOnce = false;
            ex.sendResponseHeaders(200, file.length);
            ex.getResponseBody().write(file, 0, 8000);
            ex.close(); // the body ends early
            return;
          }
          if (range != null && range.startsWith("bytes=")) {
            int from = Integer.parseInt(range.substring(6, range.length() - 1));
            ex.getResponseHeaders()
                .add(
                    "Content-Range", "bytes " + from + "-" + (file.length - 1) + "/" + file.length);
            ex.sendResponseHeaders(206, file.length - from);
            ex.getResponseBody().write(file, from, file.length - from);
            ex.close();
            return;
          }
          send(ex, 200, file);
        });
    server.createContext(
        "/stall",
        ex -> {
          ex.sendResponseHeaders(200, file.length);
          OutputStream o = ex.getResponseBody();
          o.write(file, 0, 100);
          o.flush();
          try {
            Thread.sleep(4000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          ex.close();
        });
    server.createContext(
        "/streamed-huge",
        ex -> {
          ex.sendResponseHeaders(200, 0); // chunked, no length announced
          OutputStream o = ex.getResponseBody();
          try {
            for (int i = 0; i < 10; i++) {
              o.write(file);
            }
          } catch (IOException e) {
            // the client hung up, as it should
          }
          ex.close();
        });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  void send(HttpExchange ex, int status, byte[] body) throws IOException {
    hits.merge(ex.getRequestURI().getPath(), 1, Integer::sum);
    ex.sendResponseHeaders(status, body.length);
    ex.getResponseBody().write(body);
    ex.close();
  }

  void redirect(HttpExchange ex, String to) throws IOException {
    ex.getResponseHeaders().add("Location", to);
    ex.sendResponseHeaders(302, -1);
    ex.close();
  }

  static String sha(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  ModelEntry entry(String sha, long max, String... paths) {
    String[] urls = new String[paths.length];
    for (int i = 0; i < paths.length; i++) {
      urls[i] = base + paths[i];
    }
    return ModelEntry.https("m", "model.onnx", sha, "test", max, "a test server", "test", urls);
  }

  ModelStore store(boolean offline) {
    return new ModelStore(
        tmp.resolve("cache"),
        null,
        "npm",
        offline,
        new HttpsDownloader(null, Duration.ofSeconds(2), Duration.ofSeconds(1)),
        null);
  }

  void assertNothingHalfWritten(ModelStore s, ModelEntry e) {
    assertFalse(Files.exists(s.cachedPath(e)), "no file at the cache path");
    try (var l = Files.list(s.cachedPath(e).getParent())) {
      assertEquals(0, l.count(), "no temporary file beside the cache path");
    } catch (java.nio.file.NoSuchFileException ok) {
      // the folder was never made
    } catch (IOException ex) {
      throw new AssertionError(ex);
    }
  }

  @Test
  void aGoodFileIsVerifiedAndInstalled() throws Exception {
    ModelStore s = store(false);
    ModelEntry e = entry(sha(file), 1 << 20, "/good");
    Map<ModelEntry, String> origin = s.fetch(List.of(e));
    assertTrue(origin.get(e).startsWith("https "), origin.toString());
    assertArrayEquals(file, Files.readAllBytes(s.cachedPath(e)));
    assertFalse(Files.exists(s.partialPath(e)));
    assertEquals("cache", s.fetch(List.of(e)).get(e));
    assertEquals(1, hits.get("/good"));
  }

  @Test
  void aRedirectIsFollowedAndA404FallsThroughToTheNextUrl() throws Exception {
    ModelStore s = store(false);
    ModelEntry e = entry(sha(file), 1 << 20, "/missing", "/moved");
    s.fetch(List.of(e));
    assertArrayEquals(file, Files.readAllBytes(s.cachedPath(e)));
  }

  @Test
  void a404IsOneLineAndLeavesNothing() throws Exception {
    ModelStore s = store(false);
    ModelEntry e = entry(sha(file), 1 << 20, "/missing");
    ModelStoreException x = assertThrows(ModelStoreException.class, () -> s.fetch(List.of(e)));
    assertTrue(x.getMessage().contains("HTTP 404"), x.getMessage());
    assertFalse(x.getMessage().contains("\n"));
    assertNothingHalfWritten(s, e);
  }

  @Test
  void aRedirectLoopIsRefused() throws Exception {
    ModelStore s = store(false);
    ModelEntry e = entry(sha(file), 1 << 20, "/loop-a");
    ModelStoreException x = assertThrows(ModelStoreException.class, () -> s.fetch(List.of(e)));
    assertTrue(x.getMessage().contains("redirect loop"), x.getMessage());
    assertNothingHalfWritten(s, e);
  }

  @Test
  void aTruncatedBodyIsKeptAsideAndResumedByTheNextFetch() throws Exception {
    ModelStore s = store(false);
    ModelEntry e = entry(sha(file), 1 << 20, "/flaky");
    ModelStoreException x = assertThrows(ModelStoreException.class, () -> s.fetch(List.of(e)));
    assertTrue(x.getMessage().contains("ended"), x.getMessage());
    assertNothingHalfWritten(s, e);
    assertEquals(8000, Files.size(s.partialPath(e)));
    s.fetch(List.of(e));
    assertArrayEquals(file, Files.readAllBytes(s.cachedPath(e)));
    assertEquals(List.of("null", "bytes=8000-"), ranges);
    assertFalse(Files.exists(s.partialPath(e)));
  }

  @Test
  void aChecksumMismatchInstallsNothing() throws Exception {
    ModelStore s = store(false);
    ModelEntry e = entry("0".repeat(64), 1 << 20, "/good");
    ModelStoreException x = assertThrows(ModelStoreException.class, () -> s.fetch(List.of(e)));
    assertTrue(x.getMessage().contains("Checksum mismatch"), x.getMessage());
    assertNothingHalfWritten(s, e);
    assertFalse(Files.exists(s.partialPath(e)));
  }

  @Test
  void aStalledServerIsCutOff() throws Exception {
    ModelStore s = store(false);
    ModelEntry e = entry(sha(file), 1 << 20, "/stall");
    long t0 = System.nanoTime();
    ModelStoreException x = assertThrows(ModelStoreException.class, () -> s.fetch(List.of(e)));
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertTrue(x.getMessage().contains("stalled"), x.getMessage());
    assertTrue(seconds < 3.5, "took " + seconds + " s");
    assertNothingHalfWritten(s, e);
  }

  @Test
  void anOversizedBodyIsRefusedAnnouncedOrStreamed() throws Exception {
    ModelStore s = store(false);
    ModelEntry announced = entry(sha(file), 1000, "/good");
    ModelStoreException x =
        assertThrows(ModelStoreException.class, () -> s.fetch(List.of(announced)));
    assertTrue(x.getMessage().contains("more than the 1000 this model may have"), x.getMessage());
    assertNothingHalfWritten(s, announced);
    assertFalse(Files.exists(s.partialPath(announced)));
    ModelEntry streamed = entry(sha(file), 50_000, "/streamed-huge");
    x = assertThrows(ModelStoreException.class, () -> s.fetch(List.of(streamed)));
    assertTrue(x.getMessage().contains("exceeds the 50000 bytes"), x.getMessage());
    assertNothingHalfWritten(s, streamed);
    assertFalse(Files.exists(s.partialPath(streamed)));
  }

  @Test
  void offlineSaysWhatIsMissingAndWhereToPutIt() throws Exception {
    ModelStore s = store(true);
    ModelEntry e = entry(sha(file), 1 << 20, "/good");
    ModelStoreException x = assertThrows(ModelStoreException.class, () -> s.fetch(List.of(e)));
    assertTrue(x.getMessage().contains("STAPES_OFFLINE=1"), x.getMessage());
    assertTrue(x.getMessage().contains(s.cachedPath(e).toString()), x.getMessage());
    assertEquals(null, hits.get("/good"));
  }

  @Test
  void httpsProxyIsUsedExceptForNoProxyHostsAndLoopback() {
    HttpsDownloader.EnvProxySelector p =
        new HttpsDownloader.EnvProxySelector("http://proxy.example:3128", "internal.example,.corp");
    assertEquals(Proxy.Type.HTTP, p.select(URI.create("https://github.com/x")).get(0).type());
    assertEquals(Proxy.NO_PROXY, p.select(URI.create("https://a.internal.example/x")).get(0));
    assertEquals(Proxy.NO_PROXY, p.select(URI.create("https://git.corp/x")).get(0));
    assertEquals(Proxy.NO_PROXY, p.select(URI.create("http://127.0.0.1:8080/x")).get(0));
    HttpsDownloader.EnvProxySelector none = new HttpsDownloader.EnvProxySelector("proxy:1", "*");
    assertEquals(Proxy.NO_PROXY, none.select(URI.create("https://github.com/x")).get(0));
  }

  @Test
  void plainHttpIsRefusedExceptToLoopback() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            ModelEntry.https(
                "m", "f.onnx", "0".repeat(64), "l", 1, "o", "d", "http://example.com/f"));
  }
}
