package io.rhizome.node.controller;

import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbStatus;
import io.rhizome.proto.cluster.Keeper;
import io.rhizome.proto.cluster.KeeperInfo;
import io.rhizome.proto.cluster.KeeperStatus;
import io.rhizome.proto.cluster.PostgresState;

/**
 * The controller's bookkeeping: registers keepers, acknowledges their boot, and copies what each
 * keeper reports into its db's status, where the keepers of other dbs read addresses from.
 */
final class KeeperBook {
  private KeeperBook() {}

  static void update(Round r) {
    for (KeeperInfo info : r.in.keepers().values()) {
      if (!info.getClusterUid().equals(r.clusterUid())) {
        continue; // a keeper of another (or a re-initialised) cluster
      }
      Keeper existing = r.cd.getKeepersMap().get(info.getKeeperId());
      KeeperStatus.Builder status = existing == null ? KeeperStatus.newBuilder() : existing.getStatus().toBuilder();
      if (existing == null) {
        r.say("keeper " + info.getKeeperId() + " registered");
      } else if (!existing.getStatus().getBootUuid().equals(info.getBootUuid())) {
        r.say("keeper " + info.getKeeperId() + " restarted: acknowledging boot " + info.getBootUuid());
      }
      long lastHealthy = status.getLastHealthyTimeMillis();
      // refreshed coarsely: an idle cluster's data should not change every round for a clock
      if (!status.getHealthy() || r.in.wallMillis() - lastHealthy >= 10_000) {
        status.setLastHealthyTimeMillis(r.in.wallMillis());
      }
      status.setHealthy(true)
          .setBootUuid(info.getBootUuid())
          .setPgVersion(info.getPgVersion())
          .setCanBeMaster(info.getCanBeMaster())
          .setCanBeSynchronousReplica(info.getCanBeSynchronousReplica())
          .setPriority(info.getPriority());
      r.cd.putKeepers(info.getKeeperId(), Keeper.newBuilder().setId(info.getKeeperId()).setStatus(status).build());
    }
    for (Keeper k : r.cd.getKeepersMap().values()) {
      if (!r.alive(k.getId()) && k.getStatus().getHealthy()) {
        r.say("keeper " + k.getId() + " is gone (its info expired)");
        r.cd.putKeepers(k.getId(), k.toBuilder().setStatus(k.getStatus().toBuilder().setHealthy(false)).build());
      }
    }
    for (Db db : r.cd.getDbsMap().values()) {
      r.reportFor(db).ifPresentOrElse(
          pg -> r.cd.putDbs(db.getUid(), db.toBuilder().setStatus(status(pg)).build()),
          () -> {
            if (db.getStatus().getHealthy()) {
              r.cd.putDbs(db.getUid(), db.toBuilder().setStatus(db.getStatus().toBuilder().setHealthy(false)).build());
            }
          });
    }
  }

  /** The db status a keeper's report gives. */
  static DbStatus status(PostgresState pg) {
    return DbStatus.newBuilder()
        .setHealthy(pg.getHealthy())
        .setCurrentGeneration(pg.getGeneration())
        .setListenAddress(pg.getListenAddress())
        .setPort(pg.getPort())
        .setSystemId(pg.getSystemId())
        .setTimelineId(pg.getTimelineId())
        .setXlogPos(pg.getXlogPos())
        .addAllTimelinesHistory(pg.getTimelinesHistoryList())
        .addAllSynchronousStandbys(pg.getSynchronousStandbysInSyncList())
        .addAllStreamingStandbys(pg.getStreamingStandbysList())
        .build();
  }
}
