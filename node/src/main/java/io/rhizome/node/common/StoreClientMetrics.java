package io.rhizome.node.common;

import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.rhizome.store.StoreClient;

/**
 * How long this daemon's store requests take, as the daemon sees them (retries and leader
 * changes included): the latency that decides whether a keeper or proxy rides out a store blip.
 */
public final class StoreClientMetrics {
  private StoreClientMetrics() {}

  /** Registers the histogram and makes {@code client} report to it. */
  public static void register(PrometheusRegistry registry, StoreClient client) {
    Histogram h = Histogram.builder()
        .name("rhizome_store_client_request_duration_seconds")
        .help("Duration of this daemon's store requests (get, list, status, put, delete; not watches), retries included")
        .labelNames("operation", "outcome")
        .classicOnly()
        .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
        .register(registry);
    client.timeRequests((operation, ok, nanos) ->
        h.labelValues(operation, ok ? "ok" : "error").observe(nanos / 1e9));
  }
}
