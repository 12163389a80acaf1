package io.rhizome.node.controller;

import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.DbSpec;
import io.rhizome.proto.cluster.Failover;
import io.rhizome.proto.cluster.FollowConfig;
import io.rhizome.proto.cluster.HistoryEntry;
import io.rhizome.proto.cluster.InitMode;
import io.rhizome.proto.cluster.Keeper;
import io.rhizome.proto.cluster.KeeperInfo;
import io.rhizome.proto.cluster.PostgresState;
import io.rhizome.proto.cluster.ProxyInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Failover and switchover, in design §3's order: fence the proxies, wait for their
 * acknowledgement, choose, promote, and route only once the new master runs as primary. The
 * progress lives in {@code cluster.status.failover}, so a new leader resumes where the old one was.
 */
final class Failovers {
  static final int HISTORY_LIMIT = 50;

  private Failovers() {}

  /** Detects a failed master or a switchover request and starts; continues one under way. */
  static void step(Round r) {
    if (r.status().hasFailover()) {
      proceed(r);
      return;
    }
    Optional<Db> master = r.master();
    if (master.isEmpty()) {
      return;
    }
    Optional<String> failure = Health.masterFailure(r, master.get());
    if (failure.isPresent()) {
      start(r, master.get(), failure.get(), false, "");
      return;
    }
    if (r.status().hasSwitchoverRequest()) {
      String target = r.status().getSwitchoverRequest().getTargetKeeper();
      r.status().clearSwitchoverRequest();
      Optional<String> refusal = Candidates.switchoverRefusal(r, master.get(), target);
      if (refusal.isPresent()) {
        r.say("switchover refused: " + refusal.get());
        return;
      }
      start(r, master.get(), "switchover requested" + (target.isEmpty() ? "" : " to keeper " + target), true, target);
    }
  }

  static void start(Round r, Db master, String reason, boolean planned, String target) {
    r.route("", planned);
    Failover.Builder f = Failover.newBuilder()
        .setOldMasterDbUid(master.getUid())
        .setOldMasterKeeper(master.getSpec().getKeeperId())
        .setStartedAtMillis(r.in.wallMillis())
        .setReason(reason)
        .setPlanned(planned)
        .setTargetKeeper(target)
        .setFenceGeneration(r.cd.getProxy().getGeneration())
        .setOldTimelineId(master.getStatus().getTimelineId())
        .setOldXlogPos(master.getStatus().getXlogPos())
        .addAllOldSynchronousStandbys(master.getSpec().getSynchronousStandbysList())
        .addAllOldInSyncStandbys(master.getStatus().getSynchronousStandbysList());
    r.status().setFailover(f);
    Keeper k = r.cd.getKeepersMap().get(master.getSpec().getKeeperId());
    if (k != null && k.getStatus().getForceFail()) {
      f.setForced(true);
      r.status().setFailover(f);
      r.cd.putKeepers(k.getId(), k.toBuilder().setStatus(k.getStatus().toBuilder().setForceFail(false)).build());
    }
    if (planned) {
      // the master stops taking writes; the target then replays everything it wrote
      r.putSpec(master, master.getSpec().toBuilder().setStopWrites(true).build());
      r.say("switchover: fencing proxies and stopping writes on master db " + master.getUid());
    } else {
      r.say("master db " + master.getUid() + " on keeper " + master.getSpec().getKeeperId() + " failed (" + reason
          + "): fencing proxies before promoting anyone");
    }
  }

