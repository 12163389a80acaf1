package io.rhizome.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.node.status.Json;
import io.rhizome.proto.cluster.Cluster;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.ClusterStatus;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.DbSpec;
import io.rhizome.proto.cluster.KeeperInfo;
import io.rhizome.proto.cluster.PostgresState;
import io.rhizome.proto.cluster.Proxy;
import io.rhizome.proto.cluster.ProxySpec;
import io.rhizome.proto.store.PeerInfo;
import io.rhizome.proto.store.StatusReply;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StatusViewTest {

  static ClusterData cluster(boolean paused) {
    return ClusterData.newBuilder()
        .setCluster(Cluster.newBuilder().setUid("c1").setStatus(ClusterStatus.newBuilder()
            .setPhase(ClusterStatus.Phase.NORMAL).setMasterDbUid("m").setPaused(paused).addReasons("all good")))
        .putDbs("m", Db.newBuilder().setUid("m").setGeneration(2).setSpec(DbSpec.newBuilder().setKeeperId("k0")
            .setRole(DbRole.MASTER)).build())
        .putDbs("s", Db.newBuilder().setUid("s").setGeneration(3).setSpec(DbSpec.newBuilder().setKeeperId("k1")
            .setRole(DbRole.STANDBY)).build())
        .setProxy(Proxy.newBuilder().setGeneration(4).setSpec(ProxySpec.newBuilder().setMasterDbUid("m")))
        .build();
  }

  static KeeperInfo info(String id, String db, long gen, long xlog, boolean recovery) {
    return KeeperInfo.newBuilder().setKeeperId(id).setClusterUid("c1").setPostgres(PostgresState.newBuilder()
        .setDbUid(db).setGeneration(gen).setHealthy(true).setXlogPos(xlog).setInRecovery(recovery).setTimelineId(1))
        .build();
  }

  @Test
  @SuppressWarnings("unchecked")
  void showsMasterRolesLagSentinelsAndReasons() {
    StatusReply store = StatusReply.newBuilder().setLeaderId("s2")
        .addPeers(PeerInfo.newBuilder().setId("s1").setAddress("127.0.0.1:7001"))
        .addPeers(PeerInfo.newBuilder().setId("s2").setAddress("127.0.0.1:7002")).build();
    Map<String, Object> v = io.rhizome.node.status.ClusterStatusView.build("demo", cluster(false),
        Map.of("k0", info("k0", "m", 2, 5000, false), "k1", info("k1", "s", 3, 4000, true)), Map.of(), Optional.of(store));
    assertEquals(Map.of("keeper", "k0", "db", "m", "routed", "m"), v.get("master"));
    List<Map<String, Object>> keepers = (List<Map<String, Object>>) v.get("keepers");
    assertEquals("standby", keepers.get(1).get("role"));
    assertEquals(1000L, keepers.get(1).get("lag"));
    assertEquals(true, keepers.get(1).get("converged"));
    List<Map<String, Object>> sentinels = (List<Map<String, Object>>) v.get("sentinels");
    assertEquals(true, sentinels.get(1).get("leader"));
    String text = StatusView.text("demo", v);
    assertTrue(text.contains("master: keeper k0, db m"), text);
    assertTrue(text.contains("controller: all good"), text);
    String json = Json.write(v);
    assertTrue(json.contains("\"keepers\":[{\"id\":\"k0\""), json);
  }

  @Test
  void pausedIsShownLoudly() {
    String text = StatusView.text("demo", io.rhizome.node.status.ClusterStatusView.build("demo", cluster(true), Map.of(), Map.of(), Optional.empty()));
    assertTrue(text.startsWith("*** PAUSED"), text);
    assertTrue(text.contains("k0") && text.contains("no"), "a keeper without info is shown unhealthy: " + text);
  }
}
