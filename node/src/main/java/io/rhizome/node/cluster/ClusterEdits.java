package io.rhizome.node.cluster;

import io.rhizome.node.common.RefusedException;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.DbSpec;
import io.rhizome.proto.cluster.InitMode;
import io.rhizome.proto.cluster.ClusterStatus;
import io.rhizome.proto.cluster.Keeper;
import io.rhizome.proto.cluster.SwitchoverRequest;
import java.util.List;

/**
 * Operator requests as pure edits of the cluster data: records in, records out, a
 * {@link RefusedException} saying why when the request cannot be carried out safely.
 */
public final class ClusterEdits {
  private ClusterEdits() {}

  /** The db assigned to {@code keeperId}. */
  public static Db dbOf(ClusterData cd, String keeperId) {
    if (!cd.getKeepersMap().containsKey(keeperId) && cd.getDbsMap().values().stream()
        .noneMatch(d -> d.getSpec().getKeeperId().equals(keeperId))) {
      throw new RefusedException("there is no keeper '" + keeperId + "' in cluster data (known: "
          + String.join(", ", cd.getKeepersMap().keySet()) + ")");
    }
    return cd.getDbsMap().values().stream()
        .filter(d -> d.getSpec().getKeeperId().equals(keeperId))
        .findFirst()
        .orElseThrow(() -> new RefusedException("keeper '" + keeperId + "' has no db yet: nothing to act on"));
  }

  /** {@code rhizomectl restart K}: the keeper restarts its PostgreSQL once. */
  public static ClusterData requestRestart(ClusterData cd, String keeperId, long nowMillis) {
    Db db = dbOf(cd, keeperId);
    long request = Math.max(nowMillis, db.getSpec().getRestartRequest() + 1);
    return bump(cd, db, db.getSpec().toBuilder().setRestartRequest(request).build());
  }

  /**
   * {@code rhizomectl reinit K}: replaces the keeper's standby db by a new one copied from
   * scratch from the same db it follows. A master is refused: it holds the only copy of the
   * latest writes.
   */
  public static ClusterData reinit(ClusterData cd, String keeperId, String newDbUid) {
    Db old = dbOf(cd, keeperId);
    if (old.getSpec().getRole() == DbRole.MASTER || old.getUid().equals(cd.getCluster().getStatus().getMasterDbUid())) {
      throw new RefusedException("keeper '" + keeperId + "' holds the master db " + old.getUid()
          + ": reinit rebuilds a standby; switch over to another keeper first");
    }
    for (Db d : cd.getDbsMap().values()) {
      if (d.getSpec().getSynchronousStandbysList().contains(old.getUid())) {
        throw new RefusedException("db " + old.getUid() + " is a synchronous standby of db " + d.getUid()
            + ": commits would wait during the whole copy; let the controller choose another synchronous "
            + "standby first (or lower minSynchronousStandbys)");
      }
    }
    if (cd.getDbsMap().containsKey(newDbUid)) {
      throw new IllegalStateException("db uid " + newDbUid + " exists already");
    }
    DbSpec spec = old.getSpec().toBuilder().setInitMode(InitMode.RESYNC).setResyncFromScratch(true)
        .clearFollowers().build();
    ClusterData.Builder next = cd.toBuilder().removeDbs(old.getUid())
        .putDbs(newDbUid, Db.newBuilder().setUid(newDbUid).setGeneration(1).setSpec(spec).build());
    for (Db d : cd.getDbsMap().values()) {
      if (d.getSpec().getFollowersList().contains(old.getUid())) {
        List<String> followers = d.getSpec().getFollowersList().stream()
            .map(f -> f.equals(old.getUid()) ? newDbUid : f).toList();
        next.putDbs(d.getUid(), d.toBuilder().setGeneration(d.getGeneration() + 1)
            .setSpec(d.getSpec().toBuilder().clearFollowers().addAllFollowers(followers)).build());
      }
    }
    return next.build();
  }

  /** {@code rhizomectl failkeeper K}: the controller treats the keeper as failed once. */
  public static ClusterData failKeeper(ClusterData cd, String keeperId) {
    Keeper k = cd.getKeepersMap().get(keeperId);
    if (k == null) {
      throw new RefusedException("there is no keeper '" + keeperId + "' in cluster data (known: "
          + String.join(", ", cd.getKeepersMap().keySet()) + ")");
    }
    return cd.toBuilder().putKeepers(keeperId, k.toBuilder().setStatus(k.getStatus().toBuilder().setForceFail(true))
        .build()).build();
  }

