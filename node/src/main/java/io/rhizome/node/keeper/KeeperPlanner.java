package io.rhizome.node.keeper;

import io.rhizome.cluster.EffectiveSpec;
import io.rhizome.node.keeper.Action.StopMode;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.DbSpec;
import io.rhizome.proto.cluster.FollowConfig;
import io.rhizome.proto.cluster.SelfFenceMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The keeper's decisions: what the cluster data asks, what PostgreSQL is, and the steps between
 * them. Pure: records in, a {@link Plan} out; the loop around it does the I/O (design §4).
 */
final class KeeperPlanner {

  /** Recovery settings PostgreSQL 12 reads only at start: re-pointing a standby there needs a restart. */
  private static final Set<String> RECOVERY_PARAMETERS =
      Set.of("primary_conninfo", "primary_slot_name", "restore_command", "recovery_min_apply_delay");

  private KeeperPlanner() {}

  /**
   * @param fenceAfter how long a primary may be cut off from the store before it is stopped (or
   *     made read-only): EffectiveSpec.selfFenceStopAfter, before its info key may expire without
   *     the commit lease, half a failInterval after with it (its commits wait by then)
   * @param fenceMode how to fence (the last spec the keeper read)
   */
  static Plan plan(StoreRead store, LocalDbState local, Observed obs, WantedFiles wanted,
      KeeperRuntime rt, Duration fenceAfter, SelfFenceMode fenceMode) {
    if (store instanceof StoreRead.Unreachable u) {
      return whileStoreUnreachable(obs, rt, fenceAfter, fenceMode, u.cause());
    }
    if (store instanceof StoreRead.NoCluster) {
      return Plan.idle("no cluster data yet: waiting for 'rhizomectl init'");
    }
    Assignment a = ((StoreRead.Read) store).assignment();
    if (!a.registered()) {
      return Plan.idle("waiting for the controller to register this keeper");
    }
    if (a.paused()) {
      return Plan.idle("cluster paused ('rhizomectl resume' ends it): leaving PostgreSQL as it is");
    }
    if (a.db().isEmpty()) {
      if (obs.running()) {
        return Plan.of(List.of(new Action.Stop(StopMode.FAST,
            "no db is assigned to this keeper: stopping PostgreSQL so it cannot serve as a stale copy")));
      }
      return Plan.idle("no db assigned: waiting for the controller");
    }
    Db db = a.db().get();
    DbSpec spec = db.getSpec();
    boolean holdsDb = local.dbUid().equals(db.getUid()) && !local.initializing();
    boolean wantMaster = spec.getRole() == DbRole.MASTER;

    // Safety before anything else, boot acknowledged or not: a primary the cluster data does not
    // name as master must stop taking writes now (a failover happened while we were away).
    if (obs.runningAsPrimary() && (!holdsDb || !wantMaster)) {
      String why = !holdsDb
          ? "PostgreSQL runs as a primary but the cluster data assigns db " + db.getUid()
              + " to this keeper: stopping it so it cannot take writes"
          : "PostgreSQL runs as a primary but db " + db.getUid()
              + " is a standby now: stopping it so it cannot take writes";
      return Plan.of(List.of(new Action.Stop(StopMode.FAST, why)));
    }
    if (!a.bootAcknowledged()) {
      return Plan.idle("waiting for the controller to acknowledge this keeper's boot before touching PostgreSQL");
    }
    List<Action> actions = new ArrayList<>();
    if (rt.fenced()) {
      return liftFence(db, wantMaster, holdsDb, obs, spec);
    }
    if (!holdsDb) {
      return Plan.of(createDb(a, local, obs, db));
    }

    long expectedSystem = db.getStatus().getSystemId();
    if (expectedSystem != 0 && obs.systemId() != 0 && expectedSystem != obs.systemId()) {
      return Plan.of(List.of(new Action.Refuse("PGDATA holds database system " + Long.toUnsignedString(obs.systemId())
          + " but db " + db.getUid() + " is system " + Long.toUnsignedString(expectedSystem)
          + ": refusing to touch it (a data dir of another cluster?); 'rhizomectl reinit' rebuilds it")));
    }

    // Files first: every start and reload below reads them (a promotion does not: see there).
    boolean gateClosed = rt.restartGateClosed();
    if (gateClosed && allInSync(spec, obs)) {
      actions.add(new Action.OpenRestartGate("synchronous standbys " + spec.getSynchronousStandbysList()
          + " are in sync again: admitting every user"));
      gateClosed = false;
    }
    boolean filesChanged = false;
    if (!wanted.conf().equals(obs.confOnDisk())) {
      actions.add(new Action.WriteConfig(wanted.conf(), "PostgreSQL parameters differ from the cluster spec: rewriting postgresql.conf"));
      filesChanged = true;
    }
    String hba = gateClosed ? wanted.hbaGated() : wanted.hba();
    if (!hba.equals(obs.hbaOnDisk())) {
      actions.add(new Action.WriteHba(hba, "pg_hba.conf differs from the cluster spec: rewriting it"));
      filesChanged = true;
    }
    if (!obs.autoConfSettings().isEmpty()) {
      actions.add(new Action.DiscardAlterSystem(obs.autoConfSettings(), "ALTER SYSTEM set "
          + String.join(", ", new TreeSet<>(obs.autoConfSettings()))
          + ": discarded (change the cluster spec with 'rhizomectl update' instead)"));
      filesChanged = true;
    }

    if (wantMaster) {
      if (spec.getStopWrites()) {
        if (obs.running()) {
          actions.add(new Action.Stop(StopMode.FAST, "planned switchover: stopping the master so the new one has every write"));
        }
        return planOrIdle(actions, "planned switchover: the master stays stopped");
      }
      if (obs.standbySignal()) {
        if (!obs.running()) {
          actions.add(new Action.Start(false, "starting PostgreSQL so it can be promoted"));
        } else if (filesChanged) {
          // pg_ctl promote does not re-read postgresql.conf: without a reload the new master would
          // run with the standby's synchronous_standby_names and acknowledge commits no standby has
          actions.add(new Action.Reload("configuration files changed: reloading before the promotion"));
        }
        actions.add(new Action.Promote("db " + db.getUid() + " is the new master: promoting"));
        return Plan.of(actions);
      }
      if (!obs.running()) {
        boolean gate = behindGate(spec);
        actions.add(new Action.Start(gate, "PostgreSQL is not running: starting the master"
            + (gate ? " behind the restart gate until its synchronous standbys are in sync" : "")));
        return Plan.of(actions);
      }
    } else {
      if (!obs.standbySignal()) {
        actions.add(new Action.WriteStandbySignal("db " + db.getUid() + " is a standby: writing standby.signal"));
        filesChanged = true;
      }
      if (!obs.running()) {
        actions.add(new Action.Start(false, "PostgreSQL is not running: starting the standby"));
        return Plan.of(actions);
      }
    }
    if (filesChanged) {
      actions.add(new Action.Reload("configuration files changed: reloading"));
    }
    if (obs.healthy()) {
      reconcileSlots(a, db, wantMaster, obs, actions);
      restarts(a.spec(), local, db, obs, actions);
    }
    // slots are the only work that may ride along, and after it: a new master routed before its
    // follower's slot exists loses nothing (the follower retries), while waiting for the slot (a
    // login and an fsync) or for one more keeper round costs the switchover a tenth of a second
    if (actions.stream().allMatch(KeeperPlanner::isSlotAction) && obs.healthy() && obs.inRecovery() != wantMaster
        && local.generation() != db.getGeneration()) {
      actions.add(0, new Action.MarkConverged(db.getGeneration(), "db " + db.getUid() + " converged to generation "
          + db.getGeneration() + " as " + (wantMaster ? "master" : "standby")));
    }
    if (!obs.healthy() && actions.isEmpty()) {
      return Plan.idle("PostgreSQL is running but does not answer queries yet");
    }
    return planOrIdle(actions, "converged: db " + db.getUid() + " is " + (wantMaster ? "master" : "standby")
        + " at generation " + db.getGeneration());
  }

