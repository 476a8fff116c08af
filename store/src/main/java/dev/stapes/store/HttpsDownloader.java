package dev.stapes.store;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Downloads one URL into a partial file with the JDK's HTTP client: redirects followed (at most
 * {@value #MAX_REDIRECTS}, loops refused, never from https to plain http except to a loopback
 * address), a partial file resumed with a {@code Range} request, a size cap checked against the
 * declared length and the bytes received, a stall (no byte for the stall timeout) cut off, {@code
 * HTTPS_PROXY} / {@code NO_PROXY} honoured. It writes only the partial file; the caller verifies
 * and installs it.
 */
public final class HttpsDownloader {
  /** The most redirects followed for one download. */
  public static final int MAX_REDIRECTS = 10;

  /** Progress of one download (called from the downloading thread). */
  public interface Progress {
    /** {@code done} bytes of {@code total} ({@code -1} when the server does not say). */
    void update(long done, long total);

    /** The download ended, well or not. */
    void finish();
  }

  /** No progress reporting. */
  public static final Progress SILENT =
      new Progress() {
        @Override
        public void update(long done, long total) {}

        @Override
        public void finish() {}
      };

  private final HttpClient client;
  private final Duration connectTimeout;
  private final Duration stallTimeout;

  /** A downloader through {@code proxy} (null: direct) with the given timeouts. */
  public HttpsDownloader(ProxySelector proxy, Duration connectTimeout, Duration stallTimeout) {
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(connectTimeout);
    if (proxy != null) {
      b.proxy(proxy);
    }
    this.client = b.build();
    this.connectTimeout = connectTimeout;
    this.stallTimeout = stallTimeout;
  }

  /**
   * A downloader configured from the environment: {@code HTTPS_PROXY} (or {@code https_proxy}),
   * {@code NO_PROXY} (or {@code no_proxy}); 30 s to connect, 30 s without a byte is a stall.
   */
  public static HttpsDownloader fromEnvironment(Map<String, String> env) {
    String proxy = first(env, "HTTPS_PROXY", "https_proxy");
    String noProxy = first(env, "NO_PROXY", "no_proxy");
    return new HttpsDownloader(
        proxy == null ? null : new EnvProxySelector(proxy, noProxy),
        Duration.ofSeconds(30),
        Duration.ofSeconds(30));
  }

  private static String first(Map<String, String> env, String... keys) {
    for (String k : keys) {
      String v = env.get(k);
      if (v != null && !v.isBlank()) {
        return v.trim();
      }
    }
    return null;
  }

  /**
   * Downloads {@code url} into {@code part}, resuming after the bytes it already holds.
   *
   * @throws IOException naming the URL and what went wrong: an HTTP status, a redirect loop, a body
   *     over {@code maxBytes}, a truncated body, a stall, a connection failure
   */
  public void download(URI url, Path part, long maxBytes, Progress progress) throws IOException {
    try {
      URI current = url;
      Set<URI> seen = new HashSet<>();
      boolean triedWithoutRange = false;
      for (int hop = 0; ; hop++) {
        if (!seen.add(current)) {
          throw new IOException(url + ": redirect loop at " + current);
        }
        if (hop > MAX_REDIRECTS) {
          throw new IOException(url + ": more than " + MAX_REDIRECTS + " redirects");
        }
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        if (have > maxBytes) {
          Files.delete(part);
          have = 0;
        }
        Outcome o = fetchOnce(current, part, have, maxBytes, progress);
        if (o.redirect != null) {
          URI next = current.resolve(o.redirect);
          if (!"https".equals(next.getScheme()) && !ModelSource.Https.isLoopback(next)) {
            throw new IOException(url + ": redirected to " + next + ", which is not https");
          }
          current = next;
          continue;
        }
        if (o.status == 416 && !triedWithoutRange) {
          // the partial file does not fit what the server has now: start again
          Files.deleteIfExists(part);
          triedWithoutRange = true;
          seen.remove(current);
          hop--;
          continue;
        }
        return;
      }
    } finally {
      progress.finish();
    }
  }

  /** The result of one request: a redirect target, or the status of a completed body. */
  private record Outcome(int status, String redirect) {}

