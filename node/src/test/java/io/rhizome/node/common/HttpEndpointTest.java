package io.rhizome.node.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shared HTTP endpoint over a real loopback socket. */
class HttpEndpointTest {
  final HttpClient client = HttpClient.newHttpClient();

  HttpResponse<String> send(int port, String method, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void routesExactPathsPassesTheQueryAndAnswersHeadAndOptionsAlike() throws Exception {
    try (HttpEndpoint http = HttpEndpoint.start(new InetSocketAddress("127.0.0.1", 0))) {
      http.route("/check", q -> HttpEndpoint.Answer.text("1".equals(q.get("ok")) ? 200 : 503, "lag=" + q.get("lag")));
      int port = http.port();
      HttpResponse<String> ok = send(port, "GET", "/check?ok=1&lag=16kB");
      assertEquals(200, ok.statusCode());
      assertEquals("lag=16kB\n", ok.body());
      assertEquals(503, send(port, "GET", "/check").statusCode());
      assertEquals(200, send(port, "HEAD", "/check?ok=1").statusCode());
      assertEquals(200, send(port, "OPTIONS", "/check?ok=1").statusCode(), "HAProxy's httpchk default");
      assertEquals(405, send(port, "POST", "/check?ok=1").statusCode());
      HttpResponse<String> missing = send(port, "GET", "/check/more");
      assertEquals(404, missing.statusCode());
      assertTrue(missing.body().contains("/check"), missing.body());
    }
  }

  @Test
  void metricsAreInTheTextFormat() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    Counter c = Counter.builder().name("rhizome_test_events_total").help("events").register(registry);
    c.inc(3);
    try (HttpEndpoint http = HttpEndpoint.start(new InetSocketAddress("127.0.0.1", 0)).metrics(registry)) {
      HttpResponse<String> r = send(http.port(), "GET", "/metrics");
      assertEquals(200, r.statusCode());
      assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"), r.headers().toString());
      assertTrue(r.body().contains("# TYPE rhizome_test_events_total counter\nrhizome_test_events_total 3.0\n"), r.body());
    }
  }

  @Test
  void aTakenPortIsOneClearRefusal() throws IOException {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = busy.getLocalPort();
      RefusedException e = assertThrows(RefusedException.class,
          () -> HttpEndpoint.start(new InetSocketAddress("127.0.0.1", port)));
      assertEquals("--http-port " + port + ": cannot listen on 127.0.0.1:" + port + " (already in use)", e.getMessage());
    }
  }

  @Test
  void queryStringsAreDecoded() {
    assertEquals(Map.of("lag", "16 kB", "flag", ""), HttpEndpoint.query("lag=16%20kB&flag"));
  }
}
