package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.node.cluster.ClusterEdits;
import io.rhizome.proto.cluster.ClusterSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Operator requests carried out by keepers, and synchronous replication's restart gate. */
class KeeperRequestsTest {
  static final Duration CONVERGE = Duration.ofSeconds(90);

  @TempDir Path tmp;
  KeeperHarness h;

  @BeforeEach
  void primaryAndStandby() throws Exception {
    KeeperHarness.assumeNotRoot();
    h = new KeeperHarness(tmp);
    h.startKeeper("k0");
    h.startKeeper("k1");
    h.initNewCluster("k0", "m1", ClusterSpec.getDefaultInstance());
    h.awaitUntil(CONVERGE, () -> h.converged("k0", "m1", true));
    h.addStandby("k1", "s1", "m1");
    h.awaitUntil(CONVERGE, () -> h.converged("k1", "s1", false));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  long pid(String keeper) throws Exception {
    return Long.parseLong(Files.readAllLines(h.pgData(keeper).resolve("postmaster.pid")).get(0).trim());
  }

  @Test
  void restartAndReinitAreCarriedOut() throws Exception {
    long before = pid("k1");
    h.update(cd -> ClusterEdits.requestRestart(cd.build(), "k1", System.currentTimeMillis()).toBuilder());
    h.awaitUntil(CONVERGE, () -> h.converged("k1", "s1", false) && pid("k1") != before);

    h.execute("k0", "CREATE TABLE t (id int)");
    h.update(cd -> ClusterEdits.reinit(cd.build(), "k1", "n1").toBuilder());
    h.awaitUntil(CONVERGE, () -> h.converged("k1", "n1", false));
    assertEquals("pg_basebackup", h.keeper("k1").state().lastResyncMethod(), "copied from scratch, not rewound");
    h.execute("k0", "INSERT INTO t VALUES (1)");
    h.awaitUntil(CONVERGE, () -> "1".equals(h.queryOrNull("k1", "SELECT count(*) FROM t")));
    // the master keeps a slot for the new db only
    h.awaitUntil(CONVERGE, () -> "rhizome_n1".equals(h.queryOrNull("k0",
        "SELECT string_agg(slot_name, ',') FROM pg_replication_slots")));
  }

  @Test
  void synchronousMasterRestartsBehindTheGateUntilItsStandbyIsInSync() throws Exception {
    h.changeDb("m1", s -> s.setSynchronousReplication(true).addSynchronousStandbys("s1"));
    h.awaitUntil(CONVERGE, () -> h.pgState("k0").getSynchronousStandbysInSyncList().contains("s1"));
    // s1, and the keeper's own lease standby (commitLease is on by default)
    assertEquals("2 (\"s1\",\"rhizome_lease\")", h.queryOrNull("k0", "SHOW synchronous_standby_names"));
    h.execute("k0", "CREATE ROLE app LOGIN PASSWORD 'app-pw'");
    h.execute("k0", "CREATE TABLE t (id int)");
    h.execute("k0", "GRANT ALL ON t TO app");

    // the standby goes away; the master restarts: only the superuser and replication get in
    h.stopKeeper("k1");
    h.update(cd -> ClusterEdits.requestRestart(cd.build(), "k0", System.currentTimeMillis()).toBuilder());
    h.awaitUntil(CONVERGE, () -> h.keeper("k0").state().restartGateClosed()
        && h.queryOrNull("k0", "SELECT 1") != null);
    assertFalse(canConnect("app", "app-pw"), "the gate keeps applications out");

    // the standby returns and catches up: the gate opens
    h.startKeeper("k1");
    h.awaitUntil(CONVERGE, () -> canConnect("app", "app-pw"));
    assertFalse(h.keeper("k0").state().restartGateClosed());
    assertTrue(h.pgState("k0").getSynchronousStandbysInSyncList().contains("s1")
        || h.queryOrNull("k0", "SELECT 1 FROM pg_stat_replication WHERE sync_state = 'sync'") != null);
  }

  boolean canConnect(String user, String password) {
    try (var c = h.connect("k0", user, password)) {
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