  private Outcome fetchOnce(URI url, Path part, long have, long maxBytes, Progress progress)
      throws IOException {
    HttpRequest.Builder rb =
        HttpRequest.newBuilder(url).GET().timeout(stallTimeout).header("User-Agent", "stapes");
    if (have > 0) {
      rb.header("Range", "bytes=" + have + "-");
    }
    FileSink sink = new FileSink(part, have, maxBytes, progress);
    CompletableFuture<HttpResponse<Void>> f =
        client.sendAsync(rb.build(), info -> sink.subscriber(info, url));
    HttpResponse<Void> r;
    try {
      while (true) {
        try {
          r = f.get(100, TimeUnit.MILLISECONDS);
          break;
        } catch (TimeoutException e) {
          long idle = System.nanoTime() - sink.lastActivity.get();
          long limit = (sink.started ? stallTimeout : stallTimeout.plus(connectTimeout)).toNanos();
          if (idle > limit) {
            sink.cancel();
            f.cancel(true);
            throw new IOException(
                url
                    + ": no data for "
                    + stallTimeout.toSeconds()
                    + " s after "
                    + sink.written()
                    + " bytes; the server stalled (the partial file is kept to resume)");
          }
        }
      }
    } catch (InterruptedException e) {
      sink.cancel();
      f.cancel(true);
      Thread.currentThread().interrupt();
      throw new IOException(url + ": download interrupted", e);
    } catch (ExecutionException e) {
      sink.cancel();
      if (sink.failure != null) {
        throw sink.failure;
      }
      Throwable c = e.getCause() == null ? e : e.getCause();
      String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
      throw new IOException(
          url
              + ": "
              + (sink.started
                  ? "the body ended early after " + sink.written() + " bytes (" + m + ")"
                  : m),
          c);
    } finally {
      sink.close();
    }
    int status = r.statusCode();
    if (status >= 300 && status < 400 && status != 304) {
      Optional<String> loc = r.headers().firstValue("Location");
      if (loc.isEmpty()) {
        throw new IOException(url + ": HTTP " + status + " without a Location header");
      }
      return new Outcome(status, loc.get());
    }
    if (status == 416) {
      return new Outcome(status, null);
    }
    if (sink.failure != null) {
      throw sink.failure;
    }
    if (status != 200 && status != 206) {
      throw new IOException(url + ": HTTP " + status + ", expected 200");
    }
    long declared = sink.declared;
    if (declared >= 0 && sink.received != declared) {
      throw new IOException(
          url
              + ": the body ended after "
              + sink.written()
              + " of "
              + (sink.base + declared)
              + " bytes (the partial file is kept to resume)");
    }
    return new Outcome(status, null);
  }

  /** Writes a response body into the partial file; any other status is discarded. */
  private static final class FileSink {
    final Path part;
    final long have;
    final long maxBytes;
    final Progress progress;
    final AtomicLong lastActivity = new AtomicLong(System.nanoTime());
    volatile boolean started;
    volatile IOException failure;
    volatile Flow.Subscription subscription;
    FileChannel channel;
    long base;
    long received;
    long declared = -1;

    FileSink(Path part, long have, long maxBytes, Progress progress) {
      this.part = part;
      this.have = have;
      this.maxBytes = maxBytes;
      this.progress = progress;
    }

    long written() {
      return base + received;
    }

