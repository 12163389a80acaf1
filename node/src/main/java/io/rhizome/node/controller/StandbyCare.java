package io.rhizome.node.controller;

import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.DbSpec;
import io.rhizome.proto.cluster.FollowConfig;
import io.rhizome.proto.cluster.InitMode;
import io.rhizome.proto.cluster.Keeper;
import io.rhizome.proto.cluster.TimelineHistoryEntry;
import java.util.List;
import java.util.Optional;

/** Standbys: one for each keeper that has none, away with those that cannot follow, dead keepers forgotten. */
final class StandbyCare {
  private StandbyCare() {}

  static void step(Round r, Db master) {
    removeUnfollowable(r, master);
    assign(r, master);
    forgetDeadKeepers(r);
    Db current = r.db(master.getUid()).orElse(master);
    List<String> followers = r.standbysOf(current.getUid()).stream().map(Db::getUid).toList();
    // the master keeps exactly one slot per standby following it
    r.putSpec(current, current.getSpec().toBuilder().clearFollowers().addAllFollowers(followers).build());
  }

  private static void assign(Round r, Db master) {
    if (!r.convergedAs(master, DbRole.MASTER)) {
      return;
    }
    for (Keeper k : r.cd.getKeepersMap().values().stream().sorted(java.util.Comparator.comparing(Keeper::getId)).toList()) {
      if (!r.alive(k.getId()) || r.dbOfKeeper(k.getId()).isPresent()) {
        continue;
      }
      if (r.standbysOf(master.getUid()).size() >= r.spec.maxStandbysPerSender()) {
        r.say("keeper " + k.getId() + " gets no standby: the master has maxStandbysPerSender ("
            + r.spec.maxStandbysPerSender() + ") already");
        continue;
      }
      String uid = r.in.newUid().get();
      DbSpec.Builder spec = DbSpecs.fromCluster(DbSpec.newBuilder(), r.cd.getCluster().getSpec())
          .setKeeperId(k.getId())
          .setRole(DbRole.STANDBY)
          .setInitMode(InitMode.RESYNC)
          .setFollowConfig(FollowConfig.newBuilder().setType(FollowConfig.Type.INTERNAL).setDbUid(master.getUid()))
          .clearSynchronousStandbys().clearExternalSynchronousStandbys();
      r.cd.putDbs(uid, Db.newBuilder().setUid(uid).setGeneration(1).setSpec(spec).build());
      r.say("keeper " + k.getId() + " gets standby db " + uid + " following db " + master.getUid());
    }
  }

  /** A standby of another database system, or on a timeline that forked off the master's, cannot stream. */
  private static void removeUnfollowable(Round r, Db master) {
    long masterSystem = master.getStatus().getSystemId();
    int masterTimeline = master.getStatus().getTimelineId();
    for (Db s : r.standbysOf(master.getUid())) {
      Optional<String> why = Optional.empty();
      var pg = r.reportFor(s);
      if (pg.isEmpty() || !pg.get().getHealthy() || masterSystem == 0 || masterTimeline == 0) {
        continue;
      }
      if (pg.get().getSystemId() != 0 && pg.get().getSystemId() != masterSystem) {
        why = Optional.of("it holds another database system");
      } else if (pg.get().getTimelineId() > masterTimeline) {
        why = Optional.of("it is on timeline " + pg.get().getTimelineId() + ", ahead of the master's " + masterTimeline);
      } else if (pg.get().getTimelineId() < masterTimeline) {
        for (TimelineHistoryEntry h : master.getStatus().getTimelinesHistoryList()) {
          if (h.getTimelineId() == pg.get().getTimelineId() && pg.get().getXlogPos() > h.getSwitchPoint()) {
            why = Optional.of("it went past where timeline " + h.getTimelineId() + " forked ("
                + pg.get().getXlogPos() + " > " + h.getSwitchPoint() + ")");
          }
        }
      }
      if (why.isPresent()) {
        r.removeDb(s.getUid());
        r.say("removing standby db " + s.getUid() + " on keeper " + s.getSpec().getKeeperId() + ": " + why.get()
            + "; its keeper gets a new one");
      }
    }
  }

  private static void forgetDeadKeepers(Round r) {
    long limit = r.spec.deadKeeperRemovalInterval().toMillis();
    for (Keeper k : List.copyOf(r.cd.getKeepersMap().values())) {
      if (!r.alive(k.getId()) && r.dbOfKeeper(k.getId()).isEmpty()
          && r.in.wallMillis() - k.getStatus().getLastHealthyTimeMillis() >= limit) {
        r.cd.removeKeepers(k.getId());
        r.say("keeper " + k.getId() + " removed: gone for longer than deadKeeperRemovalInterval");
      }
    }
  }
}
