package io.rhizome.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.node.common.RefusedException;
import io.rhizome.proto.cluster.Cluster;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.ClusterStatus;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.DbSpec;
import io.rhizome.proto.cluster.DbStatus;
import io.rhizome.proto.cluster.FollowConfig;
import io.rhizome.proto.cluster.InitMode;
import io.rhizome.proto.cluster.Keeper;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterEditsTest {

  /** k0 holds master m1 (sync standby s2), k1 standby s1, k2 standby s2, k3 registered without a db. */
  static ClusterData cluster() {
    return ClusterData.newBuilder()
        .setCluster(Cluster.newBuilder().setUid("c").setStatus(ClusterStatus.newBuilder().setMasterDbUid("m1")))
        .putKeepers("k3", Keeper.newBuilder().setId("k3").build())
        .putDbs("m1", Db.newBuilder().setUid("m1").setGeneration(4).setSpec(DbSpec.newBuilder().setKeeperId("k0")
            .setRole(DbRole.MASTER).addFollowers("s1").addFollowers("s2").addSynchronousStandbys("s2")).build())
        .putDbs("s1", standby("s1", "k1"))
        .putDbs("s2", standby("s2", "k2"))
        .build();
  }

  static Db standby(String uid, String keeper) {
    return Db.newBuilder().setUid(uid).setGeneration(2).setSpec(DbSpec.newBuilder().setKeeperId(keeper)
        .setRole(DbRole.STANDBY).setInitMode(InitMode.RESYNC)
        .setFollowConfig(FollowConfig.newBuilder().setType(FollowConfig.Type.INTERNAL).setDbUid("m1")))
        .setStatus(DbStatus.newBuilder().setHealthy(true)).build();
  }

  @Test
  void restartBumpsTheRequestAndTheGeneration() {
    ClusterData next = ClusterEdits.requestRestart(cluster(), "k1", 1000);
    Db s1 = next.getDbsOrThrow("s1");
    assertEquals(1000, s1.getSpec().getRestartRequest());
    assertEquals(3, s1.getGeneration());
    // a second request in the same millisecond is still a new request
    assertEquals(1001, ClusterEdits.requestRestart(next, "k1", 1000).getDbsOrThrow("s1").getSpec().getRestartRequest());
    assertEquals(cluster(), cluster(), "inputs are immutable values");
  }

  @Test
  void unknownKeepersAndKeepersWithoutADbAreRefused() {
    RefusedException unknown = assertThrows(RefusedException.class, () -> ClusterEdits.requestRestart(cluster(), "k9", 1));
    assertTrue(unknown.getMessage().contains("no keeper 'k9'"), unknown.getMessage());
    RefusedException noDb = assertThrows(RefusedException.class, () -> ClusterEdits.reinit(cluster(), "k3", "n1"));
    assertTrue(noDb.getMessage().contains("has no db yet"), noDb.getMessage());
  }

  @Test
  void reinitReplacesTheStandbyDbAndTheMastersSlot() {
    ClusterData next = ClusterEdits.reinit(cluster(), "k1", "n1");
    assertFalse(next.containsDbs("s1"));
    Db n1 = next.getDbsOrThrow("n1");
    assertEquals("k1", n1.getSpec().getKeeperId());
    assertEquals(InitMode.RESYNC, n1.getSpec().getInitMode());
    assertTrue(n1.getSpec().getResyncFromScratch());
    assertEquals("m1", n1.getSpec().getFollowConfig().getDbUid());
    assertFalse(n1.hasStatus(), "a new db has no reported status yet");
    assertEquals(List.of("n1", "s2"), next.getDbsOrThrow("m1").getSpec().getFollowersList());
    assertEquals(5, next.getDbsOrThrow("m1").getGeneration());
  }

  @Test
  void reinitRefusesTheMasterAndSynchronousStandbys() {
    RefusedException master = assertThrows(RefusedException.class, () -> ClusterEdits.reinit(cluster(), "k0", "n1"));
    assertTrue(master.getMessage().contains("holds the master db m1"), master.getMessage());
    RefusedException sync = assertThrows(RefusedException.class, () -> ClusterEdits.reinit(cluster(), "k2", "n1"));
    assertTrue(sync.getMessage().contains("synchronous standby"), sync.getMessage());
  }

  static ClusterData normal() {
    ClusterData c = cluster();
    return c.toBuilder().setCluster(c.getCluster().toBuilder().setStatus(c.getCluster().getStatus().toBuilder()
        .setPhase(ClusterStatus.Phase.NORMAL))).putKeepers("k0", Keeper.newBuilder().setId("k0").build()).build();
  }

  @Test
  void failkeeperMarksTheKeeper() {
    assertTrue(ClusterEdits.failKeeper(normal(), "k0").getKeepersOrThrow("k0").getStatus().getForceFail());
    assertThrows(RefusedException.class, () -> ClusterEdits.failKeeper(normal(), "k9"));
  }

  @Test
  void switchoverRequestsAreRefusedWithAReason() {
    ClusterData asked = ClusterEdits.requestSwitchover(normal(), "k1", 5);
    assertEquals("k1", asked.getCluster().getStatus().getSwitchoverRequest().getTargetKeeper());
    RefusedException toMaster = assertThrows(RefusedException.class, () -> ClusterEdits.requestSwitchover(normal(), "k0", 5));
    assertTrue(toMaster.getMessage().contains("already holds the master"), toMaster.getMessage());
    RefusedException paused = assertThrows(RefusedException.class,
        () -> ClusterEdits.requestSwitchover(ClusterEdits.setPaused(normal(), true), "k1", 5));
    assertTrue(paused.getMessage().contains("paused"), paused.getMessage());
    RefusedException init = assertThrows(RefusedException.class, () -> ClusterEdits.requestSwitchover(cluster(), "", 5));
    assertTrue(init.getMessage().contains("no running master"), init.getMessage());
  }

  @Test
  void removekeeperRefusesTheMasterAndDropsAStandby() {
    RefusedException master = assertThrows(RefusedException.class, () -> ClusterEdits.removeKeeper(normal(), "k0"));
    assertTrue(master.getMessage().contains("holds the master"), master.getMessage());
    ClusterData next = ClusterEdits.removeKeeper(normal(), "k1");
    assertFalse(next.containsDbs("s1"));
  }

  @Test
  void promoteTurnsAStandbyClusterIntoAPrimaryClusterAndRefusesOtherwise() {
    ClusterData standbyCluster = cluster().toBuilder().setCluster(cluster().getCluster().toBuilder().setGeneration(3)
        .setSpec(io.rhizome.proto.cluster.ClusterSpec.newBuilder().setRole(io.rhizome.proto.cluster.ClusterRole.CLUSTER_STANDBY))
        .setStatus(cluster().getCluster().getStatus().toBuilder().setPhase(ClusterStatus.Phase.NORMAL))).build();
    ClusterData promoted = ClusterEdits.promote(standbyCluster);
    assertEquals(io.rhizome.proto.cluster.ClusterRole.CLUSTER_MASTER, promoted.getCluster().getSpec().getRole());
    assertEquals(4, promoted.getCluster().getGeneration());
    assertEquals(standbyCluster.getDbsMap(), promoted.getDbsMap(), "the controller promotes the head, not the command");

    RefusedException primary = assertThrows(RefusedException.class, () -> ClusterEdits.promote(promoted));
    assertEquals("the cluster is not a standby cluster (its role is master): nothing to promote", primary.getMessage());
    ClusterData copying = standbyCluster.toBuilder().setCluster(standbyCluster.getCluster().toBuilder()
        .setStatus(standbyCluster.getCluster().getStatus().toBuilder().setPhase(ClusterStatus.Phase.INITIALIZING))).build();
    assertTrue(assertThrows(RefusedException.class, () -> ClusterEdits.promote(copying)).getMessage()
        .startsWith("the standby cluster has no running head yet"));
    ClusterData paused = standbyCluster.toBuilder().setCluster(standbyCluster.getCluster().toBuilder()
        .setStatus(standbyCluster.getCluster().getStatus().toBuilder().setPaused(true))).build();
    assertEquals("the cluster is paused: 'rhizomectl resume' first",
        assertThrows(RefusedException.class, () -> ClusterEdits.promote(paused)).getMessage());
  }
}
