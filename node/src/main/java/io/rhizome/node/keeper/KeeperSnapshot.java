package io.rhizome.node.keeper;

import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.KeeperInfo;
import io.rhizome.proto.cluster.PostgresState;
import java.util.List;
import java.util.Optional;

/**
 * What the keeper knows at one moment, for its health endpoints and metrics: its own report
 * (what it publishes) and what the last cluster data it read says about it. Built without I/O.
 *
 * @param assignedRole the role of the db the cluster data gives this keeper (empty: none yet)
 * @param assignedIsLocal that db is the one the data dir holds
 * @param clusterMaster the cluster data names the db the data dir holds as master
 * @param streaming the master's last report lists this keeper's db as streaming from it
 * @param masterXlogPos the master's last reported position; 0 = unknown (no master)
 * @param wantedGeneration the generation of the assigned db; 0 = none
 */
record KeeperSnapshot(
    PostgresState pg,
    Optional<DbRole> assignedRole,
    boolean assignedIsLocal,
    boolean clusterMaster,
    boolean streaming,
    long masterXlogPos,
    long wantedGeneration,
    KeeperInfo info) {

  /** Reads what {@code info} (the keeper's own report) and {@code cd} (the last cluster data read) say. */
  static KeeperSnapshot of(KeeperInfo info, Optional<ClusterData> cd) {
    PostgresState pg = info.getPostgres();
    String local = pg.getDbUid();
    Optional<Db> assigned = cd.flatMap(c -> c.getDbsMap().values().stream()
        .filter(d -> d.getSpec().getKeeperId().equals(info.getKeeperId()))
        .max(java.util.Comparator.comparingLong(Db::getGeneration)));
    Optional<Db> master = cd.map(c -> c.getDbsMap().get(c.getCluster().getStatus().getMasterDbUid()));
    boolean clusterMaster = !local.isEmpty() && master.map(m -> m.getUid().equals(local)).orElse(false);
    List<String> streamingFromMaster = master.<List<String>>map(m -> m.getStatus().getStreamingStandbysList())
        .orElse(List.of());
    return new KeeperSnapshot(pg,
        assigned.map(d -> d.getSpec().getRole()),
        assigned.map(d -> d.getUid().equals(local)).orElse(false),
        clusterMaster,
        !local.isEmpty() && streamingFromMaster.contains(local),
        master.filter(m -> !m.getUid().equals(local)).map(m -> m.getStatus().getXlogPos()).orElse(0L),
        assigned.map(Db::getGeneration).orElse(0L),
        info);
  }

  /** "master", "standby" or "none": the role the cluster data gives this keeper's db. */
  String role() {
    return assignedRole.map(r -> r == DbRole.MASTER ? "master" : r == DbRole.STANDBY ? "standby" : "none")
        .orElse("none");
  }

  /** A standby's bytes behind the master's last reported position; 0 when not a standby or unknown. */
  long lagBytes() {
    if (!"standby".equals(role()) || masterXlogPos == 0 || !pg.getHealthy()) {
      return 0;
    }
    return Math.max(0, masterXlogPos - pg.getXlogPos());
  }
}
