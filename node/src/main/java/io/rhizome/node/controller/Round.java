package io.rhizome.node.controller;

import io.rhizome.cluster.EffectiveSpec;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.ClusterStatus;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.DbSpec;
import io.rhizome.proto.cluster.KeeperInfo;
import io.rhizome.proto.cluster.PostgresState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The working state of one controller round: the cluster data being built, the reports it reads,
 * the timers, and the reasons said so far. Steps read and change it; nothing here does I/O.
 */
final class Round {
  final ControllerInput in;
  final ClusterData.Builder cd;
  final EffectiveSpec spec;
  final List<String> reasons = new ArrayList<>();
  final Map<String, Long> unhealthySince;
  final Map<String, Long> unconvergedSince;

  Round(ControllerInput in) {
    this.in = in;
    this.cd = in.clusterData().toBuilder();
    this.spec = EffectiveSpec.of(in.clusterData().getCluster().getSpec());
    this.unhealthySince = new HashMap<>(in.memory().unhealthySince());
    this.unconvergedSince = new HashMap<>(in.memory().unconvergedSince());
  }

  void say(String reason) {
    reasons.add(reason);
  }

  long now() {
    return in.nowMillis();
  }

  String clusterUid() {
    return cd.getCluster().getUid();
  }

  ClusterStatus.Builder status() {
    return cd.getClusterBuilder().getStatusBuilder();
  }

  // ---- keepers ----

  /** The keeper's info, if its key is alive and it belongs to this cluster. */
  Optional<KeeperInfo> info(String keeperId) {
    KeeperInfo i = in.keepers().get(keeperId);
    return i != null && i.getClusterUid().equals(clusterUid()) ? Optional.of(i) : Optional.empty();
  }

  boolean alive(String keeperId) {
    return info(keeperId).isPresent();
  }

  /** What the keeper reports about its PostgreSQL, when it reports about this db. */
  Optional<PostgresState> reportFor(Db db) {
    return info(db.getSpec().getKeeperId()).map(KeeperInfo::getPostgres)
        .filter(p -> p.getDbUid().equals(db.getUid()));
  }

  boolean healthy(Db db) {
    return reportFor(db).map(PostgresState::getHealthy).orElse(false);
  }

  /** Healthy and at the db's current generation. */
  boolean converged(Db db) {
    return reportFor(db).map(p -> p.getHealthy() && p.getGeneration() == db.getGeneration()).orElse(false);
  }

  /** A standby cluster's head follows an external primary; a primary cluster's head is its master. */
  boolean standbyCluster() {
    return spec.role() == io.rhizome.proto.cluster.ClusterRole.CLUSTER_STANDBY;
  }

  /** The cluster's head db's role: standby (of the external primary) in a standby cluster, else master. */
  DbRole headRole() {
    return standbyCluster() ? DbRole.STANDBY : DbRole.MASTER;
  }

  /** How a standby cluster's head follows the external primary: the cluster spec's standbySettings. */
  io.rhizome.proto.cluster.FollowConfig externalFollow() {
    return io.rhizome.proto.cluster.FollowConfig.newBuilder().setType(io.rhizome.proto.cluster.FollowConfig.Type.EXTERNAL)
        .setStandbySettings(cd.getCluster().getSpec().getStandbySettings()).build();
  }

  /** Converged in the role its spec names (a standby cluster's head: in recovery). */
  boolean convergedInRole(Db db) {
    return convergedAs(db, db.getSpec().getRole());
  }

  /** Converged in the role it was asked for. */
  boolean convergedAs(Db db, DbRole role) {
    return converged(db) && reportFor(db).map(p -> p.getInRecovery() == (role == DbRole.STANDBY)).orElse(false);
  }

  // ---- dbs ----

  Optional<Db> db(String uid) {
    return Optional.ofNullable(cd.getDbsMap().get(uid));
  }

  Optional<Db> dbOfKeeper(String keeperId) {
    return cd.getDbsMap().values().stream().filter(d -> d.getSpec().getKeeperId().equals(keeperId)).findFirst();
  }

  Optional<Db> master() {
    return db(status().getMasterDbUid());
  }

  /** Dbs following {@code masterUid}, in uid order. */
  List<Db> standbysOf(String masterUid) {
    return cd.getDbsMap().values().stream()
        .filter(d -> d.getSpec().getRole() == DbRole.STANDBY && d.getSpec().getFollowConfig().getDbUid().equals(masterUid))
        .sorted(java.util.Comparator.comparing(Db::getUid))
        .toList();
  }

  /** Writes a db with a new spec, bumping its generation when the spec changed. */
  Db putSpec(Db db, DbSpec spec) {
    if (spec.equals(db.getSpec())) {
      return db;
    }
    Db next = db.toBuilder().setGeneration(db.getGeneration() + 1).setSpec(spec).build();
    cd.putDbs(next.getUid(), next);
    return next;
  }

  void removeDb(String uid) {
    cd.removeDbs(uid);
    unhealthySince.remove(uid);
  }

  /** Points every proxy at {@code masterUid} ("" = none) and bumps the proxy generation. */
  void route(String masterUid, boolean planned) {
    var proxy = cd.getProxyBuilder();
    if (proxy.getSpec().getMasterDbUid().equals(masterUid) && proxy.getSpec().getPlannedSwitchover() == planned) {
      return;
    }
    proxy.getSpecBuilder().setMasterDbUid(masterUid).setPlannedSwitchover(planned);
    proxy.setGeneration(proxy.getGeneration() + 1);
  }

  /** Memory key for "this generation of this db is not converged". */
  static String generationKey(Db db) {
    return db.getUid() + "@" + db.getGeneration();
  }

  ControllerMemory memory() {
    return new ControllerMemory(unhealthySince, unconvergedSince);
  }
}
