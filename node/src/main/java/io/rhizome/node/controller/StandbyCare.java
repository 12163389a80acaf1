package io.rhizome.node.controller;

import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.DbSpec;
import io.rhizome.proto.cluster.FollowConfig;
import io.rhizome.proto.cluster.InitMode;
import io.rhizome.proto.cluster.Keeper;
import io.rhizome.proto.cluster.TimelineHistoryEntry;
import io.rhizome.node.keeper.SlotNames;
import java.util.List;
import java.util.Optional;

/**
 * Standbys: one for each keeper that has none, up to the limit; away with those that cannot
 * follow, those whose WAL is gone, those of keepers dead for deadKeeperRemovalInterval (their slots
 * would hold WAL on the master forever) and those over the limit; dead keepers forgotten.
 */
final class StandbyCare {
  private StandbyCare() {}

  static void step(Round r, Db master) {
    removeUnfollowable(r, master);
    replaceLost(r, master);
    removeDead(r, master);
    removeSurplus(r, master);
    assign(r, master);
    forgetDeadKeepers(r);
    Db current = r.db(master.getUid()).orElse(master);
    List<String> followers = r.standbysOf(current.getUid()).stream().map(Db::getUid).toList();
    // the master keeps exactly one slot per standby following it
    r.putSpec(current, current.getSpec().toBuilder().clearFollowers().addAllFollowers(followers).build());
  }

  private static void assign(Round r, Db master) {
    if (!r.convergedInRole(master)) {
      return;
    }
    for (Keeper k : r.cd.getKeepersMap().values().stream().sorted(java.util.Comparator.comparing(Keeper::getId)).toList()) {
      if (!r.alive(k.getId()) || r.dbOfKeeper(k.getId()).isPresent()) {
        continue;
      }
      if (r.standbysOf(master.getUid()).size() >= limit(r)) {
        r.say("keeper " + k.getId() + " gets no standby: the master has " + limit(r)
            + " already (maxStandbysPerSender, maxStandbys)");
        continue;
      }
      String uid = newStandby(r, k.getId(), master, false);
      r.say("keeper " + k.getId() + " gets standby db " + uid + " following db " + master.getUid());
    }
  }

  /** Every standby follows the master directly, so both limits bound the same set. */
  private static int limit(Round r) {
    return Math.min(r.spec.maxStandbysPerSender(), r.spec.maxStandbys());
  }

  private static String newStandby(Round r, String keeperId, Db master, boolean fromScratch) {
    String uid = r.in.newUid().get();
    DbSpec.Builder spec = DbSpecs.fromCluster(DbSpec.newBuilder(), r.cd.getCluster().getSpec())
        .setKeeperId(keeperId)
        .setRole(DbRole.STANDBY)
        .setInitMode(InitMode.RESYNC)
        .setResyncFromScratch(fromScratch)
        .setFollowConfig(FollowConfig.newBuilder().setType(FollowConfig.Type.INTERNAL).setDbUid(master.getUid()))
        .clearSynchronousStandbys().clearExternalSynchronousStandbys();
    r.cd.putDbs(uid, Db.newBuilder().setUid(uid).setGeneration(1).setSpec(spec).build());
    return uid;
  }

  /**
   * The master reports the standby's slot lost (max_slot_wal_keep_size removed WAL it still
   * needed): streaming can never catch up, and pg_rewind would find nothing to rewind. A new db
   * copied from scratch replaces it at once.
   */
  private static void replaceLost(Round r, Db master) {
    List<String> lost = r.reportFor(master).<List<String>>map(p -> p.getLostSlotsList()).orElse(List.of());
    for (Db s : r.standbysOf(master.getUid())) {
      if (lost.contains(SlotNames.forDb(s.getUid()))) {
        r.removeDb(s.getUid());
        String uid = newStandby(r, s.getSpec().getKeeperId(), master, true);
        r.say("replacing standby db " + s.getUid() + " on keeper " + s.getSpec().getKeeperId()
            + " with db " + uid + ", copied from scratch: the WAL it needs is gone from the master (slot "
            + SlotNames.forDb(s.getUid()) + " lost, max_slot_wal_keep_size)");
      }
    }
  }

  /**
   * A standby whose keeper is gone for deadKeeperRemovalInterval loses its db: its slot would keep
   * WAL on the master until the disk fills. When the keeper returns it gets a new db. A configured
   * synchronous standby is left to SyncSet, which replaces it in overlapping steps first.
   */
  private static void removeDead(Round r, Db master) {
    long limit = r.spec.deadKeeperRemovalInterval().toMillis();
    for (Db s : r.standbysOf(master.getUid())) {
      Keeper k = r.cd.getKeepersMap().get(s.getSpec().getKeeperId());
      if (k != null && !r.alive(k.getId()) && !isSyncMember(master, s)
          && r.in.wallMillis() - k.getStatus().getLastHealthyTimeMillis() >= limit) {
        r.removeDb(s.getUid());
        r.say("removing standby db " + s.getUid() + ": keeper " + k.getId()
            + " is gone for longer than deadKeeperRemovalInterval (its slot no longer holds WAL)");
      }
    }
  }

  /**
   * More standbys than the limit (it was lowered, or a new master inherited them all): the
   * surplus goes, dead ones first, then unhealthy, then the least advanced; never a configured
   * synchronous standby.
   */
  private static void removeSurplus(Round r, Db master) {
    List<Db> standbys = r.standbysOf(master.getUid());
    int surplus = standbys.size() - limit(r);
    if (surplus <= 0) {
      return;
    }
    List<Db> removable = standbys.stream().filter(s -> !isSyncMember(master, s))
        .sorted(java.util.Comparator.comparing((Db s) -> r.alive(s.getSpec().getKeeperId()))
            .thenComparing((Db s) -> r.healthy(s))
            .thenComparingLong((Db s) -> Candidates.xlog(r, s))
            .thenComparing(Db::getUid, java.util.Comparator.reverseOrder()))
        .limit(surplus).toList();
    for (Db s : removable) {
      r.removeDb(s.getUid());
      r.say("removing standby db " + s.getUid() + " on keeper " + s.getSpec().getKeeperId() + ": more than "
          + limit(r) + " standbys (maxStandbysPerSender, maxStandbys)");
    }
  }

  private static boolean isSyncMember(Db master, Db standby) {
    return master.getSpec().getSynchronousStandbysList().contains(standby.getUid());
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
