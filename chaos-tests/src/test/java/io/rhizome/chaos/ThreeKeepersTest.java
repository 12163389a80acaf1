package io.rhizome.chaos;

import static io.rhizome.chaos.FailoverTest.SU_PASSWORD;
import static io.rhizome.chaos.FailoverTest.clusterData;
import static io.rhizome.chaos.FailoverTest.execute;
import static io.rhizome.testsupport.LoopbackPorts.freePort;
import static io.rhizome.chaos.FailoverTest.queryOrNull;
import static io.rhizome.chaos.FailoverTest.routedMaster;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.rhizome.cluster.ClusterKeys;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.store.StoreClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three keepers: the master and two standbys. After kill -9 of the master, one standby is promoted
 * and the other follows it (no copy from scratch); removekeeper forgets the dead keeper and
 * refuses the master.
 */
class ThreeKeepersTest {
  static final String CLUSTER = "three";
  static final Duration CONVERGE = Duration.ofSeconds(120);

  @TempDir Path tmp;
  final OwnedProcesses owned = new OwnedProcesses();

  @AfterEach
  void stopAll() throws Exception {
    owned.closeAndPrintLogs(tmp);
  }

  @Test
  void bothStandbysReplicateOneIsPromotedTheOtherFollowsIt() throws Exception {
    assumeFalse("root".equals(System.getProperty("user.name")),
        "PostgreSQL refuses to run as root; run .ci/run or mvn as an unprivileged user");
    SentinelQuorum quorum = SentinelQuorum.start(CLUSTER, tmp);
    owned.add(quorum);
    String endpoints = quorum.endpoints();
    StoreClient store = quorum.store();
    ClusterKeys keys = new ClusterKeys(CLUSTER);
    Path su = SecretFiles.write(tmp, "su", SU_PASSWORD);
    Path repl = SecretFiles.write(tmp, "repl", "repl-secret");
    List<KeeperProcess> keepers = new ArrayList<>();
    for (String id : List.of("k0", "k1", "k2")) {
      KeeperProcess k = new KeeperProcess(CLUSTER, id, tmp, endpoints, freePort(), su, repl);
      owned.add(k);
      keepers.add(k);
      k.start();
    }
    Map<String, KeeperProcess> byId = keepers.stream().collect(Collectors.toMap(k -> k.id, Function.identity()));

    await().atMost(CONVERGE).ignoreExceptions()
        .until(() -> Rhizomectl.run(CLUSTER, endpoints, "init").startsWith("initialised cluster"));
    await().atMost(CONVERGE).ignoreExceptions().until(() -> streamingStandbys(clusterData(store, keys)) == 2);
    Db master = routedMaster(store, keys).orElseThrow();
    KeeperProcess masterKeeper = byId.get(master.getSpec().getKeeperId());
    List<KeeperProcess> standbys = keepers.stream().filter(k -> k != masterKeeper).toList();
    execute(masterKeeper, "CREATE TABLE t (id int PRIMARY KEY)");
    execute(masterKeeper, "INSERT INTO t SELECT generate_series(1, 100)");
    for (KeeperProcess s : standbys) {
      await().atMost(CONVERGE).ignoreExceptions().until(() -> "100".equals(queryOrNull(s, "SELECT count(*) FROM t")));
      assertEquals("t", queryOrNull(s, "SELECT pg_is_in_recovery()"));
    }

    long pgPid = masterKeeper.postmasterPid();
    masterKeeper.kill();
    ProcessHandle.of(pgPid).ifPresent(ProcessHandle::destroyForcibly);
    await().atMost(CONVERGE).ignoreExceptions().until(() -> routedMaster(store, keys)
        .map(m -> !m.getSpec().getKeeperId().equals(masterKeeper.id)).orElse(false));
    KeeperProcess newMaster = byId.get(routedMaster(store, keys).orElseThrow().getSpec().getKeeperId());
    KeeperProcess otherStandby = standbys.stream().filter(k -> k != newMaster).findFirst().orElseThrow();
    String otherDbBefore = dbOf(clusterData(store, keys), otherStandby.id).getUid();

    execute(newMaster, "INSERT INTO t VALUES (101)");
    await().atMost(CONVERGE).ignoreExceptions().until(() -> "101".equals(queryOrNull(otherStandby, "SELECT count(*) FROM t")));
    await().atMost(CONVERGE).ignoreExceptions().until(() -> streamingStandbys(clusterData(store, keys)) == 1);
    assertEquals(otherDbBefore, dbOf(clusterData(store, keys), otherStandby.id).getUid(),
        "the other standby re-pointed to the new master and kept its db: no new copy");

    // the dead keeper is forgotten on request; the master cannot be removed
    String refused = Rhizomectl.runExpectingFailure(CLUSTER, endpoints, "removekeeper", newMaster.id);
    assertTrue(refused.contains("holds the master db"), refused);
    assertTrue(Rhizomectl.run(CLUSTER, endpoints, "removekeeper", masterKeeper.id).contains("removed"));
    ClusterData after = clusterData(store, keys);
    assertFalse(after.getKeepersMap().containsKey(masterKeeper.id));
    assertTrue(after.getDbsMap().values().stream().noneMatch(d -> d.getSpec().getKeeperId().equals(masterKeeper.id)));
    String status = Rhizomectl.run(CLUSTER, endpoints, "status", "--format", "json");
    assertFalse(status.contains("\"" + masterKeeper.id + "\""), status);
  }

  private static long streamingStandbys(ClusterData cd) {
    Db master = cd.getDbsMap().get(cd.getProxy().getSpec().getMasterDbUid());
    if (master == null) {
      return 0;
    }
    return cd.getDbsMap().values().stream().filter(d -> d.getSpec().getRole() == DbRole.STANDBY
        && d.getStatus().getHealthy() && d.getStatus().getCurrentGeneration() == d.getGeneration()
        && master.getStatus().getStreamingStandbysList().contains(d.getUid())).count();
  }

  private static Db dbOf(ClusterData cd, String keeperId) {
    return cd.getDbsMap().values().stream().filter(d -> d.getSpec().getKeeperId().equals(keeperId)).findFirst()
        .orElseThrow();
  }

}
