package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.proto.cluster.Cluster;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.ClusterStatus;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.DbSpec;
import io.rhizome.proto.cluster.Failover;
import java.time.Duration;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CommitLeaseTest {
  static final Duration TERM = Duration.ofMillis(1_500);
  static final long MS = 1_000_000L;

  /** Db m is the master on k0, db s a standby; the status names m. */
  static ClusterData.Builder cluster() {
    return ClusterData.newBuilder()
        .setCluster(Cluster.newBuilder().setStatus(ClusterStatus.newBuilder().setMasterDbUid("m")))
        .putDbs("m", Db.newBuilder().setUid("m").setSpec(DbSpec.newBuilder().setKeeperId("k0").setRole(DbRole.MASTER)).build())
        .putDbs("s", Db.newBuilder().setUid("s").setSpec(DbSpec.newBuilder().setKeeperId("k1").setRole(DbRole.STANDBY)).build());
  }

  static ClusterData.Builder failover(ClusterData.Builder cd, String oldMaster, boolean planned) {
    cd.getClusterBuilder().getStatusBuilder().setFailover(Failover.newBuilder()
        .setOldMasterDbUid(oldMaster).setPlanned(planned).setStartedAtMillis(777));
    return cd;
  }

  static Stream<Arguments> verdicts() {
    return Stream.of(
        Arguments.of("the master, nothing under way", "m", (UnaryOperator<ClusterData.Builder>) cd -> cd,
            CommitLease.Verdict.HOLDER),
        Arguments.of("the master during a switchover (its keeper stops it)", "m",
            (UnaryOperator<ClusterData.Builder>) cd -> failover(cd, "m", true), CommitLease.Verdict.HOLDER),
        Arguments.of("the master during its unplanned failover", "m",
            (UnaryOperator<ClusterData.Builder>) cd -> failover(cd, "m", false), CommitLease.Verdict.DEPOSED),
        Arguments.of("a standby", "s", (UnaryOperator<ClusterData.Builder>) cd -> cd, CommitLease.Verdict.NOT_MASTER),
        Arguments.of("a db the cluster data no longer has (dropped at promotion)", "gone",
            (UnaryOperator<ClusterData.Builder>) cd -> cd, CommitLease.Verdict.NOT_MASTER),
        Arguments.of("no db yet", "", (UnaryOperator<ClusterData.Builder>) cd -> cd, CommitLease.Verdict.NOT_MASTER),
        Arguments.of("role master but the status names another (promoted in its place)", "m",
            (UnaryOperator<ClusterData.Builder>) cd -> {
              cd.getClusterBuilder().getStatusBuilder().setMasterDbUid("s");
              return cd;
            }, CommitLease.Verdict.NOT_MASTER),
        Arguments.of("the new master while the old one's failover finishes", "s",
            (UnaryOperator<ClusterData.Builder>) cd -> {
              failover(cd, "m", false).getClusterBuilder().getStatusBuilder().setMasterDbUid("s");
              cd.putDbs("s", cd.getDbsOrThrow("s").toBuilder()
                  .setSpec(cd.getDbsOrThrow("s").getSpec().toBuilder().setRole(DbRole.MASTER)).build());
              return cd;
            }, CommitLease.Verdict.HOLDER));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("verdicts")
  void judgesARead(String name, String db, UnaryOperator<ClusterData.Builder> setup, CommitLease.Verdict expected) {
    assertEquals(expected, CommitLease.judge(setup.apply(cluster()).build(), db), name);
  }

  @Test
  void heldForATermFromTheOlderOfTheLastConfirmingReadAndTheLastPublishStarts() {
    CommitLease l = new CommitLease();
    assertFalse(l.held(0, TERM), "nothing read yet");
    l.read(100 * MS, cluster().build(), "m");
    assertFalse(l.held(100 * MS, TERM), "info never published: its key may not exist");
    l.published(200 * MS);
    assertTrue(l.held(300 * MS, TERM));
    assertTrue(l.held(1_599 * MS, TERM));
    assertFalse(l.held(1_600 * MS, TERM), "a term after the read started");
    l.read(1_000 * MS, cluster().build(), "m");
    assertTrue(l.held(1_600 * MS, TERM));
    assertFalse(l.held(1_700 * MS, TERM), "a term after the last publish started");
    l.published(1_650 * MS);
    assertTrue(l.held(1_700 * MS, TERM));
  }

  @Test
  void aReadThatDeposesGivesTheLeaseUpAtOnceAndSaysForWhichFailover() {
    CommitLease l = new CommitLease();
    l.published(0);
    l.read(0, cluster().build(), "m");
    assertTrue(l.held(10 * MS, TERM));
    assertEquals(0, l.releasedFor());
    l.read(20 * MS, failover(cluster(), "m", false).build(), "m");
    assertFalse(l.held(21 * MS, TERM), "given up before the term ends");
    assertEquals(777, l.releasedFor());
  }

  @Test
  void aSlowReadFromBeforeTheFailoverCannotTakeTheLeaseBack() {
    CommitLease l = new CommitLease();
    l.published(0);
    l.read(50 * MS, failover(cluster(), "m", false).build(), "m");
    // started at 40 ms, answered after the one that started at 50 ms
    l.read(40 * MS, cluster().build(), "m");
    assertFalse(l.held(60 * MS, TERM));
  }

  @Test
  void aCancelledFailoverGivesTheLeaseBackOnTheNextRead() {
    CommitLease l = new CommitLease();
    l.published(0);
    l.read(10 * MS, failover(cluster(), "m", false).build(), "m");
    l.read(20 * MS, cluster().build(), "m");
    assertTrue(l.held(30 * MS, TERM));
  }

  @Test
  void aStandbyHoldsNothing() {
    CommitLease l = new CommitLease();
    l.published(0);
    l.read(0, cluster().build(), "s");
    assertFalse(l.held(1, TERM));
  }
}
