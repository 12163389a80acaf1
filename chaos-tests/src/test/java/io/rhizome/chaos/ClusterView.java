package io.rhizome.chaos;

import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import java.util.Collection;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * What a scenario asks of the cluster data, whichever way it was read (a store client on
 * loopback, {@code rhizomectl clusterdata read} in a host of the bed). Pure: no I/O.
 */
final class ClusterView {
  private ClusterView() {}

  /** The db the proxies are told to route to, if any. */
  static Optional<Db> routedMasterDb(ClusterData cd) {
    return Optional.ofNullable(cd.getDbsMap().get(cd.getProxy().getSpec().getMasterDbUid()));
  }

  /** The keeper whose db the proxies are told to route to, if any. */
  static Optional<String> routedMasterKeeper(ClusterData cd) {
    return routedMasterDb(cd).map(db -> db.getSpec().getKeeperId());
  }

  /** The db a keeper holds now, if any. */
  static Optional<Db> dbOf(ClusterData cd, String keeperId) {
    return cd.getDbsMap().values().stream().filter(d -> d.getSpec().getKeeperId().equals(keeperId)).findFirst();
  }

  /**
   * A standby the controller could promote now: streaming from the routed master and, in sync
   * mode, reported in sync by it.
   */
  static boolean electable(ClusterData cd, String keeperId, boolean synchronous) {
    Optional<Db> master = routedMasterDb(cd);
    Optional<Db> db = dbOf(cd, keeperId);
    return master.isPresent() && db.isPresent() && db.get().getStatus().getHealthy()
        && master.get().getStatus().getStreamingStandbysList().contains(db.get().getUid())
        && (!synchronous || master.get().getStatus().getSynchronousStandbysList().contains(db.get().getUid()));
  }

  /**
   * A master routed, and every keeper's db converged, healthy and (standbys) streaming from it:
   * what a switchover or the next fault wants, and what the checker wants at the end.
   */
  static boolean steady(ClusterData cd, Collection<String> keeperIds) {
    Optional<Db> master = routedMasterDb(cd);
    if (master.isEmpty() || !master.get().getStatus().getHealthy()) {
      return false;
    }
    Set<String> keepersWithDb = new HashSet<>();
    for (Db d : cd.getDbsMap().values()) {
      keepersWithDb.add(d.getSpec().getKeeperId());
      boolean ok = d.getStatus().getHealthy() && d.getStatus().getCurrentGeneration() == d.getGeneration()
          && (d.getSpec().getRole() == DbRole.MASTER
              || master.get().getStatus().getStreamingStandbysList().contains(d.getUid()));
      if (!ok) {
        return false;
      }
    }
    return keepersWithDb.containsAll(keeperIds);
  }

  /** Failovers and switchovers so far. */
  static int failovers(ClusterData cd) {
    return cd.getHistoryCount();
  }
}
