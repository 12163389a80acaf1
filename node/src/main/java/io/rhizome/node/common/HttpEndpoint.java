package io.rhizome.node.common;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A daemon's small HTTP server (the JDK's, no extra dependency): exact paths to handlers that
 * answer from what the daemon already knows, never by doing I/O of their own. GET, HEAD and
 * OPTIONS get the same status (HAProxy's {@code option httpchk} sends OPTIONS by default), so a
 * load balancer or a Kubernetes probe can use any of them.
 */
public final class HttpEndpoint implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoint.class);
  private static final PrometheusTextFormatWriter TEXT_FORMAT = PrometheusTextFormatWriter.create();

  /** What a handler answers. */
  public record Answer(int status, String contentType, byte[] body) {
    public static Answer text(int status, String text) {
      return new Answer(status, "text/plain; charset=utf-8", (text + "\n").getBytes(StandardCharsets.UTF_8));
    }

    public static Answer json(int status, String json) {
      return new Answer(status, "application/json", (json + "\n").getBytes(StandardCharsets.UTF_8));
    }

    public static Answer html(String html) {
      return new Answer(200, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
    }
  }

  private final HttpServer server;
  private final ExecutorService threads;
  private final Map<String, Function<Map<String, String>, Answer>> routes = new ConcurrentHashMap<>();

  private HttpEndpoint(HttpServer server, ExecutorService threads) {
    this.server = server;
    this.threads = threads;
  }

  /**
   * Binds and starts serving (unknown paths answer 404 until routes are added). Called before a
   * daemon starts anything else, so a taken port is the whole story.
   *
   * @throws RefusedException when the port is taken or the address is not local
   */
  public static HttpEndpoint start(InetSocketAddress address) {
    HttpServer server;
    try {
      server = HttpServer.create(address, 16);
    } catch (IOException e) {
      String host = address.getHostString();
      throw new RefusedException("--http-port " + address.getPort() + ": cannot listen on " + host + ":"
          + address.getPort() + " (" + (e instanceof BindException ? "already in use" : e.getMessage()) + ")");
    }
    // two threads: a probe must not wait behind a slow scrape, and nothing here may grow unbounded
    ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "http");
      t.setDaemon(true);
      return t;
    });
    HttpEndpoint endpoint = new HttpEndpoint(server, threads);
    server.createContext("/", endpoint::serve);
    server.setExecutor(threads);
    server.start();
    LOG.info("http listening on {}:{}", address.getHostString(), endpoint.port());
    return endpoint;
  }

  /** Answers {@code path} (exactly; the query string is passed as a map) with {@code handler}. */
  public HttpEndpoint route(String path, Function<Map<String, String>, Answer> handler) {
    routes.put(path, handler);
    return this;
  }

  /** Serves {@code registry} at /metrics in the Prometheus text format. */
  public HttpEndpoint metrics(PrometheusRegistry registry) {
    return route("/metrics", q -> {
      ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
      try {
        TEXT_FORMAT.write(out, registry.scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
      } catch (IOException e) {
        return Answer.text(500, "cannot render metrics: " + e.getMessage());
      }
      return new Answer(200, PrometheusTextFormatWriter.CONTENT_TYPE, out.toByteArray());
    });
  }

  /** The bound port (tests bind port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      Answer answer = answer(method, exchange.getRequestURI());
      exchange.getResponseHeaders().set("Content-Type", answer.contentType());
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      boolean withBody = method.equals("GET");
      exchange.sendResponseHeaders(answer.status(), withBody ? answer.body().length : -1);
      if (withBody) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(answer.body());
        }
      }
    }
  }

  private Answer answer(String method, URI uri) {
    if (!method.equals("GET") && !method.equals("HEAD") && !method.equals("OPTIONS")) {
      return Answer.text(405, "only GET, HEAD and OPTIONS");
    }
    Function<Map<String, String>, Answer> handler = routes.get(uri.getPath());
    if (handler == null) {
      return Answer.text(404, "no such path; try " + String.join(", ", new TreeSet<>(routes.keySet())));
    }
    Map<String, String> query;
    try {
      query = query(uri.getRawQuery());
    } catch (IllegalArgumentException e) {
      return Answer.text(400, "bad query string: " + e.getMessage());
    }
    try {
      return handler.apply(query);
    } catch (RuntimeException e) {
      LOG.warn("http {} failed: {}", uri.getPath(), e.toString());
      return Answer.text(500, "internal error: " + e.getMessage());
    }
  }

  /** {@code a=1&b=x} to a map; a key without a value maps to "". */
  static Map<String, String> query(String raw) {
    Map<String, String> q = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return q;
    }
    for (String part : raw.split("&")) {
      if (part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String k = eq < 0 ? part : part.substring(0, eq);
      String v = eq < 0 ? "" : part.substring(eq + 1);
      q.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return q;
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