  /**
   * The store answers again after a self-fence. A master that still holds its db is started again
   * and stays fenced until PostgreSQL answers: the keeper reports it fenced meanwhile, and the
   * controller does not count a restart that takes seconds on a busy host against failInterval
   * (docs/controller.md). Anything else lifts the fence at once and converges as usual.
   */
  private static Plan liftFence(Db db, boolean wantMaster, boolean holdsDb, Observed obs, DbSpec spec) {
    if (wantMaster && holdsDb && !spec.getStopWrites()) {
      if (!obs.running()) {
        boolean gate = behindGate(spec);
        return Plan.of(List.of(new Action.Start(gate, "the store answers again and names db " + db.getUid()
            + " master: starting PostgreSQL again; the self-fence is lifted once it answers")));
      }
      if (!obs.healthy()) {
        return Plan.idle("lifting the self-fence: waiting for PostgreSQL to answer");
      }
    }
    return Plan.of(List.of(new Action.Unfence("the store answers again and names db " + db.getUid()
        + (wantMaster ? " master: lifting the self-fence" : " standby: lifting the self-fence"))));
  }

  private static Plan whileStoreUnreachable(Observed obs, KeeperRuntime rt, Duration fenceAfter,
      SelfFenceMode mode, String cause) {
    Duration since = rt.storeUnreachableFor();
    if (obs.runningAsPrimary() && !rt.fenced() && since.compareTo(fenceAfter) >= 0) {
      return Plan.of(List.of(new Action.Fence(mode, "store unreachable for " + since.toMillis()
          + " ms (" + cause + "): stopping the master, a failover of it may be under way")));
    }
    return Plan.idle("store unreachable for " + since.toMillis() + " ms (" + cause
        + "): leaving PostgreSQL as it is");
  }