  private static void proceed(Round r) {
    Failover f = r.status().getFailover();
    if (!f.getNewMasterDbUid().isEmpty()) {
      awaitNewMaster(r, f);
      return;
    }
    Optional<Db> oldMaster = r.db(f.getOldMasterDbUid());
    if (!f.getPlanned() && !f.getForced() && oldMaster.isPresent() && r.convergedInRole(oldMaster.get())
        && Health.masterFailure(r, oldMaster.get()).isEmpty()) {
      // nobody was promoted, and the only primary is back: routing to it again is safe
      r.status().clearFailover();
      r.say("master db " + f.getOldMasterDbUid() + " is back before any standby was promoted: failover cancelled");
      return;
    }
    List<String> waiting = unackedProxies(r, f.getFenceGeneration());
    if (!waiting.isEmpty()) {
      r.say("waiting for proxies " + waiting + " to close their connections (or for their info to expire)");
      return;
    }
    Optional<String> leaseHeld = oldMasterLeaseHeld(r, f);
    if (leaseHeld.isPresent()) {
      r.say(leaseHeld.get());
      return;
    }
    Optional<Db> old = r.db(f.getOldMasterDbUid());
    if (f.getPlanned()) {
      if (old.isEmpty()) {
        r.say("switchover: the old master db is gone; continuing as a failover");
        r.status().setFailover(f.toBuilder().setPlanned(false));
        return;
      }
      Optional<String> notReady = Candidates.plannedNotReady(r, old.get(), f.getTargetKeeper());
      if (notReady.isPresent()) {
        if (r.in.wallMillis() - f.getStartedAtMillis() > r.spec.convergenceTimeout().toMillis()) {
          abortSwitchover(r, old.get(), notReady.get());
        } else {
          r.say("switchover: " + notReady.get());
        }
        return;
      }
    }
    Candidates.Choice choice = Candidates.choose(r, old, f);
    if (choice.db().isEmpty()) {
      r.status().setNoMasterReason(choice.why());
      r.say("no standby can be promoted: " + choice.why());
      return;
    }
    promote(r, old, choice.db().get(), f);
  }

  /**
   * With commitLease, the old master acknowledges commits, even to clients connected to it
   * directly, until its keeper has read the failover or its lease term has run out. Either is
   * known: its keeper says it let go of this failover's lease; or its info key is gone, and the
   * term is shorter than the key's TTL; or a term has passed since this leader first saw the
   * failover (any read that renewed the lease started before the failover was written). A planned
   * switchover needs none of this: the old master is stopped before anyone is promoted.
   */
  static Optional<String> oldMasterLeaseHeld(Round r, Failover f) {
    if (f.getPlanned() || !r.spec.commitLease()) {
      return Optional.empty();
    }
    String timer = "lease@" + f.getStartedAtMillis();
    Optional<KeeperInfo> info = r.info(f.getOldMasterKeeper());
    long since = r.unconvergedSince.computeIfAbsent(timer, k -> r.now());
    if (info.isEmpty() || info.get().getPostgres().getLeaseReleasedForFailover() == f.getStartedAtMillis()
        || r.now() - since >= r.spec.selfFenceAfter().toMillis()) {
      r.unconvergedSince.remove(timer);
      return Optional.empty();
    }
    return Optional.of("waiting for keeper " + f.getOldMasterKeeper() + " to give up the old master's commit lease"
        + " (it runs out " + Math.max(0, r.spec.selfFenceAfter().toMillis() - (r.now() - since)) + "ms from now)");
  }

  /** Proxies whose info is alive and has not yet applied {@code generation}. */
  static List<String> unackedProxies(Round r, long generation) {
    List<String> waiting = new ArrayList<>();
    for (ProxyInfo p : r.in.proxies().values()) {
      if (p.getClusterUid().equals(r.clusterUid()) && p.getGeneration() < generation) {
        waiting.add(p.getProxyId());
      }
    }
    waiting.sort(String::compareTo);
    return waiting;
  }

