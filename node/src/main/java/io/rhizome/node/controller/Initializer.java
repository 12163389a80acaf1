package io.rhizome.node.controller;

import io.rhizome.proto.cluster.ClusterStatus;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbSpec;
import io.rhizome.proto.cluster.InitMode;
import io.rhizome.proto.cluster.Keeper;
import java.util.Comparator;
import java.util.Optional;

/** Phase INITIALIZING: create the first master db on a keeper, wait until it runs, then go NORMAL. */
final class Initializer {
  private Initializer() {}

  static void step(Round r) {
    Optional<Db> master = r.master();
    if (master.isEmpty()) {
      choose(r);
      return;
    }
    Db m = master.get();
    if (r.convergedInRole(m)) {
      r.status().setPhase(ClusterStatus.Phase.NORMAL).setNoMasterReason("");
      // the initial master no longer needs its init mode: a later db spec change must not re-init
      Db settled = r.putSpec(m, m.getSpec().toBuilder().setInitMode(InitMode.INIT_MODE_UNSPECIFIED).build());
      r.route(settled.getUid(), false);
      r.say("db " + m.getUid() + " on keeper " + m.getSpec().getKeeperId() + " is initialised: cluster is ready");
      return;
    }
    String key = Round.generationKey(m);
    long since = r.unconvergedSince.computeIfAbsent(key, k -> r.now());
    if (r.now() - since >= r.spec.initTimeout().toMillis()) {
      r.say("db " + m.getUid() + " on keeper " + m.getSpec().getKeeperId() + " did not initialise within initTimeout "
          + r.spec.initTimeout().toSeconds() + "s: trying another keeper");
      r.status().addFailedInitKeepers(m.getSpec().getKeeperId()).setMasterDbUid("");
      r.removeDb(m.getUid());
      r.unconvergedSince.remove(key);
      return;
    }
    r.say("waiting for keeper " + m.getSpec().getKeeperId() + " to initialise db " + m.getUid());
  }

  private static void choose(Round r) {
    InitMode mode = r.spec.initMode();
    Optional<Keeper> keeper;
    if (mode == InitMode.EXISTING) {
      String named = r.cd.getCluster().getSpec().getExistingConfig().getKeeperUid();
      keeper = Optional.ofNullable(r.cd.getKeepersMap().get(named)).filter(k -> r.alive(k.getId()));
      if (keeper.isEmpty()) {
        String why = "waiting for keeper " + named + " (existingConfig.keeperUID) to report";
        r.status().setNoMasterReason(why);
        r.say(why);
        return;
      }
    } else {
      keeper = r.cd.getKeepersMap().values().stream()
          .filter(k -> r.alive(k.getId()))
          .filter(k -> k.getStatus().getCanBeMaster())
          .filter(k -> !r.status().getFailedInitKeepersList().contains(k.getId()))
          .min(Comparator.comparingInt((Keeper k) -> -k.getStatus().getPriority()).thenComparing(Keeper::getId));
      if (keeper.isEmpty()) {
        String why = "waiting for a keeper that can be master to report (none alive yet)";
        r.status().setNoMasterReason(why);
        r.say(why);
        return;
      }
    }
    String uid = r.in.newUid().get();
    DbSpec.Builder spec = DbSpecs.fromCluster(DbSpec.newBuilder(), r.cd.getCluster().getSpec())
        .setKeeperId(keeper.get().getId())
        .setRole(r.headRole())
        .setInitMode(mode == InitMode.EXISTING ? InitMode.EXISTING : InitMode.NEW);
    if (r.standbyCluster()) {
      // the head of a standby cluster follows the external primary; "new" copies it (pg_basebackup)
      spec.setFollowConfig(r.externalFollow()).clearSynchronousStandbys().clearExternalSynchronousStandbys();
      if (mode != InitMode.EXISTING) {
        spec.setInitMode(InitMode.RESYNC);
      }
    }
    Db db = Db.newBuilder().setUid(uid).setGeneration(1).setSpec(spec).build();
    r.cd.putDbs(uid, db);
    r.unconvergedSince.put(Round.generationKey(db), r.now());
    r.status().setMasterDbUid(uid).setNoMasterReason("");
    r.say((mode == InitMode.EXISTING ? "adopting the data dir of keeper "
        : r.standbyCluster() ? "copying the external primary to keeper " : "initialising a new cluster on keeper ")
        + keeper.get().getId() + " as db " + uid);
  }
}
