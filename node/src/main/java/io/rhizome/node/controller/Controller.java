package io.rhizome.node.controller;

import io.rhizome.proto.cluster.ClusterStatus;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import java.util.Optional;

/**
 * The controller's decisions (design §3): {@code decide(cluster data, keeper infos, proxy infos,
 * timers, now)} returns the next cluster data and a reason per change. Pure: the leader sentinel's
 * loop reads the store, calls it, and compare-and-sets the result.
 */
public final class Controller {
  private Controller() {}

  public static Decision decide(ControllerInput in) {
    Round r = new Round(in);
    if (r.clusterUid().isEmpty()) {
      return new Decision(in.clusterData(), in.memory(), java.util.List.of());
    }
    KeeperBook.update(r);
    if (r.status().getPaused()) {
      r.say("paused: no automatic failover and no changes to PostgreSQL until 'rhizomectl resume'");
      return finish(r);
    }
    if (r.status().getPhase() != ClusterStatus.Phase.NORMAL) {
      Initializer.step(r);
      return finish(r);
    }
    Failovers.step(r);
    if (!r.status().hasFailover()) {
      Optional<Db> master = r.master();
      if (master.isPresent()) {
        followClusterSpec(r);
        Db m = r.master().orElseThrow();
        StandbyCare.step(r, m);
        if (!r.standbyCluster()) {
          // synchronous_standby_names means nothing on a standby; it applies once promoted
          SyncSet.maintain(r, r.master().orElseThrow());
        }
        route(r, r.master().orElseThrow());
      }
    }
    return finish(r);
  }

  /**
   * Every db's copy of the cluster spec follows `rhizomectl update`; a change bumps its generation.
   * The head follows the cluster's role: in a standby cluster it follows the external primary as
   * standbySettings say now; once the role is master (`rhizomectl promote`) it is promoted.
   */
  private static void followClusterSpec(Round r) {
    String head = r.status().getMasterDbUid();
    for (Db db : java.util.List.copyOf(r.cd.getDbsMap().values())) {
      var spec = DbSpecs.fromCluster(db.getSpec().toBuilder(), r.cd.getCluster().getSpec());
      if (db.getUid().equals(head) && r.standbyCluster()) {
        spec.setRole(DbRole.STANDBY).setFollowConfig(r.externalFollow());
      } else if (db.getUid().equals(head) && db.getSpec().getRole() == DbRole.STANDBY) {
        spec.setRole(DbRole.MASTER).clearFollowConfig();
        r.say("promoting db " + db.getUid() + " on keeper " + db.getSpec().getKeeperId()
            + ": the cluster's role is master now, it stops following the external primary");
      }
      if (db.getSpec().getRole() == DbRole.MASTER && r.spec.synchronousReplication()) {
        spec.clearSynchronousStandbys().addAllSynchronousStandbys(db.getSpec().getSynchronousStandbysList())
            .clearExternalSynchronousStandbys().addAllExternalSynchronousStandbys(db.getSpec().getExternalSynchronousStandbysList());
      }
      r.putSpec(db, spec.build());
    }
  }

  /** Proxies follow the master once it runs as one (after init, or after a switchover was abandoned). */
  private static void route(Round r, Db master) {
    if (!r.cd.getProxy().getSpec().getMasterDbUid().equals(master.getUid())
        && r.convergedInRole(master)) {
      r.route(master.getUid(), false);
      r.say("proxies route to db " + master.getUid());
    }
  }

  private static Decision finish(Round r) {
    if (!r.reasons.isEmpty()) {
      r.status().clearReasons().addAllReasons(r.reasons);
    }
    return new Decision(r.cd.build(), r.memory(), r.reasons);
  }
}