    HttpResponse.BodySubscriber<Void> subscriber(HttpResponse.ResponseInfo info, URI url) {
      lastActivity.set(System.nanoTime());
      int status = info.statusCode();
      if (status != 200 && status != 206) {
        return HttpResponse.BodySubscribers.discarding();
      }
      try {
        long length = info.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (status == 206) {
          String range = info.headers().firstValue("Content-Range").orElse("");
          if (!range.toLowerCase(Locale.ROOT).startsWith("bytes " + have + "-")) {
            failure =
                new IOException(
                    url
                        + ": resumed at byte "
                        + have
                        + " but the server sent range '"
                        + range
                        + "'");
            Files.deleteIfExists(part);
            return HttpResponse.BodySubscribers.discarding();
          }
          base = have;
          channel = FileChannel.open(part, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } else {
          base = 0;
          channel =
              FileChannel.open(
                  part,
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE,
                  StandardOpenOption.TRUNCATE_EXISTING);
        }
        declared = length;
        long total = length < 0 ? -1 : base + length;
        if (total > maxBytes) {
          failure =
              new IOException(
                  url
                      + ": the server announces "
                      + total
                      + " bytes, more than the "
                      + maxBytes
                      + " this model may have; refused");
          channel.close();
          channel = null;
          Files.deleteIfExists(part);
          return HttpResponse.BodySubscribers.discarding();
        }
        started = true;
        progress.update(base, total);
        return new Subscriber(url, total);
      } catch (IOException e) {
        failure = new IOException(url + ": cannot write " + part + ": " + e.getMessage(), e);
        return HttpResponse.BodySubscribers.discarding();
      }
    }

    void cancel() {
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
    }

    void close() throws IOException {
      if (channel != null) {
        channel.close();
        channel = null;
      }
    }

    private final class Subscriber implements HttpResponse.BodySubscriber<Void> {
      final URI url;
      final long total;
      final CompletableFuture<Void> done = new CompletableFuture<>();

      Subscriber(URI url, long total) {
        this.url = url;
        this.total = total;
      }

      @Override
      public CompletionStage<Void> getBody() {
        return done;
      }

      @Override
      public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(1);
      }

      @Override
      public void onNext(List<ByteBuffer> items) {
        lastActivity.set(System.nanoTime());
        try {
          for (ByteBuffer b : items) {
            received += b.remaining();
            if (base + received > maxBytes) {
              failure =
                  new IOException(
                      url
                          + ": the body exceeds the "
                          + maxBytes
                          + " bytes this model may have; refused");
              subscription.cancel();
              channel.close();
              Files.deleteIfExists(part);
              done.completeExceptionally(failure);
              return;
            }
            while (b.hasRemaining()) {
              channel.write(b);
            }
          }
          progress.update(base + received, total);
          subscription.request(1);
        } catch (IOException e) {
          failure = new IOException(url + ": cannot write " + part + ": " + e.getMessage(), e);
          subscription.cancel();
          done.completeExceptionally(failure);
        }
      }

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
      }

      @Override
      public void onComplete() {
        done.complete(null);
      }
    }
  }

  /**
   * A progress bar on a terminal: {@code stapes: NAME [===== ] 45% 1.2 of 2.6 MB}, redrawn at most
   * every 100 ms.
   */
  public static Progress bar(String name, PrintStream out) {
    return new Progress() {
      long lastDraw;
      boolean drawn;

      @Override
      public void update(long done, long total) {
        long now = System.nanoTime();
        if (drawn && now - lastDraw < 100_000_000L && done != total) {
          return;
        }
        lastDraw = now;
        drawn = true;
        StringBuilder b = new StringBuilder("\rstapes: ").append(name).append(' ');
        if (total > 0) {
          int filled = (int) (30 * done / total);
          b.append('[').append("=".repeat(filled)).append(" ".repeat(30 - filled)).append("] ");
          b.append(String.format(Locale.ROOT, "%3d%% ", 100 * done / total));
          b.append(String.format(Locale.ROOT, "%.1f of %.1f MB", done / 1e6, total / 1e6));
        } else {
          b.append(String.format(Locale.ROOT, "%.1f MB", done / 1e6));
        }
        out.print(b);
        out.flush();
      }

      @Override
      public void finish() {
        if (drawn) {
          out.println();
          out.flush();
        }
      }
    };
  }

  /** {@code HTTPS_PROXY} for every host except loopback and the {@code NO_PROXY} suffixes. */
  static final class EnvProxySelector extends ProxySelector {
    private final Proxy proxy;
    private final List<String> noProxy = new ArrayList<>();
    private final boolean none;

    EnvProxySelector(String proxyUrl, String noProxyList) {
      URI u = URI.create(proxyUrl.contains("://") ? proxyUrl : "http://" + proxyUrl);
      if (u.getHost() == null) {
        throw new IllegalArgumentException(
            "HTTPS_PROXY=" + proxyUrl + ", expected http://HOST:PORT");
      }
      int port = u.getPort() > 0 ? u.getPort() : 80;
      this.proxy =
          new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(u.getHost(), port));
      boolean all = false;
      if (noProxyList != null) {
        for (String s : noProxyList.split(",")) {
          String t = s.trim().toLowerCase(Locale.ROOT);
          if (t.equals("*")) {
            all = true;
          } else if (!t.isEmpty()) {
            noProxy.add(t.startsWith(".") ? t.substring(1) : t);
          }
        }
      }
      this.none = all;
    }

    @Override
    public List<Proxy> select(URI uri) {
      String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
      if (none || ModelSource.Https.isLoopback(uri) || host.equals("::1")) {
        return List.of(Proxy.NO_PROXY);
      }
      for (String n : noProxy) {
        if (host.equals(n) || host.endsWith("." + n)) {
          return List.of(Proxy.NO_PROXY);
        }
      }
      return List.of(proxy);
    }

    @Override
    public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
      // the download reports the failure
    }
  }
}
