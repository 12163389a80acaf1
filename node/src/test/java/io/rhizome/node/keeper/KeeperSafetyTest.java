package io.rhizome.node.keeper;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.cluster.Durations;
import io.rhizome.node.common.RefusedException;
import io.rhizome.proto.cluster.ClusterSpec;
import io.rhizome.proto.cluster.SelfFenceMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fencing and restart safety: a keeper never leaves a primary taking writes on stale instructions. */
class KeeperSafetyTest {
  static final Duration CONVERGE = Duration.ofSeconds(60);

  @TempDir Path tmp;
  KeeperHarness h;

  @BeforeEach
  void setUp() throws Exception {
    KeeperHarness.assumeNotRoot();
    h = new KeeperHarness(tmp);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  void primary(ClusterSpec spec) throws Exception {
    h.startKeeper("k0");
    h.initNewCluster("k0", "m1", spec);
    h.awaitUntil(CONVERGE, () -> h.converged("k0", "m1", true));
  }

  boolean accepts(String sql) {
    return h.queryOrNull("k0", sql) != null;
  }

  /**
   * With the commit lease (the default), a master cut off from the store acknowledges no commit
   * once the lease has run out (selfFenceAfter, 1.5 s), before its info key may expire (2 s after
   * its last write) and the controller may promote another; it is stopped half a failInterval
   * later (3 s), so a store blip shorter than that costs no session.
   */
  @Test
  void masterHoldsCommitsThenStopsWhenTheStoreIsGoneAndComesBackWhenItReturns() throws Exception {
    primary(ClusterSpec.getDefaultInstance());
    h.execute("k0", "CREATE TABLE t (id int)");
    long cutAt = System.nanoTime();
    h.stopStore();
    await().atMost(Duration.ofSeconds(10)).until(() -> !h.keeper("k0").info().getPostgres().getCommitLeaseHeld());
    Duration leaseGoneAfter = Duration.ofNanos(System.nanoTime() - cutAt);
    assertTrue(leaseGoneAfter.compareTo(Duration.ofSeconds(2)) < 0,
        "the commit lease ran out " + leaseGoneAfter.toMillis() + " ms after the cut, not within failInterval");
    // a commit now waits for the lease, and ends with the stop without being acknowledged
    var insert = java.util.concurrent.CompletableFuture.runAsync(() -> {
      try {
        h.execute("k0", "INSERT INTO t VALUES (1)");
      } catch (Exception e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> h.keeper("k0").state().fenced());
    Duration fencedAfter = Duration.ofNanos(System.nanoTime() - cutAt);
    assertTrue(fencedAfter.compareTo(Duration.ofMillis(3500)) < 0,
        "stopped " + fencedAfter.toMillis() + " ms after the cut, not within 1.5 failInterval");
    assertTrue(fencedAfter.compareTo(Duration.ofMillis(2500)) > 0,
        "stopped " + fencedAfter.toMillis() + " ms after the cut: the sessions should outlive the key's TTL (2 s)");
    await().atMost(Duration.ofSeconds(10)).until(() -> !accepts("SELECT 1"));
    var failed = assertThrows(java.util.concurrent.ExecutionException.class, () -> insert.get(10, java.util.concurrent.TimeUnit.SECONDS));
    assertTrue(failed.getCause() instanceof java.util.concurrent.CompletionException
        || failed.getCause() instanceof java.sql.SQLException, "the held commit failed: " + failed.getCause());
    // a stopped server still reports its last position (its final checkpoint): a planned
    // switchover waits for a standby to replay past it
    await().atMost(Duration.ofSeconds(10)).until(() -> h.keeper("k0").lastObservation()
        .map(o -> !o.reported().getRunning() && o.reported().getXlogPos() > 0).orElse(false));

    h.startStore();
    h.awaitUntil(CONVERGE, () -> accepts("SELECT 1") && !h.keeper("k0").state().fenced());
    h.awaitUntil(CONVERGE, () -> h.converged("k0", "m1", true));
  }

  /** Without the commit lease, stopping PostgreSQL is the only fence: it comes at selfFenceAfter. */
  @Test
  void withoutTheCommitLeaseTheMasterStopsAtSelfFenceAfter() throws Exception {
    primary(ClusterSpec.newBuilder().setCommitLease(false).build());
    long cutAt = System.nanoTime();
    h.stopStore();
    await().atMost(Duration.ofSeconds(10)).until(() -> !accepts("SELECT 1"));
    Duration fencedAfter = Duration.ofNanos(System.nanoTime() - cutAt);
    assertTrue(fencedAfter.compareTo(Duration.ofSeconds(2)) < 0,
        "fenced after " + fencedAfter.toMillis() + " ms, not within failInterval");
    assertTrue(h.keeper("k0").state().fenced());
    h.startStore();
    h.awaitUntil(CONVERGE, () -> accepts("SELECT 1") && !h.keeper("k0").state().fenced());
  }

  @Test
  void readOnlyFencingEndsSessionsAndRefusesWrites() throws Exception {
    primary(ClusterSpec.newBuilder().setSelfFenceMode(SelfFenceMode.READ_ONLY).build());
    h.execute("k0", "CREATE TABLE t (id int)");
    h.stopStore();
    await().atMost(Duration.ofSeconds(10)).until(() -> "on".equals(h.queryOrNull("k0", "SHOW default_transaction_read_only")));
    assertThrows(java.sql.SQLException.class, () -> h.execute("k0", "INSERT INTO t VALUES (1)"));
    h.startStore();
    h.awaitUntil(CONVERGE, () -> "off".equals(h.queryOrNull("k0", "SHOW default_transaction_read_only")));
    h.execute("k0", "INSERT INTO t VALUES (1)");
  }

  @Test
  void restartedKeeperAdoptsItsPostgresAndWaitsForBootAcknowledgementBeforeStartingIt() throws Exception {
    primary(ClusterSpec.newBuilder().setFailInterval(Durations.toProto(Duration.ofSeconds(20))).build());
    long pid = postmasterPid();
    String oldBoot = h.keeper("k0").bootUuid();
    h.crashKeeper("k0");
    h.holdBootAcknowledgement = true;

    h.startKeeper("k0");
    String newBoot = h.keeper("k0").bootUuid();
    assertNotEquals(oldBoot, newBoot);
    h.awaitUntil(CONVERGE, () -> h.info("k0").map(i -> i.getBootUuid().equals(newBoot)).orElse(false));
    assertEquals(pid, postmasterPid(), "the running PostgreSQL was adopted, not restarted");
    h.awaitUntil(CONVERGE, () -> h.pgState("k0").getLastActionReason().contains("acknowledge"));

    // PostgreSQL stops while the boot is not acknowledged: the keeper must not start it
    new PgServer(KeeperHarness.binaries(), h.pgData("k0"), tmp.resolve("stop.log"))
        .stop(PgServer.StopMode.FAST, Duration.ofSeconds(30));
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> !accepts("SELECT 1"));

    h.holdBootAcknowledgement = false;
    h.awaitUntil(CONVERGE, () -> accepts("SELECT 1"));
    h.awaitUntil(CONVERGE, () -> h.converged("k0", "m1", true));
  }

  @Test
  void twoKeepersOnOneDataDirAreRefused() throws Exception {
    primary(ClusterSpec.getDefaultInstance());
    RefusedException e = assertThrows(RefusedException.class, () -> Keeper.start(h.settingsFor("k0")));
    assertTrue(e.getMessage().contains("in use by another keeper"), e.getMessage());
    assertTrue(accepts("SELECT 1"), "the running keeper and its PostgreSQL are untouched");
  }

  @Test
  void aWipedDataDirIsNotInitialisedAgain() throws Exception {
    primary(ClusterSpec.getDefaultInstance());
    h.stopKeeper("k0");
    // the operator wipes the keeper's data dir; the cluster data still names db m1 on k0
    PgServer pg = new PgServer(KeeperHarness.binaries(), h.pgData("k0"), tmp.resolve("wipe.log"));
    pg.wipeDataDir();
    Files.delete(h.settingsFor("k0").dataDir().resolve(KeeperDataDir.DB_STATE_FILE));
    h.update(cd -> KeeperHarness.changeDb(cd, "m1", s -> s.setInitMode(io.rhizome.proto.cluster.InitMode.INIT_MODE_UNSPECIFIED)));
    h.startKeeper("k0");
    h.awaitUntil(CONVERGE, () -> h.pgState("k0").getLastError().contains("refusing to initialise over it"));
    assertFalse(pg.isInitialized(), "no second cluster was created");
  }

  long postmasterPid() throws Exception {
    return Long.parseLong(Files.readAllLines(h.pgData("k0").resolve("postmaster.pid")).get(0).trim());
  }
}
