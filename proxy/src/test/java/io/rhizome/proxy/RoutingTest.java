package io.rhizome.proxy;

import static io.rhizome.proxy.Clusters.cluster;
import static io.rhizome.proxy.Clusters.db;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.ClusterSpec;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proxy.Routing.Fate;
import io.rhizome.proxy.Routing.Forward;
import io.rhizome.proxy.Routing.Hold;
import io.rhizome.proxy.Routing.Refuse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Routing's decisions as tables: cluster data in, route out; route and load in, admission out. */
class RoutingTest {
  static final long MIB = 1024 * 1024;
  static final Backend M = new Backend("m", "10.0.0.1", 5432);
  static final Backend S1 = new Backend("s1", "10.0.0.2", 5432);
  static final Backend S2 = new Backend("s2", "10.0.0.3", 5432);
  static final Backend S3 = new Backend("s3", "10.0.0.4", 5432);

  static Db master() {
    return db("m", DbRole.MASTER, "10.0.0.1", 5432, 100 * MIB);
  }

  static Db standby(String uid, String host, long xlog) {
    return db(uid, DbRole.STANDBY, host, 5432, xlog);
  }

  static ClusterData data(long gen, String masterUid, boolean planned, Db... dbs) {
    ClusterData.Builder b = cluster(gen, masterUid, planned);
    for (Db d : dbs) {
      b.putDbs(d.getUid(), d);
    }
    return b.build();
  }