  /** {@code rhizomectl switchover [--to K]}: asks the controller for a planned switchover. */
  public static ClusterData requestSwitchover(ClusterData cd, String targetKeeper, long wallMillis) {
    var status = cd.getCluster().getStatus();
    if (status.getPhase() != ClusterStatus.Phase.NORMAL || status.getMasterDbUid().isEmpty()) {
      throw new RefusedException("the cluster has no running master yet: nothing to switch over from");
    }
    if (status.hasFailover()) {
      throw new RefusedException("a " + (status.getFailover().getPlanned() ? "switchover" : "failover")
          + " is already under way (" + status.getFailover().getReason() + ")");
    }
    if (status.getPaused()) {
      throw new RefusedException("the cluster is paused: 'rhizomectl resume' first");
    }
    if (!targetKeeper.isEmpty()) {
      Db target = dbOf(cd, targetKeeper);
      if (target.getUid().equals(status.getMasterDbUid())) {
        throw new RefusedException("keeper '" + targetKeeper + "' already holds the master");
      }
    }
    return cd.toBuilder().setCluster(cd.getCluster().toBuilder().setStatus(status.toBuilder()
        .setSwitchoverRequest(SwitchoverRequest.newBuilder().setTargetKeeper(targetKeeper)
            .setRequestedAtMillis(wallMillis)))).build();
  }

  /** {@code rhizomectl removekeeper K}: forgets a keeper and its db; refused for the master. */
  public static ClusterData removeKeeper(ClusterData cd, String keeperId) {
    if (!cd.getKeepersMap().containsKey(keeperId) && cd.getDbsMap().values().stream()
        .noneMatch(d -> d.getSpec().getKeeperId().equals(keeperId))) {
      throw new RefusedException("there is no keeper '" + keeperId + "' in cluster data");
    }
    ClusterData.Builder next = cd.toBuilder().removeKeepers(keeperId);
    for (Db d : cd.getDbsMap().values()) {
      if (d.getSpec().getKeeperId().equals(keeperId)) {
        if (d.getUid().equals(cd.getCluster().getStatus().getMasterDbUid())) {
          throw new RefusedException("keeper '" + keeperId + "' holds the master db " + d.getUid()
              + ": switch over to another keeper first");
        }
        next.removeDbs(d.getUid());
      }
    }
    return next.build();
  }

  /**
   * {@code rhizomectl promote}: a standby cluster becomes a primary cluster. The controller then
   * promotes its head; the other keepers keep following it. There is no way back (a primary
   * cluster cannot start following another), so the command asks for --yes first.
   */
  public static ClusterData promote(ClusterData cd) {
    var cluster = cd.getCluster();
    if (io.rhizome.cluster.EffectiveSpec.of(cluster.getSpec()).role() != io.rhizome.proto.cluster.ClusterRole.CLUSTER_STANDBY) {
      throw new RefusedException("the cluster is not a standby cluster (its role is master): nothing to promote");
    }
    if (cluster.getStatus().getPhase() != ClusterStatus.Phase.NORMAL || cluster.getStatus().getMasterDbUid().isEmpty()) {
      throw new RefusedException("the standby cluster has no running head yet (still copying the external primary): "
          + "wait for 'rhizomectl status' to show one");
    }
    if (cluster.getStatus().getPaused()) {
      throw new RefusedException("the cluster is paused: 'rhizomectl resume' first");
    }
    var spec = cluster.getSpec().toBuilder().setRole(io.rhizome.proto.cluster.ClusterRole.CLUSTER_MASTER);
    return cd.toBuilder().setCluster(cluster.toBuilder().setSpec(spec).setGeneration(cluster.getGeneration() + 1))
        .build();
  }

  /** {@code rhizomectl pause|resume}. */
  public static ClusterData setPaused(ClusterData cd, boolean paused) {
    return cd.toBuilder().setCluster(cd.getCluster().toBuilder().setStatus(cd.getCluster().getStatus().toBuilder()
        .setPaused(paused))).build();
  }

  private static ClusterData bump(ClusterData cd, Db db, DbSpec spec) {
    return cd.toBuilder().putDbs(db.getUid(), db.toBuilder().setGeneration(db.getGeneration() + 1)
        .setSpec(spec).build()).build();
  }
}
