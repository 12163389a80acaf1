package io.rhizome.cli.demo;

import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import java.util.Optional;

/**
 * How far the demo cluster has come, from its cluster data: what the demo waits for next, in
 * words it prints once each.
 */
record Readiness(Stage stage, String detail, String masterKeeper, String standbyKeeper) {
  enum Stage { NOT_INITIALISED, NO_MASTER, MASTER_NOT_ROUTED, NO_STREAMING_STANDBY, READY }

  static Readiness of(Optional<ClusterData> clusterData) {
    if (clusterData.isEmpty()) {
      return new Readiness(Stage.NOT_INITIALISED, "the cluster is not initialised", "", "");
    }
    ClusterData cd = clusterData.get();
    Optional<Db> master = Optional.ofNullable(cd.getDbsMap().get(cd.getCluster().getStatus().getMasterDbUid()));
    if (master.isEmpty()) {
      return new Readiness(Stage.NO_MASTER, "waiting for the controller to choose a master (initdb)", "", "");
    }
    String masterKeeper = master.get().getSpec().getKeeperId();
    if (!cd.getProxy().getSpec().getMasterDbUid().equals(master.get().getUid())) {
      return new Readiness(Stage.MASTER_NOT_ROUTED, "master: keeper " + masterKeeper + "; waiting for it to run as primary",
          masterKeeper, "");
    }
    Optional<Db> streaming = cd.getDbsMap().values().stream()
        .filter(d -> d.getSpec().getRole() == DbRole.STANDBY && d.getStatus().getHealthy()
            && d.getStatus().getCurrentGeneration() == d.getGeneration()
            && master.get().getStatus().getStreamingStandbysList().contains(d.getUid()))
        .findFirst();
    if (streaming.isEmpty()) {
      return new Readiness(Stage.NO_STREAMING_STANDBY, "master: keeper " + masterKeeper
          + ", routed by the proxy; waiting for a standby to copy it (pg_basebackup) and stream", masterKeeper, "");
    }
    String standby = streaming.get().getSpec().getKeeperId();
    return new Readiness(Stage.READY, "master: keeper " + masterKeeper + "; standby keeper " + standby
        + " streams from it", masterKeeper, standby);
  }

  boolean ready() {
    return stage == Stage.READY;
  }
}
