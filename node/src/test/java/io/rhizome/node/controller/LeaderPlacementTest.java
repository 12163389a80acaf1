package io.rhizome.node.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rhizome.node.controller.LeaderPlacement.Peer;
import io.rhizome.proto.cluster.Cluster;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.ClusterStatus;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbStatus;
import io.rhizome.proto.cluster.Failover;
import io.rhizome.proto.cluster.Proxy;
import io.rhizome.proto.cluster.ProxySpec;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LeaderPlacementTest {
  static final List<Peer> THREE_HOSTS = List.of(new Peer("s1", "10.0.0.1"), new Peer("s2", "10.0.0.2"),
      new Peer("s3", "10.0.0.3"));
  static final List<Peer> ONE_HOST = List.of(new Peer("s1", "127.0.0.1"), new Peer("s2", "127.0.0.1"),
      new Peer("s3", "127.0.0.1"));
  /** db1.example resolves to 10.0.0.1. */
  static final BiPredicate<String, String> SAME = (a, b) -> canonical(a).equals(canonical(b));

  static String canonical(String host) {
    return Map.of("db1.example", "10.0.0.1").getOrDefault(host, host);
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        // self, peers, master's host, expected target
        Arguments.of("s1", THREE_HOSTS, "10.0.0.1", "s2"),
        Arguments.of("s2", THREE_HOSTS, "10.0.0.2", "s1"),
        Arguments.of("s1", THREE_HOSTS, "db1.example", "s2"),
        Arguments.of("s1", THREE_HOSTS, "10.0.0.2", null),
        Arguments.of("s1", THREE_HOSTS, null, null),
        Arguments.of("s1", ONE_HOST, "127.0.0.1", null),
        Arguments.of("s1", THREE_HOSTS, "10.0.0.9", null));
  }

  @ParameterizedTest(name = "leader {0}, master on {2}: hand over to {3}")
  @MethodSource("cases")
  void theLeaderHandsOverOnlyWhenItSitsOnTheMastersHostAndAnotherMemberDoesNot(String self, List<Peer> peers,
      String masterHost, String expected) {
    Peer me = peers.stream().filter(p -> p.id().equals(self)).findFirst().orElseThrow();
    assertEquals(Optional.ofNullable(expected),
        LeaderPlacement.handOverTo(me, peers, Optional.ofNullable(masterHost), SAME));
  }

  static ClusterData cluster(boolean healthy, long generation, long current, boolean failover, String address) {
    Db db = Db.newBuilder().setUid("d1").setGeneration(generation)
        .setStatus(DbStatus.newBuilder().setHealthy(healthy).setCurrentGeneration(current).setListenAddress(address))
        .build();
    ClusterStatus.Builder status = ClusterStatus.newBuilder();
    if (failover) {
      status.setFailover(Failover.getDefaultInstance());
    }
    return ClusterData.newBuilder().setCluster(Cluster.newBuilder().setStatus(status)).putDbs("d1", db)
        .setProxy(Proxy.newBuilder().setSpec(ProxySpec.newBuilder().setMasterDbUid("d1"))).build();
  }

  static Stream<Arguments> steadiness() {
    return Stream.of(
        Arguments.of(cluster(true, 2, 2, false, "10.0.0.1"), "10.0.0.1"),
        Arguments.of(cluster(false, 2, 2, false, "10.0.0.1"), null),
        Arguments.of(cluster(true, 3, 2, false, "10.0.0.1"), null),
        Arguments.of(cluster(true, 2, 2, true, "10.0.0.1"), null),
        Arguments.of(cluster(true, 2, 2, false, ""), null),
        Arguments.of(ClusterData.getDefaultInstance(), null));
  }

  @ParameterizedTest
  @MethodSource("steadiness")
  void theMastersHostCountsOnlyOnceTheClusterIsSteady(ClusterData cd, String expected) {
    assertEquals(Optional.ofNullable(expected), LeaderPlacement.steadyMasterHost(cd));
  }
}