  private static void promote(Round r, Optional<Db> old, Db chosen, Failover f) {
    List<Db> others = new ArrayList<>();
    for (Db s : r.standbysOf(f.getOldMasterDbUid())) {
      if (!s.getUid().equals(chosen.getUid())) {
        others.add(s);
      }
    }
    DbSpec.Builder spec = chosen.getSpec().toBuilder()
        .setRole(r.headRole())
        .setInitMode(InitMode.INIT_MODE_UNSPECIFIED)
        .clearFollowConfig()
        .clearFollowers()
        .setStopWrites(false)
        .setResyncFromScratch(false);
    if (r.standbyCluster()) {
      // the new head of a standby cluster is not promoted: it follows the external primary instead
      spec.setFollowConfig(r.externalFollow());
    }
    others.forEach(o -> spec.addFollowers(o.getUid()));
    if (f.getPlanned() && old.isPresent()) {
      spec.addFollowers(old.get().getUid());
    }
    SyncSet.seedForNewMaster(r, spec, old, others);
    Db newMaster = r.putSpec(chosen, spec.build());
    for (Db o : others) {
      r.putSpec(o, o.getSpec().toBuilder().setFollowConfig(FollowConfig.newBuilder()
          .setType(FollowConfig.Type.INTERNAL).setDbUid(newMaster.getUid())).build());
    }
    if (old.isPresent()) {
      if (f.getPlanned()) {
        // stopped cleanly after its standbys had everything: it follows the new master as it is
        r.putSpec(old.get(), old.get().getSpec().toBuilder().setRole(DbRole.STANDBY).setStopWrites(false)
            .clearFollowers().clearSynchronousStandbys().clearExternalSynchronousStandbys()
            .setInitMode(InitMode.INIT_MODE_UNSPECIFIED)
            .setFollowConfig(FollowConfig.newBuilder().setType(FollowConfig.Type.INTERNAL).setDbUid(newMaster.getUid()))
            .build());
      } else {
        // a failed master may hold writes nobody else has: its keeper gets a new db (rewind or copy)
        r.removeDb(old.get().getUid());
      }
    }
    r.status().setMasterDbUid(newMaster.getUid()).setNoMasterReason("")
        .setFailover(f.toBuilder().setNewMasterDbUid(newMaster.getUid()).setPromotedAtMillis(r.in.wallMillis()));
    r.say((r.standbyCluster() ? "db " + newMaster.getUid() + " on keeper " + newMaster.getSpec().getKeeperId()
        + " is the standby cluster's new head: it follows the external primary" : "promoting db "
        + newMaster.getUid() + " on keeper " + newMaster.getSpec().getKeeperId())
        + (f.getPlanned() ? " (switchover)" : ""));
  }

  private static void awaitNewMaster(Round r, Failover f) {
    Optional<Db> m = r.db(f.getNewMasterDbUid());
    if (m.isEmpty()) {
      r.status().setFailover(f.toBuilder().clearNewMasterDbUid());
      return;
    }
    Db master = m.get();
    if (r.convergedInRole(master)) {
      r.route(master.getUid(), false);
      int timeline = r.reportFor(master).map(PostgresState::getTimelineId).orElse(0);
      r.cd.addHistory(HistoryEntry.newBuilder()
          .setTimeMillis(r.in.wallMillis())
          .setOldMasterDbUid(f.getOldMasterDbUid()).setOldMasterKeeper(f.getOldMasterKeeper())
          .setNewMasterDbUid(master.getUid()).setNewMasterKeeper(master.getSpec().getKeeperId())
          .setTimelineId(timeline).setReason(f.getReason()).setPlanned(f.getPlanned())
          .setPromotedAtMillis(f.getPromotedAtMillis())
          .setDurationMillis(Math.max(0, r.in.wallMillis() - f.getStartedAtMillis())));
      while (r.cd.getHistoryCount() > HISTORY_LIMIT) {
        r.cd.removeHistory(0);
      }
      r.status().clearFailover();
      r.say("db " + master.getUid() + " on keeper " + master.getSpec().getKeeperId()
          + " is the master now (timeline " + timeline + "): proxies route to it");
      return;
    }
    String key = Round.generationKey(master);
    long since = r.unconvergedSince.computeIfAbsent(key, k -> r.now());
    if (r.now() - since >= r.spec.convergenceTimeout().toMillis()) {
      // the elected standby did not promote: give it up, its keeper resyncs, and choose again
      r.say("db " + master.getUid() + " did not become master within convergenceTimeout: choosing another standby");
      for (Db s : r.standbysOf(master.getUid())) {
        r.putSpec(s, s.getSpec().toBuilder().setFollowConfig(FollowConfig.newBuilder()
            .setType(FollowConfig.Type.INTERNAL).setDbUid(f.getOldMasterDbUid())).build());
      }
      r.removeDb(master.getUid());
      r.status().setMasterDbUid(f.getOldMasterDbUid()).setFailover(f.toBuilder().clearNewMasterDbUid());
      return;
    }
    r.say("waiting for db " + master.getUid() + " to run as master at generation " + master.getGeneration());
  }

  private static void abortSwitchover(Round r, Db old, String why) {
    r.putSpec(old, old.getSpec().toBuilder().setStopWrites(false).build());
    // proxies stay fenced until the old master runs again; Routing points them back then
    r.status().clearFailover();
    r.say("switchover abandoned after convergenceTimeout (" + why + "): db " + old.getUid() + " stays master");
  }
}