  record DecideCase(String name, Optional<ClusterData> data, Route.Mode mode,
      Optional<Backend> master, List<Backend> standbys, long generation, String reasonContains) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<DecideCase> decideCases() {
    Db s1 = standby("s1", "10.0.0.2", 100 * MIB);
    return Stream.of(
        new DecideCase("no cluster data: refuse, acknowledge nothing yet", Optional.empty(),
            Route.Mode.REFUSE, Optional.empty(), List.of(), 0, "no cluster data"),
        new DecideCase("master with an address: forward", Optional.of(data(7, "m", false, master())),
            Route.Mode.FORWARD, Optional.of(M), List.of(), 7, "forwarding to master db m at 10.0.0.1:5432"),
        new DecideCase("fenced (no master): refuse, acknowledge the fence",
            Optional.of(data(8, "", false, master(), s1)),
            Route.Mode.REFUSE, Optional.empty(), List.of(S1), 8, "no master"),
        new DecideCase("fenced for a planned switchover: hold",
            Optional.of(data(8, "", true, master(), s1)),
            Route.Mode.HOLD, Optional.empty(), List.of(S1), 8, "planned switchover"),
        new DecideCase("master db not in the cluster data: refuse",
            Optional.of(data(9, "gone", false, s1)),
            Route.Mode.REFUSE, Optional.empty(), List.of(S1), 9, "not in the cluster data"),
        new DecideCase("master without an address yet: refuse",
            Optional.of(data(9, "m", false, db("m", DbRole.MASTER, "", 0, 0))),
            Route.Mode.REFUSE, Optional.empty(), List.of(), 9, "has not reported its address"),
        new DecideCase("master without an address during a planned switchover: hold",
            Optional.of(data(9, "m", true, db("m", DbRole.MASTER, "", 0, 0))),
            Route.Mode.HOLD, Optional.empty(), List.of(), 9, "holding"),
        new DecideCase("standbys: only healthy, converged, addressed, within maxStandbyLag",
            Optional.of(data(10, "m", false, master(),
                standby("s3", "10.0.0.4", 100 * MIB - MIB),                     // exactly at the limit
                standby("s1", "10.0.0.2", 100 * MIB),
                standby("lagging", "10.0.0.9", 100 * MIB - MIB - 1),
                standby("sick", "10.0.0.9", 100 * MIB).toBuilder()
                    .setStatus(standby("sick", "10.0.0.9", 100 * MIB).getStatus().toBuilder().setHealthy(false)).build(),
                standby("behind-gen", "10.0.0.9", 100 * MIB).toBuilder().setGeneration(4).build(),
                standby("noaddr", "", 100 * MIB))),
            Route.Mode.FORWARD, Optional.of(M), List.of(S1, S3), 10, "forwarding"),
        new DecideCase("no master: the most advanced standby is the lag reference",
            Optional.of(data(11, "", false,
                standby("s1", "10.0.0.2", 50 * MIB),
                standby("s2", "10.0.0.3", 49 * MIB),
                standby("s3", "10.0.0.4", 40 * MIB))),
            Route.Mode.REFUSE, Optional.empty(), List.of(S1, S2), 11, "no master"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("decideCases")
  void decide(DecideCase c) {
    Route r = Routing.decide(c.data());
    assertEquals(c.mode(), r.mode(), r.reason());
    assertEquals(c.master(), r.master());
    assertEquals(c.standbys(), r.standbys());
    assertEquals(c.generation(), r.generation());
    assertTrue(r.reason().contains(c.reasonContains()), r.reason());
  }

  @Test
  void specTimeoutsReachTheRoute() {
    ClusterData.Builder b = cluster(1, "m", false).putDbs("m", master());
    b.getClusterBuilder().setSpec(ClusterSpec.newBuilder()
        .setProxyTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(7))
        .setProxyCheckInterval(com.google.protobuf.Duration.newBuilder().setSeconds(3)));
    Route r = Routing.decide(Optional.of(b.build()));
    assertEquals(Duration.ofSeconds(7), r.proxyTimeout());
    assertEquals(Duration.ofSeconds(3), r.checkInterval());
    assertEquals("c0ffee01", r.clusterUid());
  }

  static Route route(Route.Mode mode, Backend master, boolean planned, Backend... standbys) {
    return new Route(mode, Optional.ofNullable(master), List.of(standbys), planned, 1, "c",
        Duration.ofSeconds(2), Duration.ofSeconds(1), mode + " test route");
  }

  static Stream<Arguments> admitCases() {
    Route forward = route(Route.Mode.FORWARD, M, false, S1, S2);
    Route forwardNoStandby = route(Route.Mode.FORWARD, M, false);
    Route hold = route(Route.Mode.HOLD, null, true);
    Route refuse = route(Route.Mode.REFUSE, null, false);
    Map<Backend, Integer> none = Map.of();
    Map<Backend, Integer> s1Busy = Map.of(S1, 3, S2, 1);
    return Stream.of(
        Arguments.of("master port forwards to the master", forward, Port.MASTER, false, none, new Forward(M)),
        Arguments.of("master port holds during a planned switchover", hold, Port.MASTER, false, none, new Hold()),
        Arguments.of("master port refuses without a master", refuse, Port.MASTER, false, none,
            new Refuse("REFUSE test route")),
        Arguments.of("read-only: a tie goes to the first standby", forward, Port.READ_ONLY, false, none, new Forward(S1)),
        Arguments.of("read-only: the standby with the fewest connections", forward, Port.READ_ONLY, false, s1Busy, new Forward(S2)),
        Arguments.of("read-only: no standby falls back to the master", forwardNoStandby, Port.READ_ONLY, false, none, new Forward(M)),
        Arguments.of("read-only strict: no standby refuses", forwardNoStandby, Port.READ_ONLY, true, none,
            new Refuse("no healthy standby and --read-only-strict is set")),
        Arguments.of("read-only: no standby during a planned switchover holds", hold, Port.READ_ONLY, false, none, new Hold()),
        Arguments.of("read-only: no standby and no master refuses", refuse, Port.READ_ONLY, false, none,
            new Refuse("REFUSE test route")),
        Arguments.of("read-only: standbys serve while the master is fenced",
            route(Route.Mode.REFUSE, null, false, S2), Port.READ_ONLY, true, none, new Forward(S2)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("admitCases")
  void admit(String name, Route route, Port port, boolean strict, Map<Backend, Integer> load,
      Routing.Admission expected) {
    assertEquals(expected, Routing.admit(route, port, strict, b -> load.getOrDefault(b, 0)));
  }

  static Stream<Arguments> fateCases() {
    Route toM = route(Route.Mode.FORWARD, M, false, S1);
    Route toS2 = route(Route.Mode.FORWARD, S2, false, S1);
    Route fenced = route(Route.Mode.REFUSE, null, false, S1);
    Route plannedFence = route(Route.Mode.HOLD, null, true, S1);
    Route lost = Route.refuseAll("store lost");
    return Stream.of(
        Arguments.of("same master: keep", toM, Port.MASTER, false, M, Fate.KEEP),
        Arguments.of("master changed: reset", toS2, Port.MASTER, false, M, Fate.CLOSE),
        Arguments.of("fenced: reset", fenced, Port.MASTER, false, M, Fate.CLOSE),
        Arguments.of("planned fence: drain", plannedFence, Port.MASTER, false, M, Fate.DRAIN),
        Arguments.of("store lost: reset", lost, Port.MASTER, false, M, Fate.CLOSE),
        Arguments.of("read-only on a standby still fit: keep", fenced, Port.READ_ONLY, false, S1, Fate.KEEP),
        Arguments.of("read-only on a standby no longer fit: reset", toM, Port.READ_ONLY, false, S3, Fate.CLOSE),
        Arguments.of("read-only fallback on the master: keep", toM, Port.READ_ONLY, false, M, Fate.KEEP),
        Arguments.of("read-only strict on the master: reset", toM, Port.READ_ONLY, true, M, Fate.CLOSE),
        Arguments.of("read-only on a standby, store lost: reset", lost, Port.READ_ONLY, false, S1, Fate.CLOSE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fateCases")
  void fate(String name, Route route, Port port, boolean strict, Backend backend, Fate expected) {
    assertEquals(expected, Routing.fate(route, port, strict, backend));
  }
}
