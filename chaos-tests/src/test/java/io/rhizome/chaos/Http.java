package io.rhizome.chaos;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** GET from a daemon's HTTP port on loopback, as a load balancer's check or a scraper would. */
final class Http {
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  record Reply(int status, String body) {}

  private Http() {}

  static Reply get(int port, String pathAndQuery) throws Exception {
    HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), r.body());
  }

  static int status(int port, String pathAndQuery) throws Exception {
    return get(port, pathAndQuery).status();
  }
}
