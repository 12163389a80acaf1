package io.rhizome.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rhizome.proto.cluster.Cluster;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.ClusterStatus;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.DbSpec;
import io.rhizome.proto.cluster.DbStatus;
import io.rhizome.proto.cluster.Proxy;
import io.rhizome.proto.cluster.ProxySpec;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ReadinessTest {

  /** master db m on k0, standby db s on k1; each knob moves the cluster one step back. */
  static ClusterData cd(String masterDbUid, String routed, boolean standbyHealthy, long standbyConverged,
      boolean streaming) {
    DbStatus.Builder masterStatus = DbStatus.newBuilder().setHealthy(true);
    if (streaming) {
      masterStatus.addStreamingStandbys("s");
    }
    return ClusterData.newBuilder()
        .setCluster(Cluster.newBuilder().setUid("c").setStatus(ClusterStatus.newBuilder().setMasterDbUid(masterDbUid)))
        .putDbs("m", Db.newBuilder().setUid("m").setGeneration(1)
            .setSpec(DbSpec.newBuilder().setKeeperId("k0").setRole(DbRole.MASTER)).setStatus(masterStatus).build())
        .putDbs("s", Db.newBuilder().setUid("s").setGeneration(2)
            .setSpec(DbSpec.newBuilder().setKeeperId("k1").setRole(DbRole.STANDBY))
            .setStatus(DbStatus.newBuilder().setHealthy(standbyHealthy).setCurrentGeneration(standbyConverged)).build())
        .setProxy(Proxy.newBuilder().setSpec(ProxySpec.newBuilder().setMasterDbUid(routed)))
        .build();
  }

  static Stream<Arguments> rows() {
    return Stream.of(
        // cluster data                                   stage                                      master standby
        Arguments.of(Optional.empty(), Readiness.Stage.NOT_INITIALISED, "", ""),
        Arguments.of(Optional.of(cd("", "", true, 2, true)), Readiness.Stage.NO_MASTER, "", ""),
        Arguments.of(Optional.of(cd("m", "", true, 2, true)), Readiness.Stage.MASTER_NOT_ROUTED, "k0", ""),
        Arguments.of(Optional.of(cd("m", "m", true, 2, false)), Readiness.Stage.NO_STREAMING_STANDBY, "k0", ""),
        Arguments.of(Optional.of(cd("m", "m", false, 2, true)), Readiness.Stage.NO_STREAMING_STANDBY, "k0", ""),
        Arguments.of(Optional.of(cd("m", "m", true, 1, true)), Readiness.Stage.NO_STREAMING_STANDBY, "k0", ""),
        Arguments.of(Optional.of(cd("m", "m", true, 2, true)), Readiness.Stage.READY, "k0", "k1"));
  }

  @ParameterizedTest
  @MethodSource("rows")
  void stageFollowsTheClusterData(Optional<ClusterData> cd, Readiness.Stage stage, String master, String standby) {
    Readiness r = Readiness.of(cd);
    assertEquals(stage, r.stage(), r.detail());
    assertEquals(master, r.masterKeeper());
    assertEquals(standby, r.standbyKeeper());
  }
}
