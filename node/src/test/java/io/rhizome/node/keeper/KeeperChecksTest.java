package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.proto.cluster.Cluster;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.ClusterStatus;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.DbSpec;
import io.rhizome.proto.cluster.DbStatus;
import io.rhizome.proto.cluster.KeeperInfo;
import io.rhizome.proto.cluster.PostgresState;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The keeper's HTTP checks as a table: the keeper's state, the question, the answer and why. */
class KeeperChecksTest {
  static final long MASTER_POS = 10_000;

  /** A keeper with db {@code local} and the given PostgreSQL state, in a cluster whose master is m (at MASTER_POS). */
  static KeeperSnapshot keeper(String id, String local, PostgresState.Builder pg, boolean streaming) {
    Db master = Db.newBuilder().setUid("m").setGeneration(1)
        .setSpec(DbSpec.newBuilder().setKeeperId("k0").setRole(DbRole.MASTER))
        .setStatus(DbStatus.newBuilder().setXlogPos(MASTER_POS).setHealthy(true)
            .addAllStreamingStandbys(streaming ? java.util.List.of("s") : java.util.List.of()))
        .build();
    Db standby = Db.newBuilder().setUid("s").setGeneration(3)
        .setSpec(DbSpec.newBuilder().setKeeperId("k1").setRole(DbRole.STANDBY)).build();
    ClusterData cd = ClusterData.newBuilder()
        .setCluster(Cluster.newBuilder().setUid("c").setStatus(ClusterStatus.newBuilder().setMasterDbUid("m")))
        .putDbs("m", master).putDbs("s", standby).build();
    KeeperInfo info = KeeperInfo.newBuilder().setKeeperId(id).setClusterUid("c")
        .setPostgres(pg.setDbUid(local)).build();
    return KeeperSnapshot.of(info, Optional.of(cd));
  }

  static PostgresState.Builder up(boolean inRecovery, long pos) {
    return PostgresState.newBuilder().setRunning(true).setHealthy(true).setInRecovery(inRecovery).setXlogPos(pos)
        .setGeneration(3).setTimelineId(1);
  }

  static KeeperSnapshot master() {
    return keeper("k0", "m", up(false, MASTER_POS), true);
  }

  static KeeperSnapshot standby(long pos) {
    return keeper("k1", "s", up(true, pos), true);
  }

  static Stream<Arguments> table() {
    return Stream.of(
        // health: PostgreSQL answers a query
        Arguments.of("master is healthy", master(), "health", null, 200, "PostgreSQL is running"),
        Arguments.of("standby is healthy", standby(9_000), "health", null, 200, "PostgreSQL is running"),
        Arguments.of("stopped PostgreSQL", keeper("k1", "s", PostgresState.newBuilder(), true), "health", null,
            503, "not running"),
        Arguments.of("running but not answering", keeper("k1", "s", PostgresState.newBuilder().setRunning(true), true),
            "health", null, 503, "does not answer"),
        // primary: named master by the cluster data, primary, not fenced
        Arguments.of("master is primary", master(), "primary", null, 200, "master"),
        Arguments.of("standby is not primary", standby(9_000), "primary", null, 503, "does not name"),
        Arguments.of("old master still running as primary", keeper("k2", "old", up(false, 5), false), "primary", null,
            503, "does not name"),
        Arguments.of("named master still in recovery", keeper("k0", "m", up(true, 5), true), "primary", null,
            503, "still in recovery"),
        Arguments.of("fenced master", keeper("k0", "m", up(false, 5).setFenced(true), true), "primary", null,
            503, "fenced"),
        Arguments.of("master down", keeper("k0", "m", PostgresState.newBuilder(), true), "primary", null,
            503, "not running"),
        // replica: a healthy standby streaming from the master, within ?lag
        Arguments.of("streaming standby", standby(9_000), "replica", null, 200, "lag 1000 bytes"),
        Arguments.of("within lag", standby(9_000), "replica", 1000L, 200, "streaming"),
        Arguments.of("beyond lag", standby(9_000), "replica", 999L, 503, "lag 1000 bytes exceeds 999"),
        Arguments.of("master is not a replica", master(), "replica", null, 503, "role master"),
        Arguments.of("standby not streaming", keeper("k1", "s", up(true, 9_000), false), "replica", null,
            503, "not streaming"),
        Arguments.of("standby db not yet copied", keeper("k1", "", up(true, 9_000), true), "replica", null,
            503, "no standby db"),
        Arguments.of("promoted but not yet named master", keeper("k1", "s", up(false, 9_000), true), "replica", null,
            503, "not in recovery"),
        Arguments.of("standby down", keeper("k1", "s", PostgresState.newBuilder(), true), "replica", null,
            503, "not running"),
        Arguments.of("unassigned keeper", keeper("k9", "x", up(true, 1), false), "replica", 100L, 503,
            "role none"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void answers(String name, KeeperSnapshot s, String check, Long lag, int status, String why) {
    KeeperChecks.Verdict v = switch (check) {
      case "health" -> KeeperChecks.health(s);
      case "primary" -> KeeperChecks.primary(s);
      default -> KeeperChecks.replica(s, lag == null ? OptionalLong.empty() : OptionalLong.of(lag));
    };
    assertEquals(status, v.status(), v.reason());
    assertTrue(v.reason().contains(why), v.reason());
  }

  @ParameterizedTest(name = "lag={0}")
  @MethodSource("lags")
  void lagIsBytesOrASizeAsPatroniTakesIt(String text, long bytes) {
    assertEquals(OptionalLong.of(bytes), KeeperChecks.parseLag(text));
  }

  static Stream<Arguments> lags() {
    return Stream.of(Arguments.of("0", 0L), Arguments.of("1048576", 1_048_576L), Arguments.of("16kB", 16_384L),
        Arguments.of("64MB", 64L << 20), Arguments.of("1GB", 1L << 30), Arguments.of(" 5 ", 5L));
  }

  @ParameterizedTest(name = "lag={0}")
  @MethodSource("badLags")
  void aBadLagNamesTheValue(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeeperChecks.parseLag(text));
    assertTrue(e.getMessage().startsWith("lag=" + text), e.getMessage());
  }

  static Stream<String> badLags() {
    return Stream.of("-1", "lots", "1.5MB", "10PB", "99999999999999999999", "9999999999999GB");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void statusAgreesWithTheSnapshot(String name, KeeperSnapshot s, String check, Long lag, int status, String why) {
    var json = KeeperChecks.status(s);
    assertEquals(s.role(), json.get("role"));
    assertEquals(s.lagBytes(), json.get("lagBytes"));
    assertEquals(s.pg().getHealthy(), json.get("pgHealthy"));
  }
}
