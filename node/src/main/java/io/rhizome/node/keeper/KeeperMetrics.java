package io.rhizome.node.keeper;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The keeper's gauges, read at scrape time from the snapshot the health checks use: no counter
 * of its own to keep in step, and nothing computed between scrapes.
 */
final class KeeperMetrics {
  private static final String[] ROLES = {"master", "standby", "none"};

  private KeeperMetrics() {}

  static void register(PrometheusRegistry registry, Supplier<KeeperSnapshot> snapshot) {
    GaugeWithCallback.builder().name("rhizome_keeper_role")
        .help("1 for the role the cluster data gives this keeper's db (master, standby or none), 0 for the others")
        .labelNames("role")
        .callback(cb -> {
          String role = snapshot.get().role();
          for (String r : ROLES) {
            cb.call(r.equals(role) ? 1 : 0, r);
          }
        })
        .register(registry);
    gauge(registry, snapshot, "rhizome_keeper_postgres_up", "1 when PostgreSQL answers a query, else 0",
        s -> s.pg().getHealthy() ? 1 : 0);
    gauge(registry, snapshot, "rhizome_keeper_postgres_in_recovery", "1 when PostgreSQL is in recovery (a standby)",
        s -> s.pg().getInRecovery() ? 1 : 0);
    gauge(registry, snapshot, "rhizome_keeper_fenced", "1 when self-fenced (the store was unreachable)",
        s -> s.pg().getFenced() ? 1 : 0);
    gauge(registry, snapshot, "rhizome_keeper_commit_lease_held",
        "1 while the keeper confirms its master's commits (commitLease); 0 on a master means commits wait",
        s -> s.pg().getCommitLeaseHeld() ? 1 : 0);
    gauge(registry, snapshot, "rhizome_keeper_replication_lag_bytes",
        "A standby's bytes behind the master's last reported position (0 on the master or when unknown)",
        KeeperSnapshot::lagBytes);
    gauge(registry, snapshot, "rhizome_keeper_xlog_position_bytes",
        "The WAL position: current on a primary, last replayed on a standby",
        s -> s.pg().getXlogPos());
    gauge(registry, snapshot, "rhizome_keeper_timeline_id", "PostgreSQL's timeline",
        s -> s.pg().getTimelineId());
    gauge(registry, snapshot, "rhizome_keeper_converged_generation",
        "The db generation the keeper has converged to", s -> s.pg().getGeneration());
    gauge(registry, snapshot, "rhizome_keeper_wanted_generation",
        "The db generation the cluster data asks for (0: no db assigned)", KeeperSnapshot::wantedGeneration);
    gauge(registry, snapshot, "rhizome_keeper_pending_restart",
        "1 when a changed parameter waits for a PostgreSQL restart", s -> s.pg().getPendingRestart() ? 1 : 0);
  }

  private static void gauge(PrometheusRegistry registry, Supplier<KeeperSnapshot> snapshot, String name, String help,
      ToDoubleFunction<KeeperSnapshot> value) {
    GaugeWithCallback.builder().name(name).help(help)
        .callback(cb -> cb.call(value.applyAsDouble(snapshot.get())))
        .register(registry);
  }
}
