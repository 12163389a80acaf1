package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.proto.cluster.ClusterSpec;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.FollowConfig;
import io.rhizome.proto.cluster.InitMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real keepers, real PostgreSQL, a real store: the test writes the cluster data the controller
 * would, and checks what PostgreSQL does.
 */
class KeeperReplicationTest {
  static final Duration CONVERGE = Duration.ofSeconds(90);

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

  @Test
  void newPrimaryStandbyPromotionRepointAndRewind() throws Exception {
    h.startKeeper("k0");
    h.startKeeper("k1");
    h.startKeeper("k2");
    h.initNewCluster("k0", "m1", ClusterSpec.getDefaultInstance());

    // a new primary from scratch: initdb with checksums, roles, converged to its generation
    h.awaitUntil(CONVERGE, () -> h.converged("k0", "m1", true));
    assertEquals("on", h.queryOrNull("k0", "SHOW data_checksums"));
    h.execute("k0", "CREATE TABLE t (id int PRIMARY KEY, note text)");
    h.execute("k0", "INSERT INTO t VALUES (1, 'before any standby')");
    try (var c = h.connect("k0", KeeperHarness.REPL, KeeperHarness.REPL_PASSWORD)) {
      assertNotNull(c, "the replication user logs in with its password");
    }

    // standbys copy with pg_basebackup and stream through their own slots
    h.addStandby("k1", "s1", "m1");
    h.addStandby("k2", "s2", "m1");
    h.awaitUntil(CONVERGE, () -> h.converged("k1", "s1", false) && h.converged("k2", "s2", false));
    h.awaitUntil(CONVERGE, () -> "2".equals(h.queryOrNull("k0",
        "SELECT count(*) FROM pg_replication_slots WHERE active AND slot_name IN ('rhizome_s1','rhizome_s2')")));
    assertEquals("s1", h.queryOrNull("k0",
        "SELECT application_name FROM pg_stat_replication WHERE application_name = 's1' AND state = 'streaming'"));
    h.execute("k0", "INSERT INTO t VALUES (2, 'streamed')");
    h.awaitUntil(CONVERGE, () -> "streamed".equals(h.queryOrNull("k1", "SELECT note FROM t WHERE id = 2")));
    // marks s2's data dir: a new copy would remove it
    Files.writeString(h.pgData("k2").resolve("rhizome-test-marker"), "s2 was never copied again");

    // failover: s1 becomes master; m1 keeps running until the cluster data says otherwise
    h.changeDb("s1", s -> s.setRole(DbRole.MASTER).setInitMode(InitMode.INIT_MODE_UNSPECIFIED)
        .clearFollowConfig().addFollowers("s2"));
    h.awaitUntil(CONVERGE, () -> h.converged("k1", "s1", true));
    h.awaitUntil(CONVERGE, () -> h.pgState("k1").getTimelineId() == 2);

    // re-point s2 to the new master: no new copy
    h.changeDb("s2", s -> s.setFollowConfig(FollowConfig.newBuilder()
        .setType(FollowConfig.Type.INTERNAL).setDbUid("s1")));
    h.awaitUntil(CONVERGE, () -> h.converged("k2", "s2", false));
    // a write only the old primary has (no standby follows it now): it must not survive the rewind
    h.execute("k0", "INSERT INTO t VALUES (3, 'diverged on the old primary')");

    h.update(cd -> {
      cd.getClusterBuilder().getStatusBuilder().setMasterDbUid("s1");
      cd.removeDbs("m1");
      return cd;
    });
    // the old primary's keeper has no db now: it stops PostgreSQL so it cannot take writes
    h.awaitUntil(CONVERGE, () -> !h.pgState("k0").getRunning());

    // the old primary comes back as a standby of the new master, rewound
    h.addStandby("k0", "m2", "s1");
    h.awaitUntil(CONVERGE, () -> h.converged("k0", "m2", false));

    h.execute("k1", "INSERT INTO t VALUES (4, 'after failover')");
    h.awaitUntil(CONVERGE, () -> "after failover".equals(h.queryOrNull("k2", "SELECT note FROM t WHERE id = 4"))
        && "after failover".equals(h.queryOrNull("k0", "SELECT note FROM t WHERE id = 4")));
    assertTrue(Files.exists(h.pgData("k2").resolve("rhizome-test-marker")), "s2 was re-pointed, not copied");
    assertEquals("0", h.queryOrNull("k0", "SELECT count(*) FROM t WHERE id = 3"),
        "the old primary's diverged write is gone after pg_rewind");
    assertEquals(2, h.pgState("k0").getTimelineId());
    assertEquals("pg_rewind", h.keeper("k0").state().lastResyncMethod(), "the old primary was rewound, not copied");
    assertEquals("pg_basebackup", h.keeper("k1").state().lastResyncMethod());
    String log = Files.readString(tmp.resolve("k0").resolve("postgresql.log"));
    assertFalse(log.contains(KeeperHarness.SU_PASSWORD), "no password in the server log");
  }
}
