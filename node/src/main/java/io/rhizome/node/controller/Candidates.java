package io.rhizome.node.controller;

import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.Failover;
import io.rhizome.proto.cluster.Keeper;
import io.rhizome.proto.cluster.PostgresState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which standby may become master (design §3 step 4). In synchronous mode only a standby both
 * configured and last reported in sync: it has every acknowledged commit. In asynchronous mode a
 * standby within maxStandbyLag. Then the highest priority, then the most advanced, then the uid.
 */
final class Candidates {
  private Candidates() {}

  record Choice(Optional<Db> db, String why) {}

  static Choice choose(Round r, Optional<Db> old, Failover f) {
    List<Db> standbys = r.standbysOf(f.getOldMasterDbUid());
    if (standbys.isEmpty()) {
      return new Choice(Optional.empty(), "the master had no standby");
    }
    List<Db> eligible = new ArrayList<>();
    List<String> rejected = new ArrayList<>();
    for (Db s : standbys) {
      if (!f.getTargetKeeper().isEmpty() && !s.getSpec().getKeeperId().equals(f.getTargetKeeper())) {
        continue;
      }
      Optional<String> why = ineligible(r, s, f);
      if (why.isPresent()) {
        rejected.add(s.getUid() + ": " + why.get());
      } else {
        eligible.add(s);
      }
    }
    if (eligible.isEmpty()) {
      String head = !f.getPlanned() && r.spec.synchronousReplication()
          ? "no standby in the synchronous set is healthy and in sync"
          : "no healthy standby " + (f.getPlanned() ? "is ready" : "within maxStandbyLag");
      return new Choice(Optional.empty(), head + " (" + String.join("; ", rejected) + ")");
    }
    eligible.sort(Comparator.comparingInt((Db s) -> -priority(r, s))
        .thenComparing(Comparator.comparingLong((Db s) -> xlog(r, s)).reversed())
        .thenComparing(Db::getUid));
    return new Choice(Optional.of(eligible.get(0)), "");
  }

  private static Optional<String> ineligible(Round r, Db s, Failover f) {
    String keeperId = s.getSpec().getKeeperId();
    if (!r.alive(keeperId)) {
      return Optional.of("keeper " + keeperId + " is gone");
    }
    Keeper k = r.cd.getKeepersMap().get(keeperId);
    if (k == null || !k.getStatus().getCanBeMaster()) {
      return Optional.of("keeper " + keeperId + " cannot be master");
    }
    if (!r.convergedAs(s, DbRole.STANDBY)) {
      return Optional.of("not a healthy converged standby");
    }
    PostgresState pg = r.reportFor(s).orElseThrow();
    if (f.getOldTimelineId() != 0 && pg.getTimelineId() != f.getOldTimelineId()) {
      return Optional.of("on timeline " + pg.getTimelineId() + ", the master was on " + f.getOldTimelineId());
    }
    if (f.getPlanned()) {
      return Optional.empty();
    }
    if (r.spec.synchronousReplication()) {
      if (!f.getOldSynchronousStandbysList().contains(s.getUid())) {
        return Optional.of("not a synchronous standby");
      }
      if (!f.getOldInSyncStandbysList().contains(s.getUid())) {
        return Optional.of("not known to be in sync");
      }
      return Optional.empty();
    }
    long lag = f.getOldXlogPos() - pg.getXlogPos();
    if (lag > r.spec.maxStandbyLag()) {
      return Optional.of(lag + " bytes behind (maxStandbyLag " + r.spec.maxStandbyLag() + ")");
    }
    return Optional.empty();
  }

  /**
   * A planned switchover may promote once the master has stopped and a standby (the target, if
   * one was named) has replayed past the master's final checkpoint.
   */
  static Optional<String> plannedNotReady(Round r, Db old, String target) {
    Optional<PostgresState> master = r.reportFor(old);
    if (master.isPresent() && master.get().getRunning()) {
      return Optional.of("waiting for master db " + old.getUid() + " to stop");
    }
    long finalLsn = old.getStatus().getXlogPos();
    for (Db s : r.standbysOf(old.getUid())) {
      if (!target.isEmpty() && !s.getSpec().getKeeperId().equals(target)) {
        continue;
      }
      if (r.convergedAs(s, DbRole.STANDBY) && xlog(r, s) > finalLsn) {
        return Optional.empty();
      }
    }
    return Optional.of("waiting for " + (target.isEmpty() ? "a standby" : "keeper " + target)
        + " to replay past the master's final position " + finalLsn);
  }

  /** Why a switchover cannot start now; empty when a standby is ready to take over. */
  static Optional<String> switchoverRefusal(Round r, Db master, String target) {
    if (r.standbyCluster()) {
      return Optional.of("this is a standby cluster: its head follows the external primary and takes no writes "
          + "to hand over ('rhizomectl failkeeper' moves the head; 'rhizomectl promote' makes the cluster primary)");
    }
    if (!r.convergedAs(master, DbRole.MASTER)) {
      return Optional.of("the master db " + master.getUid() + " is not healthy and converged");
    }
    long masterPos = r.reportFor(master).map(PostgresState::getXlogPos).orElse(0L);
    List<String> rejected = new ArrayList<>();
    for (Db s : r.standbysOf(master.getUid())) {
      String keeperId = s.getSpec().getKeeperId();
      if (!target.isEmpty() && !keeperId.equals(target)) {
        continue;
      }
      Keeper k = r.cd.getKeepersMap().get(keeperId);
      if (k == null || !k.getStatus().getCanBeMaster()) {
        rejected.add(s.getUid() + ": keeper " + keeperId + " cannot be master");
      } else if (!r.convergedAs(s, DbRole.STANDBY)) {
        rejected.add(s.getUid() + ": not a healthy converged standby yet");
      } else if (!master.getStatus().getStreamingStandbysList().contains(s.getUid())) {
        // its replay position may look close, but only a streaming standby receives the master's last WAL
        rejected.add(s.getUid() + ": not streaming from the master");
      } else if (r.spec.synchronousReplication() && !master.getStatus().getSynchronousStandbysList().contains(s.getUid())) {
        rejected.add(s.getUid() + ": not in sync");
      } else if (!r.spec.synchronousReplication() && masterPos - xlog(r, s) > r.spec.maxStandbyLag()) {
        rejected.add(s.getUid() + ": " + (masterPos - xlog(r, s)) + " bytes behind");
      } else {
        return Optional.empty();
      }
    }
    if (rejected.isEmpty()) {
      return Optional.of(target.isEmpty() ? "the master has no standby" : "keeper " + target + " holds no standby of the master");
    }
    return Optional.of("no standby is ready (" + String.join("; ", rejected) + ")");
  }

  static int priority(Round r, Db s) {
    Keeper k = r.cd.getKeepersMap().get(s.getSpec().getKeeperId());
    return k == null ? 0 : k.getStatus().getPriority();
  }

  static long xlog(Round r, Db s) {
    return r.reportFor(s).map(PostgresState::getXlogPos).orElse(0L);
  }
}