  /** The data dir does not hold the assigned db: create it as its initMode says. */
  private static List<Action> createDb(Assignment a, LocalDbState local, Observed obs, Db db) {
    List<Action> actions = new ArrayList<>();
    switch (db.getSpec().getInitMode()) {
      case NEW -> actions.add(new Action.InitNew(db, "db " + db.getUid() + " is a new cluster on this keeper: initdb"
          + (obs.initialized() ? ", replacing the data dir's previous content as the cluster data asks" : "")));
      case EXISTING -> {
        if (!obs.initialized()) {
          actions.add(new Action.Refuse("initMode existing, but the data dir holds no database to adopt"));
        } else {
          actions.add(new Action.AdoptExisting(db, "adopting the existing data dir as db " + db.getUid()));
        }
      }
      case RESYNC -> {
        if (db.getSpec().getFollowConfig().getType() == FollowConfig.Type.EXTERNAL) {
          if (obs.running()) {
            actions.add(new Action.Stop(StopMode.FAST, "copying the external primary needs PostgreSQL stopped"));
          }
          actions.add(new Action.CloneExternal(db, "db " + db.getUid() + " heads a standby cluster: copying the "
              + "external primary with pg_basebackup" + (obs.initialized() ? " (replacing this data dir)" : "")));
          return actions;
        }
        Optional<Peer> source = a.followed();
        if (source.isEmpty() || !source.get().healthy()) {
          return List.of(new Action.Refuse("db " + db.getUid() + " must copy from db "
              + db.getSpec().getFollowConfig().getDbUid() + ", which is not healthy yet: waiting"));
        }
        if (obs.running()) {
          actions.add(new Action.Stop(StopMode.FAST, "resync of db " + db.getUid() + " needs PostgreSQL stopped"));
        }
        Peer src = source.get();
        Optional<Peer> master = a.master();
        boolean rewind = a.spec().usePgrewind() && !db.getSpec().getResyncFromScratch() && obs.initialized() && obs.systemId() != 0
            && obs.systemId() == src.systemId() && master.isPresent() && master.get().healthy();
        actions.add(new Action.Resync(db, src, master.orElse(src), rewind, rewind
            ? "db " + db.getUid() + " follows db " + src.dbUid() + ": rewinding this data dir with pg_rewind"
            : "db " + db.getUid() + " follows db " + src.dbUid() + ": copying it with pg_basebackup"
                + (obs.initialized() ? " (replacing this data dir: " + whyNoRewind(a.spec(), db, obs, src, master) + ")" : "")));
      }
      default -> actions.add(new Action.Refuse("the cluster data assigns db " + db.getUid()
          + ", but this data dir holds " + (local.dbUid().isEmpty() ? "no db" : "db " + local.dbUid())
          + (local.initializing() ? " (a copy that did not finish)" : "")
          + ": refusing to initialise over it; the controller must assign a new db (rhizomectl reinit)"));
    }
    return actions;
  }

