package io.rhizome.proxy;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The proxy's metrics, read at scrape time from counters the engine keeps anyway: nothing is
 * added to the forwarding path but one single-writer byte counter per event loop.
 */
final class ProxyMetrics {
  private ProxyMetrics() {}

  static void register(PrometheusRegistry registry, ProxyEngine engine, ProxyController controller) {
    GaugeWithCallback.builder().name("rhizome_proxy_connections_active")
        .help("Client connections open, held or connecting")
        .callback(cb -> cb.call(engine.clients()))
        .register(registry);
    CounterWithCallback.builder().name("rhizome_proxy_connections_total")
        .help("Client connections accepted")
        .callback(cb -> cb.call(engine.accepted.get()))
        .register(registry);
    CounterWithCallback.builder().name("rhizome_proxy_connections_refused_total")
        .help("Client connections closed at once because there was no master to route to")
        .callback(cb -> cb.call(engine.refused.get()))
        .register(registry);
    CounterWithCallback.builder().name("rhizome_proxy_connections_fenced_total")
        .help("Open client connections closed because the master changed or the store was lost")
        .callback(cb -> cb.call(engine.fenced.get()))
        .register(registry);
    CounterWithCallback.builder().name("rhizome_proxy_connections_drained_total")
        .help("Client connections ended between transactions by a planned switchover")
        .callback(cb -> cb.call(engine.drained.get()))
        .register(registry);
    CounterWithCallback.builder().name("rhizome_proxy_connections_held_total")
        .help("Client connections held during a planned switchover")
        .callback(cb -> cb.call(engine.held.get()))
        .register(registry);
    CounterWithCallback.builder().name("rhizome_proxy_forwarded_bytes_total")
        .help("Bytes forwarded, by direction (to_server: client to PostgreSQL; to_client: back)")
        .labelNames("direction")
        .callback(cb -> {
          cb.call(engine.bytesToServers(), "to_server");
          cb.call(engine.bytesToClients(), "to_client");
        })
        .register(registry);
    GaugeWithCallback.builder().name("rhizome_proxy_routing")
        .help("1 while new connections are forwarded to a known master, 0 while refused or held")
        .callback(cb -> cb.call(engine.route().mode() == Route.Mode.FORWARD ? 1 : 0))
        .register(registry);
    GaugeWithCallback.builder().name("rhizome_proxy_generation")
        .help("The proxy generation this proxy has applied and acknowledged")
        .callback(cb -> cb.call(controller.appliedGeneration()))
        .register(registry);
  }
}
