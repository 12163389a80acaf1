package io.rhizome.node.sentinel;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.rhizome.node.controller.ControllerStats;
import io.rhizome.store.StoreServer;
import java.util.function.ToDoubleFunction;

/**
 * A sentinel's metrics, read at scrape time: its store peer's Raft state (what Ratis already
 * tracks) and its controller's counters. Controller gauges that describe the cluster are given
 * only by the leader, so a dashboard never mixes a stale follower's view with the leader's.
 */
final class SentinelMetrics {
  private SentinelMetrics() {}

  static void register(PrometheusRegistry registry, StoreServer store, ControllerStats controller) {
    gauge(registry, "rhizome_store_term", "This peer's current Raft term", store, StoreServer::currentTerm);
    gauge(registry, "rhizome_store_is_leader", "1 when this peer is the Raft leader (and so runs the controller)",
        store, s -> s.isLeaderReady() ? 1 : 0);
    gauge(registry, "rhizome_store_commit_index", "The last log index this peer knows committed",
        store, StoreServer::commitIndex);
    gauge(registry, "rhizome_store_applied_index", "The last log index applied to this peer's state machine",
        store, StoreServer::appliedIndex);
    gauge(registry, "rhizome_store_apply_lag_entries", "Committed log entries this peer has not applied yet",
        store, s -> Math.max(0, s.commitIndex() - s.appliedIndex()));
    gauge(registry, "rhizome_store_parked_watches", "Watches (long polls) waiting on this peer",
        store, StoreServer::parkedWatches);

    CounterWithCallback.builder().name("rhizome_controller_failovers_total")
        .help("Failovers (kind=failover) and switchovers (kind=switchover) this sentinel's controller completed")
        .labelNames("kind")
        .callback(cb -> {
          cb.call(controller.failovers(), "failover");
          cb.call(controller.switchovers(), "switchover");
        })
        .register(registry);
    GaugeWithCallback.builder().name("rhizome_controller_leading")
        .help("1 when this sentinel's controller is the one deciding (it leads the store)")
        .callback(cb -> cb.call(controller.leading() ? 1 : 0))
        .register(registry);
    GaugeWithCallback.builder().name("rhizome_controller_last_failover_duration_seconds")
        .help("The latest failover or switchover in the history: from the decision to the new master routed (leader only)")
        .callback(cb -> {
          if (controller.leading()) {
            controller.lastFailoverDuration().ifPresent(d -> cb.call(d.toMillis() / 1000.0));
          }
        })
        .register(registry);
    GaugeWithCallback.builder().name("rhizome_controller_keepers_healthy")
        .help("Keepers the cluster data marks healthy (leader only)")
        .callback(cb -> {
          if (controller.leading()) {
            controller.keepers().ifPresent(k -> cb.call(k.healthy()));
          }
        })
        .register(registry);
    GaugeWithCallback.builder().name("rhizome_controller_keepers")
        .help("Keepers the cluster data lists (leader only)")
        .callback(cb -> {
          if (controller.leading()) {
            controller.keepers().ifPresent(k -> cb.call(k.total()));
          }
        })
        .register(registry);
  }

  private static void gauge(PrometheusRegistry registry, String name, String help, StoreServer store,
      ToDoubleFunction<StoreServer> value) {
    GaugeWithCallback.builder().name(name).help(help)
        .callback(cb -> cb.call(value.applyAsDouble(store)))
        .register(registry);
  }
}