  private static String whyNoRewind(EffectiveSpec spec, Db db, Observed obs, Peer src, Optional<Peer> master) {
    if (!spec.usePgrewind()) {
      return "usePgrewind is off";
    }
    if (db.getSpec().getResyncFromScratch()) {
      return "a copy from scratch was asked for";
    }
    if (obs.systemId() != src.systemId()) {
      return "system identifier " + Long.toUnsignedString(obs.systemId()) + " differs from the source's "
          + Long.toUnsignedString(src.systemId());
    }
    if (master.isEmpty() || !master.get().healthy()) {
      return "no healthy master to rewind against";
    }
    return "pg_rewind is not possible";
  }

  /** A synchronous master (re)starts behind the gate: only the superuser and replication get in. */
  private static boolean behindGate(DbSpec spec) {
    return spec.getRole() == DbRole.MASTER && spec.getSynchronousReplication() && spec.getSynchronousStandbysCount() > 0;
  }

  private static boolean allInSync(DbSpec spec, Observed obs) {
    return obs.syncInSync().containsAll(spec.getSynchronousStandbysList());
  }

  private static void reconcileSlots(Assignment a, Db db, boolean master, Observed obs, List<Action> actions) {
    if (obs.inRecovery() != !master) {
      return; // not in its wanted role yet: slots follow once it is
    }
    Set<String> wanted = new LinkedHashSet<>();
    // a standby cluster's head is a standby with followers: it keeps their slots too
    for (String follower : db.getSpec().getFollowersList()) {
      wanted.add(SlotNames.forDb(follower));
    }
    if (master) {
      for (String extra : a.spec().additionalMasterReplicationSlots()) {
        wanted.add(SlotNames.PREFIX + extra);
      }
    }
    for (String slot : wanted) {
      if (!obs.slots().contains(slot)) {
        actions.add(new Action.CreateSlot(slot, "creating replication slot " + slot + " for a standby"));
      }
    }
    for (String slot : new TreeSet<>(obs.slots())) {
      if (SlotNames.isManaged(slot) && !wanted.contains(slot)) {
        actions.add(new Action.DropSlot(slot, "dropping replication slot " + slot + ": its standby is gone"));
      }
    }
  }

  private static void restarts(EffectiveSpec spec, LocalDbState local, Db db, Observed obs, List<Action> actions) {
    long asked = db.getSpec().getRestartRequest();
    if (asked > local.restartDone()) {
      actions.add(new Action.Restart(behindGate(db.getSpec()), "restart requested with 'rhizomectl restart': restarting PostgreSQL"));
      actions.add(new Action.MarkRestartDone(asked, "restart request " + asked + " done"));
      return;
    }
    if (obs.pendingRestart().isEmpty()) {
      return;
    }
    boolean recovery = obs.pendingRestart().stream().anyMatch(RECOVERY_PARAMETERS::contains);
    if (recovery || db.getSpec().getAutomaticPgRestart()) {
      actions.add(new Action.Restart(behindGate(db.getSpec()), "parameters " + obs.pendingRestart() + " need a restart: restarting PostgreSQL"));
    }
  }

  private static boolean isSlotAction(Action a) {
    return a instanceof Action.CreateSlot || a instanceof Action.DropSlot;
  }

  private static Plan planOrIdle(List<Action> actions, String idle) {
    return actions.isEmpty() ? Plan.idle(idle) : Plan.of(actions);
  }
}
