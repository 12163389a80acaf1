package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.cluster.EffectiveSpec;
import io.rhizome.proto.cluster.ClusterSpec;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.DbSpec;
import io.rhizome.proto.cluster.FollowConfig;
import io.rhizome.proto.cluster.InitMode;
import io.rhizome.proto.cluster.SelfFenceMode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The keeper's decisions as a table: cluster data, local state and what PostgreSQL is, in; the
 * kinds of the planned actions (or the idle reason) out.
 */
class KeeperPlannerTest {

  static final String CONF = "conf-v1";
  static final String HBA = "hba-v1";
  static final String HBA_GATED = "hba-gated";
  static final Duration FENCE_AFTER = Duration.ofMillis(1500);

  /** One row: a name, the inputs, and the expected action kinds, or a fragment of the idle reason. */
  record Row(String name, StoreRead store, LocalDbState local, Observed obs, KeeperRuntime rt, List<String> expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Db master(String uid, long gen, UnaryOperator<DbSpec.Builder> tweak) {
    DbSpec.Builder spec = DbSpec.newBuilder().setKeeperId("k0").setRole(DbRole.MASTER).setInitMode(InitMode.NEW);
    return Db.newBuilder().setUid(uid).setGeneration(gen).setSpec(tweak.apply(spec)).build();
  }

  static Db standby(String uid, long gen, UnaryOperator<DbSpec.Builder> tweak) {
    DbSpec.Builder spec = DbSpec.newBuilder().setKeeperId("k0").setRole(DbRole.STANDBY).setInitMode(InitMode.RESYNC)
        .setFollowConfig(FollowConfig.newBuilder().setType(FollowConfig.Type.INTERNAL).setDbUid("m1"));
    return Db.newBuilder().setUid(uid).setGeneration(gen).setSpec(tweak.apply(spec)).build();
  }

  static final FollowConfig EXTERNAL = FollowConfig.newBuilder().setType(FollowConfig.Type.EXTERNAL)
      .setStandbySettings(io.rhizome.proto.cluster.StandbySettings.newBuilder().setPrimaryConninfo("host=ext")).build();

  static final Peer M1 = new Peer("m1", "127.0.0.1", 5433, 42L, 1, true);
  static final Peer M1_DOWN = new Peer("m1", "127.0.0.1", 5433, 42L, 1, false);

  static StoreRead read(Db db) {
    return read(db, true, Optional.of(M1));
  }

  static StoreRead read(Db db, boolean acked, Optional<Peer> followed) {
    return new StoreRead.Read(new Assignment("c1", true, acked, Optional.ofNullable(db), followed, followed,
        EffectiveSpec.of(ClusterSpec.getDefaultInstance())));
  }

  static LocalDbState holds(String uid, long gen) {
    return new LocalDbState("c1", uid, gen, false, 0);
  }

  /** A healthy running instance with the wanted files on disk. */
  static Observed primary() {
    return new Observed(true, true, true, false, false, 42L, 1, Set.of(), CONF, HBA, Set.of(), List.of(), Set.of());
  }

  static Observed standbyObs() {
    return new Observed(true, true, true, true, true, 42L, 1, Set.of(), CONF, HBA, Set.of(), List.of(), Set.of());
  }

  static Observed stopped(Observed o) {
    return new Observed(o.initialized(), false, false, o.standbySignal(), false, o.systemId(), o.timeline(), Set.of(),
        o.confOnDisk(), o.hbaOnDisk(), o.autoConfSettings(), List.of(), Set.of());
  }

  static Observed with(Observed o, UnaryOperator<ObsBuilder> f) {
    return f.apply(new ObsBuilder(o)).build();
  }

  /** Copy-and-change for Observed rows. */
  static final class ObsBuilder {
    boolean initialized, running, healthy, standbySignal, inRecovery;
    long systemId;
    int timeline;
    Set<String> slots, autoConf, inSync;
    String conf, hba;
    List<String> pending;

    ObsBuilder(Observed o) {
      initialized = o.initialized(); running = o.running(); healthy = o.healthy(); standbySignal = o.standbySignal();
      inRecovery = o.inRecovery(); systemId = o.systemId(); timeline = o.timeline(); slots = o.slots();
      conf = o.confOnDisk(); hba = o.hbaOnDisk(); autoConf = o.autoConfSettings(); pending = o.pendingRestart();
      inSync = o.syncInSync();
    }

    ObsBuilder slots(String... s) { slots = Set.of(s); return this; }
    ObsBuilder conf(String c) { conf = c; return this; }
    ObsBuilder hba(String h) { hba = h; return this; }
    ObsBuilder autoConf(String... a) { autoConf = Set.of(a); return this; }
    ObsBuilder pending(String... p) { pending = List.of(p); return this; }
    ObsBuilder inSync(String... s) { inSync = Set.of(s); return this; }
    ObsBuilder systemId(long id) { systemId = id; return this; }
    ObsBuilder unhealthy() { healthy = false; return this; }
    ObsBuilder empty() { initialized = false; running = false; healthy = false; standbySignal = false; systemId = 0; return this; }

    Observed build() {
      return new Observed(initialized, running, healthy, standbySignal, inRecovery, systemId, timeline, slots, conf, hba,
          autoConf, pending, inSync);
    }
  }

  static KeeperRuntime unreachableFor(long millis) {
    return new KeeperRuntime(Duration.ofMillis(millis), false, false);
  }

  static Row row(String name, StoreRead store, LocalDbState local, Observed obs, String... expected) {
    return new Row(name, store, local, obs, KeeperRuntime.NORMAL, List.of(expected));
  }

  static Row row(String name, StoreRead store, LocalDbState local, Observed obs, KeeperRuntime rt, String... expected) {
    return new Row(name, store, local, obs, rt, List.of(expected));
  }

  static Stream<Row> rows() {
    Db m = master("m1", 3, b -> b);
    Db s = standby("s1", 2, b -> b);
    StoreRead unreachable = new StoreRead.Unreachable("no quorum");
    return Stream.of(
        // --- store unreachable: change nothing, except fencing a primary in time
        row("store blip leaves a primary alone", unreachable, holds("m1", 3), primary(), unreachableFor(500),
            "idle:leaving PostgreSQL as it is"),
        row("primary fences once the store is gone for fenceAfter", unreachable, holds("m1", 3), primary(),
            unreachableFor(1500), "Fence"),
        row("a fenced primary is not fenced twice", unreachable, holds("m1", 3), primary(),
            new KeeperRuntime(Duration.ofSeconds(5), true, false), "idle:leaving PostgreSQL as it is"),
        row("a standby never fences", unreachable, holds("s1", 2), standbyObs(), unreachableFor(10_000),
            "idle:leaving PostgreSQL as it is"),
        row("a stopped instance is not started without the store", unreachable, holds("m1", 3), stopped(primary()),
            unreachableFor(100), "idle:leaving PostgreSQL as it is"),
        // --- before the controller knows us
        row("no cluster data", new StoreRead.NoCluster(), LocalDbState.EMPTY, Observed.empty(), "idle:rhizomectl init"),
        row("not registered", new StoreRead.Read(new Assignment("c1", false, false, Optional.empty(), Optional.empty(),
            Optional.empty(), EffectiveSpec.of(ClusterSpec.getDefaultInstance()))), LocalDbState.EMPTY, Observed.empty(),
            "idle:register"),
        row("paused: a crashed master is left as it is", new StoreRead.Read(new Assignment("c1", true, true,
            Optional.of(m), Optional.empty(), Optional.empty(), EffectiveSpec.of(ClusterSpec.getDefaultInstance()), true)),
            holds("m1", 3), stopped(primary()), "idle:paused"),
        row("no db: nothing running", read(null), LocalDbState.EMPTY, Observed.empty(), "idle:no db assigned"),
        row("no db: a running instance is stopped", read(null), holds("old", 1), primary(), "Stop"),
        // --- boot acknowledgement and stale primaries
        row("unacknowledged boot: a stopped master is not started", read(m, false, Optional.empty()), holds("m1", 3),
            stopped(primary()), "idle:acknowledge"),
        row("unacknowledged boot: a running master is adopted, left alone", read(m, false, Optional.empty()),
            holds("m1", 3), primary(), "idle:acknowledge"),
        row("unacknowledged boot: a primary whose db became a standby stops at once",
            read(standby("m1", 4, b -> b), false, Optional.of(M1)), holds("m1", 3), primary(), "Stop"),
        row("a primary holding an old db stops at once", read(s), holds("old", 7), primary(), "Stop"),
        // --- creating the db
        row("initMode new on an empty dir", read(m), LocalDbState.EMPTY, Observed.empty(), "InitNew"),
        row("initMode new after an init that died half way", read(m),
            new LocalDbState("c1", "m1", 0, true, 0), stopped(primary()), "InitNew"),
        row("initMode existing adopts", read(master("m1", 1, b -> b.setInitMode(InitMode.EXISTING))),
            LocalDbState.EMPTY, stopped(primary()), "AdoptExisting"),
        row("initMode existing without data is refused", read(master("m1", 1, b -> b.setInitMode(InitMode.EXISTING))),
            LocalDbState.EMPTY, Observed.empty(), "Refuse"),
        row("a db initialised before but not held here is refused (wiped data dir)",
            read(master("m1", 3, b -> b.setInitMode(InitMode.INIT_MODE_UNSPECIFIED))), LocalDbState.EMPTY,
            Observed.empty(), "Refuse"),
        row("resync waits for a healthy source", read(s, true, Optional.of(M1_DOWN)), LocalDbState.EMPTY,
            Observed.empty(), "Refuse"),
        row("resync of an empty dir copies", read(s), LocalDbState.EMPTY, Observed.empty(), "Resync:basebackup"),
        row("resync of the old primary (same system) rewinds after a stop", read(s), holds("m0", 5),
            with(standbyObs(), o -> o), "Stop", "Resync:rewind"),
        row("reinit: a copy from scratch even where rewind could work",
            read(standby("s1", 2, b -> b.setResyncFromScratch(true))), holds("m0", 5),
            with(stopped(standbyObs()), o -> o), "Resync:basebackup"),
        row("resync of a foreign system copies", read(s), holds("m0", 5),
            with(stopped(primary()), o -> o.systemId(99L)), "Resync:basebackup"),
        row("a standby cluster's head copies the external primary, without waiting for any peer",
            read(standby("h1", 1, b -> b.setFollowConfig(EXTERNAL)), true, Optional.empty()), LocalDbState.EMPTY,
            Observed.empty(), "CloneExternal"),
        row("a standby cluster's head replaces a running data dir only after stopping it",
            read(standby("h1", 1, b -> b.setFollowConfig(EXTERNAL)), true, Optional.empty()), holds("old", 3),
            standbyObs(), "Stop", "CloneExternal"),
        row("a standby cluster's head keeps a slot per follower though it is in recovery",
            read(standby("h1", 3, b -> b.setFollowConfig(EXTERNAL).addFollowers("s2")), true, Optional.empty()),
            holds("h1", 3), with(standbyObs(), o -> o.slots("rhizome_gone")), "CreateSlot:rhizome_s2",
            "DropSlot:rhizome_gone"),
        // --- master
        row("converged master acknowledges its generation", read(m), holds("m1", 2), primary(), "MarkConverged"),
        row("a new master acknowledges its generation, then creates its followers' slots in the same round",
            read(master("m1", 3, b -> b.addFollowers("s1"))), holds("m1", 2), primary(), "MarkConverged",
            "CreateSlot:rhizome_s1"),
        row("a master whose files changed acknowledges only after the reload",
            read(master("m1", 3, b -> b)), holds("m1", 2), with(primary(), o -> o.conf("old")), "WriteConfig", "Reload"),
        row("converged master already acknowledged is idle", read(m), holds("m1", 3), primary(), "idle:converged"),
        row("crashed master is restarted", read(m), holds("m1", 3), stopped(primary()), "Start"),
        row("a standby assigned master is promoted", read(master("s1", 5, b -> b)), holds("s1", 4), standbyObs(),
            "Promote"),
        row("a standby promoted with new parameters (its synchronous standbys) reloads them first",
            read(master("s1", 5, b -> b)), holds("s1", 4), with(standbyObs(), o -> o.conf("standby-conf")),
            "WriteConfig", "Reload", "Promote"),
        row("a stopped standby assigned master is started then promoted", read(master("s1", 5, b -> b)), holds("s1", 4),
            stopped(standbyObs()), "Start", "Promote"),
        row("parameter change: write and reload", read(m), holds("m1", 3), with(primary(), o -> o.conf("old")),
            "WriteConfig", "Reload"),
        row("hba change: write and reload", read(m), holds("m1", 3), with(primary(), o -> o.hba("old")),
            "WriteHba", "Reload"),
        row("ALTER SYSTEM is discarded", read(m), holds("m1", 3), with(primary(), o -> o.autoConf("work_mem")),
            "DiscardAlterSystem", "Reload"),
        row("pending restart without automaticPgRestart is only reported", read(m), holds("m1", 3),
            with(primary(), o -> o.pending("shared_buffers")), "idle:converged"),
        row("pending restart with automaticPgRestart restarts",
            read(master("m1", 3, b -> b.setAutomaticPgRestart(true))), holds("m1", 3),
            with(primary(), o -> o.pending("shared_buffers")), "Restart"),
        row("rhizomectl restart is carried out once", read(master("m1", 3, b -> b.setRestartRequest(7))),
            holds("m1", 3), primary(), "Restart", "MarkRestartDone"),
        row("slots: one per follower, foreign slots untouched, gone standbys' slots dropped",
            read(master("m1", 3, b -> b.addFollowers("s1").addFollowers("s2"))), holds("m1", 3),
            with(primary(), o -> o.slots("rhizome_s1", "rhizome_old", "backup_tool")),
            "CreateSlot:rhizome_s2", "DropSlot:rhizome_old"),
        row("sync master starts behind the restart gate",
            read(master("m1", 3, b -> b.setSynchronousReplication(true).addSynchronousStandbys("s1"))),
            holds("m1", 3), stopped(primary()), "Start:gate"),
        row("sync master restarted on request goes behind the gate",
            read(master("m1", 3, b -> b.setSynchronousReplication(true).addSynchronousStandbys("s1").setRestartRequest(9))),
            holds("m1", 3), primary(), "Restart:gate", "MarkRestartDone"),
        row("restart gate opens once the sync standbys are in sync",
            read(master("m1", 3, b -> b.setSynchronousReplication(true).addSynchronousStandbys("s1").addFollowers("s1"))),
            holds("m1", 3), with(primary(), o -> o.hba(HBA_GATED).inSync("s1").slots("rhizome_s1")),
            new KeeperRuntime(Duration.ZERO, false, true), "OpenRestartGate", "WriteHba", "Reload"),
        row("restart gate stays closed while a sync standby is not in sync",
            read(master("m1", 3, b -> b.setSynchronousReplication(true).addSynchronousStandbys("s1").addFollowers("s1"))),
            holds("m1", 3), with(primary(), o -> o.hba(HBA_GATED).slots("rhizome_s1")),
            new KeeperRuntime(Duration.ZERO, false, true), "idle:converged"),
        row("planned switchover stops the master", read(master("m1", 4, b -> b.setStopWrites(true))), holds("m1", 3),
            primary(), "Stop"),
        row("planned switchover keeps a stopped master stopped", read(master("m1", 4, b -> b.setStopWrites(true))),
            holds("m1", 3), stopped(primary()), "idle:planned switchover"),
        row("fenced master: the store answers again: started, still fenced", read(m), holds("m1", 3),
            stopped(primary()), new KeeperRuntime(Duration.ZERO, true, false), "Start"),
        row("fenced master starting again: the fence holds until it answers", read(m), holds("m1", 3),
            with(primary(), o -> o.unhealthy()), new KeeperRuntime(Duration.ZERO, true, false),
            "idle:waiting for PostgreSQL to answer"),
        row("fenced master answers again: the fence is lifted", read(m), holds("m1", 3), primary(),
            new KeeperRuntime(Duration.ZERO, true, false), "Unfence"),
        row("fenced master that became a standby meanwhile: the fence is lifted at once", read(s), holds("s1", 2),
            stopped(primary()), new KeeperRuntime(Duration.ZERO, true, false), "Unfence"),
        row("a data dir of another database system is refused, not started",
            read(m.toBuilder().setStatus(io.rhizome.proto.cluster.DbStatus.newBuilder().setSystemId(7L)).build()),
            holds("m1", 3), stopped(primary()), "Refuse"),
        row("unhealthy but running: wait, do not act", read(m), holds("m1", 3), with(primary(), o -> o.unhealthy()),
            "idle:does not answer"),
        // --- standby
        row("converged standby acknowledges", read(s), holds("s1", 1), standbyObs(), "MarkConverged"),
        row("crashed standby is restarted", read(s), holds("s1", 2), stopped(standbyObs()), "Start"),
        row("standby re-pointed to a new primary: conninfo rewritten and reloaded, no copy", read(s), holds("s1", 2),
            with(standbyObs(), o -> o.conf("conninfo-to-old-primary")), "WriteConfig", "Reload"),
        row("standby on PostgreSQL 12 re-pointed: the recovery setting needs a restart", read(s), holds("s1", 2),
            with(standbyObs(), o -> o.pending("primary_conninfo")), "Restart"),
        row("standby drops managed slots it does not need", read(s), holds("s1", 2),
            with(standbyObs(), o -> o.slots("rhizome_x")), "DropSlot:rhizome_x")
    ).map(r -> r);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void plansAsTheTableSays(Row row) {
    Plan plan = KeeperPlanner.plan(row.store(), row.local(), row.obs(), new WantedFiles(CONF, HBA, HBA_GATED),
        row.rt(), FENCE_AFTER, SelfFenceMode.STOP);
    if (row.expected().size() == 1 && row.expected().get(0).startsWith("idle:")) {
      assertTrue(plan.actions().isEmpty(), () -> "expected idle, got " + plan.actions());
      String fragment = row.expected().get(0).substring("idle:".length());
      assertTrue(plan.idleReason().contains(fragment), () -> "idle reason '" + plan.idleReason()
          + "' lacks '" + fragment + "'");
      return;
    }
    assertEquals(row.expected(), plan.actions().stream().map(KeeperPlannerTest::describe).toList());
    plan.actions().forEach(a -> assertTrue(!a.reason().isBlank(), "every action says why"));
  }

  /** Action kind, plus the detail a row may pin down. */
  static String describe(Action a) {
    String kind = a.getClass().getSimpleName();
    if (a instanceof Action.Resync r) {
      return kind + (r.tryRewind() ? ":rewind" : ":basebackup");
    }
    if (a instanceof Action.CreateSlot c) {
      return kind + ":" + c.name();
    }
    if (a instanceof Action.DropSlot d) {
      return kind + ":" + d.name();
    }
    if (a instanceof Action.Start s && s.closeRestartGate()) {
      return kind + ":gate";
    }
    if (a instanceof Action.Restart r && r.closeRestartGate()) {
      return kind + ":gate";
    }
    return kind;
  }
}
