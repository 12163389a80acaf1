package io.rhizome.node.controller;

import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.Db;
import java.util.List;
import java.util.Optional;
import java.util.function.BiPredicate;

/**
 * Where the store's leader should not be: on the host of the PostgreSQL master (docs/store.md,
 * "The leader keeps off the master's host"). When a host fails silently, the keepers' keys expire
 * a TTL after their last refresh, unless the store's leader fails with it: then the others first
 * elect a leader (about 1 s) and the new leader restarts every TTL (it cannot know when a key was
 * last refreshed), so the failover starts a full TTL after the election. With sentinels and
 * keepers on the same hosts, as the README lays them out, that double loss happens whenever the
 * leader sits on the master's host. Pure: the caller says which hosts are the same.
 */
public final class LeaderPlacement {
  private LeaderPlacement() {}

  /** A voting member of the store: its id and the host the others reach it on. */
  public record Peer(String id, String host) {}

  /**
   * The host of the master db the proxies route to, once the cluster is steady: the db is the
   * routed one, healthy, converged to its generation, and no failover is under way. Empty
   * otherwise: moving the leadership (and so the controller, whose timers start afresh) in the
   * middle of a failover would only slow it.
   */
  public static Optional<String> steadyMasterHost(ClusterData cd) {
    if (cd.getCluster().getStatus().hasFailover()) {
      return Optional.empty();
    }
    Db db = cd.getDbsMap().get(cd.getProxy().getSpec().getMasterDbUid());
    if (db == null || !db.getStatus().getHealthy() || db.getStatus().getCurrentGeneration() != db.getGeneration()
        || db.getStatus().getListenAddress().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(db.getStatus().getListenAddress());
  }

  /**
   * The member to hand the leadership to: empty unless this leader ({@code self}) is on the
   * master's host and another member is not; then the first such member in {@code peers}' order.
   *
   * @param sameHost whether two host strings name the same machine (equal, or resolving to the same address)
   */
  public static Optional<String> handOverTo(Peer self, List<Peer> peers, Optional<String> masterHost,
      BiPredicate<String, String> sameHost) {
    if (masterHost.isEmpty() || !sameHost.test(self.host(), masterHost.get())) {
      return Optional.empty();
    }
    return peers.stream()
        .filter(p -> !p.id().equals(self.id()))
        .filter(p -> !sameHost.test(p.host(), masterHost.get()))
        .map(Peer::id)
        .findFirst();
  }
}
