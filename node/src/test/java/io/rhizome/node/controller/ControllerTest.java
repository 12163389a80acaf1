package io.rhizome.node.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.cluster.Durations;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.ClusterStatus;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.Failover;
import io.rhizome.proto.cluster.InitMode;
import io.rhizome.proto.cluster.Keeper;
import io.rhizome.proto.cluster.KeeperInfo;
import io.rhizome.proto.cluster.SwitchoverRequest;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ControllerTest {

  // ---- initialisation ----

  @Test
  void noKeeperNoMaster() {
    Scenario s = new Scenario().initializing();
    Decision d = s.decide();
    assertEquals("", s.data().getCluster().getStatus().getMasterDbUid());
    assertTrue(d.reasons().get(0).contains("waiting for a keeper"), d.reasons().toString());
  }

  @Test
  void oneKeeperBecomesTheInitialMasterAndTheClusterGoesNormalWhenItRuns() {
    Scenario s = new Scenario().initializing().keeper("k0");
    s.decide();
    String uid = s.data().getCluster().getStatus().getMasterDbUid();
    assertEquals("n1", uid);
    assertEquals(InitMode.NEW, s.db(uid).getSpec().getInitMode());
    assertEquals("k0", s.db(uid).getSpec().getKeeperId());
    assertEquals("", s.data().getProxy().getSpec().getMasterDbUid(), "no routing before it runs");

    s.report(uid, p -> p.setGeneration(1).setInRecovery(false));
    s.decide();
    assertEquals(ClusterStatus.Phase.NORMAL, s.data().getCluster().getStatus().getPhase());
    assertEquals(uid, s.data().getProxy().getSpec().getMasterDbUid());
  }

  @Test
  void withThreeKeepersTheHighestPriorityIsTheInitialMasterAndTheOthersBecomeStandbys() {
    Scenario s = new Scenario().initializing().keeper("k0").keeper("k1", 5, true).keeper("k2", 9, false);
    s.decide();
    String uid = s.data().getCluster().getStatus().getMasterDbUid();
    assertEquals("k1", s.db(uid).getSpec().getKeeperId(), "k2 has a higher priority but cannot be master");
    s.report(uid, p -> p.setGeneration(1).setInRecovery(false));
    s.decide(); // NORMAL, settles the init mode (generation 2)
    s.report(uid, p -> p.setGeneration(s.db(uid).getGeneration()).setInRecovery(false));
    s.decide();
    List<String> standbyKeepers = s.data().getDbsMap().values().stream()
        .filter(d -> d.getSpec().getRole() == DbRole.STANDBY).map(d -> d.getSpec().getKeeperId()).sorted().toList();
    assertEquals(List.of("k0", "k2"), standbyKeepers);
    assertEquals(2, s.db(uid).getSpec().getFollowersCount(), "the master keeps a slot per standby");
  }

  @Test
  void aFailedInitialInitdbIsRetriedOnAnotherKeeperAfterInitTimeout() {
    Scenario s = new Scenario().initializing().keeper("k0", 1, true).keeper("k1")
        .spec(sp -> sp.setInitTimeout(Durations.toProto(Duration.ofSeconds(10))));
    s.decide();
    assertEquals("k0", s.db("n1").getSpec().getKeeperId());
    s.now += 11_000;
    s.decide();
    s.decide();
    assertEquals("k1", s.db(s.data().getCluster().getStatus().getMasterDbUid()).getSpec().getKeeperId());
    assertFalse(s.data().containsDbs("n1"));
  }

  // ---- election ----

  static Stream<Arguments> elections() {
    return Stream.of(
        Arguments.of("the most advanced standby is elected",
            (UnaryOperator<Scenario>) s -> s.standby("s1", "k1", "m", 900).standby("s2", "k2", "m", 990), "s2"),
        Arguments.of("a lagging async standby is not elected",
            (UnaryOperator<Scenario>) s -> s.standby("s1", "k1", "m", 1_000 - 2_000_000), ""),
        Arguments.of("priority beats xlogPos",
            (UnaryOperator<Scenario>) s -> s.keeper("k1", 5, true).standby("s1", "k1", "m", 900)
                .standby("s2", "k2", "m", 990), "s1"),
        Arguments.of("canBeMaster=false is respected",
            (UnaryOperator<Scenario>) s -> s.keeper("k2", 0, false).standby("s1", "k1", "m", 900)
                .standby("s2", "k2", "m", 990), "s1"),
        Arguments.of("an unconverged standby is not elected",
            (UnaryOperator<Scenario>) s -> s.standby("s1", "k1", "m", 900).standby("s2", "k2", "m", 990)
                .report("s2", p -> p.setGeneration(1)), "s1"),
        Arguments.of("a standby on another timeline is not elected",
            (UnaryOperator<Scenario>) s -> s.standby("s1", "k1", "m", 900).report("s1", p -> p.setTimelineId(2)), ""),
        Arguments.of("sync mode: the most advanced async standby loses to the one in sync",
            (UnaryOperator<Scenario>) s -> s.spec(sp -> sp.setSynchronousReplication(true))
                .standby("s1", "k1", "m", 900).standby("s2", "k2", "m", 990).sync("m", "s1"), "s1"),
        Arguments.of("sync mode: no standby in sync, no promotion",
            (UnaryOperator<Scenario>) s -> s.spec(sp -> sp.setSynchronousReplication(true))
                .standby("s1", "k1", "m", 1000).sync("m"), ""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("elections")
  void electsAsTheTableSays(String name, UnaryOperator<Scenario> setup, String expected) {
    Scenario s = new Scenario().keeper("k0").keeper("k1").keeper("k2").master("m", "k0", 1_000);
    s = setup.apply(s);
    s.dead("k0");
    s.decide(); // fence
    Decision d = s.decide(); // no proxies: choose and promote
    assertEquals(expected.isEmpty() ? "" : expected,
        s.data().getCluster().getStatus().getFailover().getNewMasterDbUid(), d.reasons().toString());
    if (expected.isEmpty()) {
      assertFalse(s.data().getCluster().getStatus().getNoMasterReason().isEmpty(), "status says why");
    } else {
      assertEquals(DbRole.MASTER, s.db(expected).getSpec().getRole());
    }
  }

  @Test
  void syncModeWithoutCandidateSaysWhy() {
    Scenario s = new Scenario().spec(sp -> sp.setSynchronousReplication(true))
        .keeper("k0").keeper("k1").master("m", "k0", 1000).standby("s1", "k1", "m", 1000).sync("m");
    s.dead("k0");
    s.decide();
    s.decide();
    String why = s.data().getCluster().getStatus().getNoMasterReason();
    assertTrue(why.startsWith("no standby in the synchronous set is healthy and in sync"), why);
    assertTrue(why.contains("s1: not a synchronous standby"), why);
  }

  // ---- the failover protocol ----

  @Test
  void failoverFencesWaitsForProxiesPromotesThenRoutes() {
    Scenario s = new Scenario().keeper("k0").keeper("k1").master("m", "k0", 1000).standby("s1", "k1", "m", 1000)
        .proxy("p1", 1).proxy("p2", 1);
    s.dead("k0");
    s.decide();
    ClusterData fenced = s.data();
    assertEquals("", fenced.getProxy().getSpec().getMasterDbUid(), "step 2: proxies fenced");
    assertEquals(2, fenced.getProxy().getGeneration());
    assertEquals(DbRole.STANDBY, s.db("s1").getSpec().getRole());

    s.proxy("p1", 2);
    Decision waiting = s.decide();
    assertEquals(DbRole.STANDBY, s.db("s1").getSpec().getRole(), "step 3: not before every proxy acked");
    assertTrue(waiting.reasons().toString().contains("[p2]"), waiting.reasons().toString());

    s.proxies.remove("p2"); // its info expired: a dead proxy cannot hold the failover up
    s.decide();
    assertEquals(DbRole.MASTER, s.db("s1").getSpec().getRole(), "step 5: promoted");
    assertFalse(s.data().containsDbs("m"), "the failed master's db is dropped");
    assertEquals("", s.data().getProxy().getSpec().getMasterDbUid(), "not routed before it runs as master");

    s.report("s1", p -> p.setGeneration(s.db("s1").getGeneration()).setInRecovery(false).setTimelineId(2));
    s.decide();
    assertEquals("s1", s.data().getProxy().getSpec().getMasterDbUid(), "step 6: routed");
    assertFalse(s.data().getCluster().getStatus().hasFailover());
    assertEquals(1, s.data().getHistoryCount());
    assertEquals("m", s.data().getHistory(0).getOldMasterDbUid());
    assertEquals("s1", s.data().getHistory(0).getNewMasterDbUid());

    // the old master's keeper returns: it gets a new standby db following the new master
    s.keeper("k0");
    s.decide();
    var rejoin = s.data().getDbsMap().values().stream().filter(d -> d.getSpec().getKeeperId().equals("k0")).findFirst();
    assertTrue(rejoin.isPresent());
    assertEquals(InitMode.RESYNC, rejoin.get().getSpec().getInitMode());
    assertEquals("s1", rejoin.get().getSpec().getFollowConfig().getDbUid());
  }

  @Test
  void otherStandbysFollowTheNewMaster() {
    Scenario s = new Scenario().keeper("k0").keeper("k1").keeper("k2").master("m", "k0", 1000)
        .standby("s1", "k1", "m", 1000).standby("s2", "k2", "m", 990);
    s.dead("k0");
    s.decide();
    s.decide();
    assertEquals("s1", s.db("s2").getSpec().getFollowConfig().getDbUid());
    assertEquals(List.of("s2"), s.db("s1").getSpec().getFollowersList());
  }

  @Test
  void anElectedStandbyThatNeverConvergesIsReplaced() {
    Scenario s = new Scenario().keeper("k0").keeper("k1").keeper("k2").master("m", "k0", 1000)
        .standby("s1", "k1", "m", 1000).standby("s2", "k2", "m", 990);
    s.dead("k0");
    s.decide();
    s.decide();
    assertEquals("s1", s.data().getCluster().getStatus().getFailover().getNewMasterDbUid());
    s.decide(); // starts the convergence timer
    s.now += 31_000; // convergenceTimeout is 30 s
    s.decide(); // gives s1 up
    assertFalse(s.data().containsDbs("s1"));
    s.report("s2", p -> p.setGeneration(s.db("s2").getGeneration())); // s2's keeper follows the re-pointing
    s.decide(); // chooses again
    assertEquals("s2", s.data().getCluster().getStatus().getFailover().getNewMasterDbUid());
  }

  @Test
  void aMasterBackBeforeAnyPromotionCancelsTheFailoverAndIsRoutedAgain() {
    Scenario s = new Scenario().keeper("k0").master("m", "k0", 1000);
    KeeperInfo k0 = s.keepers.get("k0");
    s.dead("k0");
    s.decide();
    assertTrue(s.data().getCluster().getStatus().hasFailover());
    assertEquals("", s.data().getProxy().getSpec().getMasterDbUid());
    s.keepers.put("k0", k0); // its keeper restarted and adopted the running PostgreSQL
    s.decide();
    assertFalse(s.data().getCluster().getStatus().hasFailover());
    assertEquals("m", s.data().getProxy().getSpec().getMasterDbUid());
  }

  @Test
  void anUnhealthyMasterFailsOnlyAfterFailInterval() {
    Scenario s = new Scenario().keeper("k0").keeper("k1").master("m", "k0", 1000).standby("s1", "k1", "m", 1000);
    s.report("m", p -> p.setHealthy(false));
    s.decide();
    assertFalse(s.data().getCluster().getStatus().hasFailover(), "not at the first bad report");
    s.now += 1_000;
    s.decide();
    assertFalse(s.data().getCluster().getStatus().hasFailover());
    s.now += 1_000;
    s.decide();
    assertTrue(s.data().getCluster().getStatus().hasFailover(), "after failInterval (2 s)");
  }

  @Test
  void aSelfFencedMasterThatReportsAgainGetsAFreshFailIntervalToLiftTheFence() {
    Scenario s = new Scenario().keeper("k0").keeper("k1").master("m", "k0", 1000).standby("s1", "k1", "m", 1000);
    s.report("m", p -> p.setHealthy(false).setRunning(false).setFenced(true));
    for (int i = 0; i < 4; i++) {
      s.decide();
      s.now += 1_000;
    }
    assertFalse(s.data().getCluster().getStatus().hasFailover(), "fenced for a store blip, and back: no failover");
    // the last fenced report was 1 s ago; now unfenced, but PostgreSQL does not come back
    s.report("m", p -> p.setFenced(false));
    s.decide();
    assertFalse(s.data().getCluster().getStatus().hasFailover(), "its failInterval runs from the last fenced report");
    s.now += 1_000;
    s.decide();
    assertTrue(s.data().getCluster().getStatus().hasFailover(), "then it fails like any unhealthy master");
  }

  @Test
  void aNewLeaderStartsItsTimersAfreshAndResumesAFailoverHalfDone() {
    Scenario s = new Scenario().keeper("k0").keeper("k1").master("m", "k0", 1000).standby("s1", "k1", "m", 1000)
        .proxy("p1", 1);
    s.dead("k0");
    s.decide(); // fenced, waiting for p1
    s.memory = ControllerMemory.EMPTY; // leadership moved to another sentinel
    s.proxy("p1", 2);
    s.decide();
    assertEquals(DbRole.MASTER, s.db("s1").getSpec().getRole(), "the new leader carried on from the store's state");
  }

  @Test
  void failkeeperFailsTheMasterOnceAndIsReset() {
    Scenario s = new Scenario().keeper("k0").keeper("k1").master("m", "k0", 1000).standby("s1", "k1", "m", 1000);
    Keeper k0 = s.cd.getKeepersOrThrow("k0");
    s.cd.putKeepers("k0", k0.toBuilder().setStatus(k0.getStatus().toBuilder().setForceFail(true)).build());
    s.decide();
    assertTrue(s.data().getCluster().getStatus().getFailover().getReason().contains("failkeeper"));
    assertFalse(s.data().getKeepersOrThrow("k0").getStatus().getForceFail());
    // its keeper is alive: it has read the failover and given its commit lease up
    long started = s.data().getCluster().getStatus().getFailover().getStartedAtMillis();
    s.report("m", p -> p.setLeaseReleasedForFailover(started));
    s.decide();
    assertEquals(DbRole.MASTER, s.db("s1").getSpec().getRole(), "carried out although the master looks healthy");
  }

  // ---- the commit lease ----

  /**
   * What lets an unplanned failover promote while the old master's keeper may still confirm its
   * commits (commitLease): rows of (setup after the failover started, promoted in the next round).
   */
  static Stream<Arguments> leaseRows() {
    return Stream.of(
        Arguments.of("keeper alive, lease not given up: wait", (UnaryOperator<Scenario>) s -> s, false),
        Arguments.of("keeper alive, lease given up for this failover: promote",
            (UnaryOperator<Scenario>) s -> s.report("m", p -> p.setLeaseReleasedForFailover(
                s.data().getCluster().getStatus().getFailover().getStartedAtMillis())), true),
        Arguments.of("keeper alive, lease given up for an earlier failover: wait",
            (UnaryOperator<Scenario>) s -> s.report("m", p -> p.setLeaseReleasedForFailover(
                s.data().getCluster().getStatus().getFailover().getStartedAtMillis() - 60_000)), false),
        Arguments.of("keeper's info key gone (the lease term is shorter than its TTL): promote",
            (UnaryOperator<Scenario>) s -> s.dead("k0"), true),
        Arguments.of("a lease term (1.5 s) since the failover was first seen: promote",
            (UnaryOperator<Scenario>) s -> {
              s.now += 1_500;
              return s;
            }, true),
        Arguments.of("less than a lease term: wait",
            (UnaryOperator<Scenario>) s -> {
              s.now += 1_400;
              return s;
            }, false),
        Arguments.of("commitLease off: promote",
            (UnaryOperator<Scenario>) s -> s.spec(b -> b.setCommitLease(false)), true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("leaseRows")
  void anUnplannedFailoverPromotesOnlyOnceTheOldMastersCommitLeaseIsGone(String name, UnaryOperator<Scenario> after,
      boolean promoted) {
    Scenario s = new Scenario().keeper("k0").keeper("k1").master("m", "k0", 1000).standby("s1", "k1", "m", 1000);
    s.report("m", p -> p.setHealthy(false));
    s.decide();
    s.now += 2_000;
    s.decide();
    assertTrue(s.data().getCluster().getStatus().hasFailover(), "the unhealthy master is failed over");
    Decision first = s.decide();
    assertEquals(DbRole.STANDBY, s.db("s1").getSpec().getRole(), "promoted while the old master may confirm commits");
    assertTrue(first.reasons().toString().contains("commit lease"), first.reasons().toString());
    after.apply(s);
    s.decide();
    assertEquals(promoted ? DbRole.MASTER : DbRole.STANDBY, s.db("s1").getSpec().getRole(), name);
  }

  @Test
  void aNewLeaderWaitsAFullLeaseTermFromWhenItFirstSeesTheFailover() {
    Scenario s = new Scenario().keeper("k0").keeper("k1").master("m", "k0", 1000).standby("s1", "k1", "m", 1000);
    s.report("m", p -> p.setHealthy(false));
    s.decide();
    s.now += 2_000;
    s.decide();
    s.decide();
    s.now += 1_000;
    s.memory = ControllerMemory.EMPTY; // leadership moved: the new leader cannot know when the lease was renewed
    s.decide();
    s.now += 1_000;
    s.decide();
    assertEquals(DbRole.STANDBY, s.db("s1").getSpec().getRole(), "1 s after the new leader took over");
    s.now += 500;
    s.decide();
    assertEquals(DbRole.MASTER, s.db("s1").getSpec().getRole());
  }

  @Test
  void aSwitchoverDoesNotWaitForTheLeaseItsOldMasterIsStoppedFirst() {
    Scenario s = new Scenario().keeper("k0").keeper("k1").master("m", "k0", 1000).standby("s1", "k1", "m", 1000);
    Failover.Builder f = Failover.newBuilder().setOldMasterDbUid("m").setOldMasterKeeper("k0").setStartedAtMillis(5);
    assertTrue(Failovers.oldMasterLeaseHeld(new Round(s.input()), f.setPlanned(true).build()).isEmpty());
    assertTrue(Failovers.oldMasterLeaseHeld(new Round(s.input()), f.setPlanned(false).build()).isPresent());
  }

  // ---- switchover ----

  @Test
  void switchoverStopsWritesWaitsForReplayThenPromotesAndTheOldMasterFollows() {
    Scenario s = new Scenario().keeper("k0").keeper("k1").master("m", "k0", 1000).standby("s1", "k1", "m", 1000);
    s.cd.getClusterBuilder().getStatusBuilder().setSwitchoverRequest(SwitchoverRequest.newBuilder().setTargetKeeper("k1"));
    s.decide();
    assertTrue(s.data().getProxy().getSpec().getPlannedSwitchover(), "proxies hold new connections");
    assertTrue(s.db("m").getSpec().getStopWrites());
    s.decide();
    assertEquals(DbRole.STANDBY, s.db("s1").getSpec().getRole(), "not while the master still runs");

    s.report("m", p -> p.setRunning(false).setHealthy(false).setXlogPos(1100));
    s.decide();
    s.decide();
    assertEquals(DbRole.STANDBY, s.db("s1").getSpec().getRole(), "not before the target replayed the final position");

    s.report("s1", p -> p.setXlogPos(1150));
    s.decide();
    assertEquals(DbRole.MASTER, s.db("s1").getSpec().getRole());
    assertEquals(DbRole.STANDBY, s.db("m").getSpec().getRole(), "the old master is kept and follows");
    assertEquals("s1", s.db("m").getSpec().getFollowConfig().getDbUid());
    assertFalse(s.db("m").getSpec().getStopWrites());
  }

  @Test
  void switchoverToAStandbyThatIsCloseButNotStreamingIsRefused() {
    Scenario s = new Scenario().keeper("k0").keeper("k1").master("m", "k0", 1000).standby("s1", "k1", "m", 1000);
    s.report("m", p -> p.clearStreamingStandbys());
    s.cd.getClusterBuilder().getStatusBuilder().setSwitchoverRequest(SwitchoverRequest.newBuilder());
    Decision d = s.decide();
    assertFalse(s.data().getCluster().getStatus().hasFailover());
    assertTrue(d.reasons().toString().contains("not streaming from the master"), d.reasons().toString());
  }

  @Test
  void switchoverToAStandbyThatIsNotStreamingYetIsRefused() {
    Scenario s = new Scenario().keeper("k0").keeper("k1").master("m", "k0", 50_000_000)
        .standby("s1", "k1", "m", 0);
    s.cd.getClusterBuilder().getStatusBuilder().setSwitchoverRequest(SwitchoverRequest.newBuilder());
    Decision d = s.decide();
    assertFalse(s.data().getCluster().getStatus().hasFailover());
    assertTrue(d.reasons().toString().contains("switchover refused"), d.reasons().toString());
    assertEquals("m", s.data().getProxy().getSpec().getMasterDbUid(), "nothing fenced");
  }

  // ---- standbys and the synchronous set ----

  @Test
  void aForkedStandbyIsRemovedAndItsKeeperGetsANewOne() {
    Scenario s = new Scenario().keeper("k0").keeper("k1").master("m", "k0", 1000).standby("s1", "k1", "m", 900);
    s.report("m", p -> p.setTimelineId(2).addTimelinesHistory(
        io.rhizome.proto.cluster.TimelineHistoryEntry.newBuilder().setTimelineId(1).setSwitchPoint(800)));
    s.decide();
    assertFalse(s.data().containsDbs("s1"), "replayed past the fork at 800 on timeline 1");
    assertTrue(s.data().getDbsMap().values().stream().anyMatch(d -> d.getSpec().getKeeperId().equals("k1")));
  }

  @Test
  void aStandbyWhoseWalIsGoneIsReplacedByACopyFromScratch() {
    Scenario s = new Scenario().keeper("k0").keeper("k1").keeper("k2").master("m", "k0", 1000)
        .standby("s1", "k1", "m", 100).standby("s2", "k2", "m", 990);
    s.report("m", p -> p.addLostSlots("rhizome_s1"));
    Decision d = s.decide();
    assertFalse(s.data().containsDbs("s1"), d.reasons().toString());
    Db replacement = s.data().getDbsMap().values().stream()
        .filter(db -> db.getSpec().getKeeperId().equals("k1")).findFirst().orElseThrow();
    assertTrue(replacement.getSpec().getResyncFromScratch(), "pg_rewind would find nothing to do");
    assertEquals(io.rhizome.proto.cluster.InitMode.RESYNC, replacement.getSpec().getInitMode());
    assertTrue(s.db("m").getSpec().getFollowersList().contains(replacement.getUid()));
    assertFalse(s.db("m").getSpec().getFollowersList().contains("s1"), "the lost slot is dropped");
    assertTrue(s.data().containsDbs("s2"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deadStandbys")
  void aStandbyOfAKeeperGoneLongerThanDeadKeeperRemovalIntervalLosesItsDb(String name, long goneMillis,
      boolean syncMember, boolean removed) {
    Scenario s = new Scenario().spec(sp -> sp.setSynchronousReplication(syncMember)
            .setDeadKeeperRemovalInterval(com.google.protobuf.Duration.newBuilder().setSeconds(60)))
        .keeper("k0").keeper("k1").keeper("k2").master("m", "k0", 1000)
        .standby("s1", "k1", "m", 1000).standby("s2", "k2", "m", 1000);
    if (syncMember) {
      s.sync("m", "s1");
    }
    s.dead("k1");
    var k1 = s.cd.getKeepersOrThrow("k1");
    s.cd.putKeepers("k1", k1.toBuilder().setStatus(k1.getStatus().toBuilder()
        .setLastHealthyTimeMillis(1_700_000_000_000L + s.now - goneMillis)).build());
    Decision d = s.decide();
    assertEquals(!removed, s.data().containsDbs("s1"), d.reasons().toString());
    assertEquals(removed, !s.db("m").getSpec().getFollowersList().contains("s1"), "its slot goes with it");
  }

  static Stream<Arguments> deadStandbys() {
    return Stream.of(
        Arguments.of("gone 59 s of 60: kept", 59_000L, false, false),
        Arguments.of("gone 61 s of 60: removed", 61_000L, false, true),
        Arguments.of("gone 61 s but a configured sync standby: left to the sync set", 61_000L, true, false));
  }

  @Test
  void surplusStandbysGoDeadFirstThenLeastAdvancedNeverASyncStandby() {
    Scenario s = new Scenario().spec(sp -> sp.setSynchronousReplication(true).setMaxStandbysPerSender(1))
        .keeper("k0").keeper("k1").keeper("k2").keeper("k3").master("m", "k0", 1000)
        .standby("s1", "k1", "m", 100).standby("s2", "k2", "m", 900).standby("s3", "k3", "m", 800)
        .sync("m", "s1");
    s.dead("k3");
    Decision d = s.decide();
    assertTrue(s.data().containsDbs("s1"), "the sync standby stays though it is the least advanced");
    assertFalse(s.data().containsDbs("s3"), "dead first: " + d.reasons());
    assertFalse(s.data().containsDbs("s2"), "then the rest over the limit");
    assertTrue(d.reasons().stream().anyMatch(x -> x.contains("more than 1 standbys")), d.reasons().toString());
    s.decide();
    assertFalse(s.data().getDbsMap().values().stream().anyMatch(db -> db.getSpec().getKeeperId().equals("k2")),
        "no new db for k2 while the limit is reached");
  }

  // ---- standby clusters ----

  @Test
  void aStandbyClusterCopiesTheExternalPrimaryAndIsReadyWhenItsHeadRunsInRecovery() {
    Scenario s = new Scenario().keeper("k0").initializing().spec(sp -> sp
        .setRole(io.rhizome.proto.cluster.ClusterRole.CLUSTER_STANDBY)
        .setStandbySettings(io.rhizome.proto.cluster.StandbySettings.newBuilder().setPrimaryConninfo("host=ext")));
    s.decide();
    Db head = s.data().getDbsMap().values().iterator().next();
    assertEquals(DbRole.STANDBY, head.getSpec().getRole());
    assertEquals(InitMode.RESYNC, head.getSpec().getInitMode(), "initMode new copies the external primary");
    assertEquals(io.rhizome.proto.cluster.FollowConfig.Type.EXTERNAL, head.getSpec().getFollowConfig().getType());
    assertEquals("host=ext", head.getSpec().getFollowConfig().getStandbySettings().getPrimaryConninfo());
    s.report(head.getUid(), p -> p.setInRecovery(false));
    s.decide();
    assertEquals(ClusterStatus.Phase.INITIALIZING, s.data().getCluster().getStatus().getPhase(),
        "a head running as primary is not what was asked");
    s.report(head.getUid(), p -> p.setInRecovery(true));
    s.decide();
    assertEquals(ClusterStatus.Phase.NORMAL, s.data().getCluster().getStatus().getPhase());
    assertEquals(head.getUid(), s.data().getProxy().getSpec().getMasterDbUid(), "proxies route to the head (read-only)");
  }

  @Test
  void inAStandbyClusterOtherKeepersCascadeFromTheHeadWhichKeepsTheirSlotsAndNoSyncSet() {
    Scenario s = new Scenario().spec(sp -> sp.setSynchronousReplication(true).setMinSynchronousStandbys(1))
        .keeper("k0").keeper("k1").standbyClusterHead("h", "k0", 1000);
    s.decide();
    Db standby = s.data().getDbsMap().values().stream().filter(d -> d.getSpec().getKeeperId().equals("k1"))
        .findFirst().orElseThrow();
    assertEquals("h", standby.getSpec().getFollowConfig().getDbUid());
    assertEquals(List.of(standby.getUid()), s.db("h").getSpec().getFollowersList());
    assertEquals(List.of(), s.db("h").getSpec().getSynchronousStandbysList());
    assertEquals(List.of(), s.db("h").getSpec().getExternalSynchronousStandbysList(), "no placeholder on a standby");
  }

  @Test
  void aFailedHeadIsReplacedByAStandbyThatFollowsTheExternalPrimaryNotPromoted() {
    Scenario s = new Scenario().keeper("k0").keeper("k1").standbyClusterHead("h", "k0", 1000)
        .standby("s1", "k1", "h", 1000);
    s.dead("k0");
    s.decide();
    s.decide();
    Db next = s.db("s1");
    assertEquals(DbRole.STANDBY, next.getSpec().getRole());
    assertEquals(io.rhizome.proto.cluster.FollowConfig.Type.EXTERNAL, next.getSpec().getFollowConfig().getType());
    assertEquals("s1", s.data().getCluster().getStatus().getMasterDbUid());
    s.report("s1", p -> p.setGeneration(next.getGeneration()).setInRecovery(true));
    s.decide();
    assertEquals("s1", s.data().getProxy().getSpec().getMasterDbUid(), "routed once it follows in recovery");
    assertFalse(s.data().getCluster().getStatus().hasFailover());
  }

  @Test
  void promotingAStandbyClusterMakesItsHeadTheMasterAndNothingElseChangesRole() {
    Scenario s = new Scenario().keeper("k0").keeper("k1").standbyClusterHead("h", "k0", 1000)
        .standby("s1", "k1", "h", 1000);
    s.spec(sp -> sp.setRole(io.rhizome.proto.cluster.ClusterRole.CLUSTER_MASTER));
    Decision d = s.decide();
    assertEquals(DbRole.MASTER, s.db("h").getSpec().getRole(), d.reasons().toString());
    assertFalse(s.db("h").getSpec().hasFollowConfig());
    assertEquals(DbRole.STANDBY, s.db("s1").getSpec().getRole());
    assertEquals("h", s.db("s1").getSpec().getFollowConfig().getDbUid());
    assertFalse(s.data().getCluster().getStatus().hasFailover(), "a promotion is not a failover");
  }

  @Test
  void aSwitchoverInAStandbyClusterIsRefusedWithAReason() {
    Scenario s = new Scenario().keeper("k0").keeper("k1").standbyClusterHead("h", "k0", 1000)
        .standby("s1", "k1", "h", 1000);
    s.cd.getClusterBuilder().getStatusBuilder().setSwitchoverRequest(SwitchoverRequest.newBuilder());
    Decision d = s.decide();
    assertTrue(d.reasons().toString().contains("switchover refused: this is a standby cluster"), d.reasons().toString());
    assertEquals("h", s.data().getProxy().getSpec().getMasterDbUid());
  }

  @Test
  void syncSetChangesInOverlappingSteps() {
    Scenario s = new Scenario().spec(sp -> sp.setSynchronousReplication(true))
        .keeper("k0").keeper("k1").keeper("k2").master("m", "k0", 1000)
        .standby("s1", "k1", "m", 1000).standby("s2", "k2", "m", 990).sync("m", "s1");
    s.dead("k1"); // the sync standby goes away
    s.decide();
    assertEquals(List.of("s1", "s2"), s.db("m").getSpec().getSynchronousStandbysList(),
        "first the new one is added, the old one kept");
    s.report("m", p -> p.clearSynchronousStandbysInSync().addSynchronousStandbysInSync("s2"));
    s.decide();
    assertEquals(List.of("s2"), s.db("m").getSpec().getSynchronousStandbysList(), "then the old one is dropped");
  }

  @Test
  void tooFewSyncStandbysGetAPlaceholderSoCommitsBlock() {
    Scenario s = new Scenario().spec(sp -> sp.setSynchronousReplication(true).setMinSynchronousStandbys(1))
        .keeper("k0").master("m", "k0", 1000);
    s.decide();
    assertEquals(List.of("rhizome_placeholder_1"), s.db("m").getSpec().getExternalSynchronousStandbysList());
  }

  @Test
  void pauseFreezesDecisions() {
    Scenario s = new Scenario().keeper("k0").keeper("k1").master("m", "k0", 1000).standby("s1", "k1", "m", 1000);
    s.cd.getClusterBuilder().getStatusBuilder().setPaused(true);
    s.dead("k0");
    Decision d = s.decide();
    assertFalse(s.data().getCluster().getStatus().hasFailover());
    assertEquals("m", s.data().getProxy().getSpec().getMasterDbUid());
    assertTrue(d.reasons().toString().contains("paused"));
  }

  @Test
  void decideNeverMutatesItsInputAndIsStableWhenNothingChanges() {
    Scenario s = new Scenario().keeper("k0").keeper("k1").master("m", "k0", 1000).standby("s1", "k1", "m", 1000);
    s.decide();
    ControllerInput in = s.input();
    ClusterData before = in.clusterData();
    Decision d = Controller.decide(in);
    assertEquals(before, in.clusterData());
    assertEquals(before, d.next(), "a healthy, converged cluster is left as it is: " + d.reasons());
  }
}
