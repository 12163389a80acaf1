package io.rhizome.node.sentinel;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.rhizome.node.common.HttpEndpoint;
import io.rhizome.node.common.HttpEndpoint.Answer;
import io.rhizome.node.common.RefusedException;
import io.rhizome.node.status.ClusterStatusReader;
import io.rhizome.node.status.Json;
import io.rhizome.store.StoreClient;
import io.rhizome.store.StoreException;
import io.rhizome.store.StoreServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A sentinel's HTTP endpoints: /health (its Raft peer runs), /leader (it is the Raft leader),
 * /metrics, the status page at / and the JSON it renders, /api/status (what
 * {@code rhizomectl status --format json} prints).
 */
final class SentinelHttp {
  private SentinelHttp() {}

  static void install(HttpEndpoint http, StoreServer store, StoreClient client, String clusterName,
      PrometheusRegistry registry) {
    String page = statusPage();
    http.route("/health", q -> store.isRunning()
            ? Answer.text(200, "ok: store peer " + store.id() + " is running")
            : Answer.text(503, "store peer " + store.id() + " is not running"))
        .route("/leader", q -> store.isLeaderReady()
            ? Answer.text(200, "leader: " + store.id() + " leads the store (term " + store.currentTerm() + ")")
            : Answer.text(503, "not the leader: " + store.id() + " follows (term " + store.currentTerm() + ")"))
        .route("/", q -> Answer.html(page))
        .route("/api/status", q -> {
          try {
            return Answer.json(200, Json.write(ClusterStatusReader.read(client, clusterName)));
          } catch (RefusedException | StoreException e) {
            return Answer.json(503, Json.write(Map.of("error", e.getMessage())));
          }
        })
        .metrics(registry);
  }

  /** The page is a resource: one self-contained file, no CDN, so it works on an isolated network. */
  private static String statusPage() {
    try (InputStream in = SentinelHttp.class.getResourceAsStream("status.html")) {
      if (in == null) {
        throw new IllegalStateException("status.html is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
