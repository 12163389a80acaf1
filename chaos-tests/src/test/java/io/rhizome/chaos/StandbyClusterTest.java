package io.rhizome.chaos;

import static io.rhizome.chaos.FailoverTest.SU_PASSWORD;
import static io.rhizome.chaos.FailoverTest.clusterData;
import static io.rhizome.testsupport.LoopbackPorts.freePort;
import static io.rhizome.chaos.FailoverTest.queryOrNull;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.rhizome.cluster.ClusterKeys;
import io.rhizome.node.keeper.PgBinaries;
import io.rhizome.node.keeper.PgServer;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.FollowConfig;
import io.rhizome.store.StoreClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A standby cluster (stolon's TestInitStandbyCluster and TestPromoteStandbyCluster): a plain
 * PostgreSQL outside the cluster is the primary; `rhizomectl init` with role standby copies it to
 * one keeper, the other cascades from that one; both replay what the external primary writes.
 * Then `rhizomectl promote --yes` makes the head a writable master the other keeper follows.
 */
class StandbyClusterTest {
  static final String CLUSTER = "sc";
  static final Duration CONVERGE = Duration.ofSeconds(120);
  static final Duration PG_TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path tmp;
  final OwnedProcesses owned = new OwnedProcesses();

  @AfterEach
  void stopAll() throws Exception {
    owned.closeAndPrintLogs(tmp);
  }

  @Test
  void aStandbyClusterFollowsAnExternalPrimaryAndIsPromoted() throws Exception {
    assumeFalse("root".equals(System.getProperty("user.name")),
        "PostgreSQL refuses to run as root; run .ci/run or mvn as an unprivileged user");
    int externalPort = freePort();
    PgServer external = externalPrimary(externalPort);
    // the keepers log in to their PostgreSQL with these roles: on a standby they come from the primary
    sql(externalPort, "CREATE ROLE repluser WITH LOGIN REPLICATION PASSWORD 'repl-secret'");
    sql(externalPort, "CREATE TABLE t (id int PRIMARY KEY)");
    sql(externalPort, "INSERT INTO t SELECT generate_series(1, 100)");

    SentinelQuorum quorum = SentinelQuorum.start(CLUSTER, tmp);
    owned.add(quorum);
    String endpoints = quorum.endpoints();
    StoreClient store = quorum.store();
    ClusterKeys keys = new ClusterKeys(CLUSTER);
    Path su = SecretFiles.write(tmp, "su", SU_PASSWORD);
    Path repl = SecretFiles.write(tmp, "repl", "repl-secret");
    KeeperProcess k0 = new KeeperProcess(CLUSTER, "k0", tmp, endpoints, freePort(), su, repl);
    KeeperProcess k1 = new KeeperProcess(CLUSTER, "k1", tmp, endpoints, freePort(), su, repl);
    owned.add(k0);
    owned.add(k1);
    k0.start();
    k1.start();

    Path spec = tmp.resolve("spec.json");
    Files.writeString(spec, "{\"initMode\": \"new\", \"role\": \"standby\", \"standbyConfig\": {\"standbySettings\": "
        + "{\"primaryConninfo\": \"host=127.0.0.1 port=" + externalPort + " user=repluser password=repl-secret\"}}}");
    await().atMost(CONVERGE).ignoreExceptions()
        .until(() -> Rhizomectl.run(CLUSTER, endpoints, "init", "--file", spec.toString()).startsWith("initialised cluster"));

    // both keepers replay the external primary: the head directly, the other through the head
    await().atMost(CONVERGE).ignoreExceptions().until(() -> "100".equals(queryOrNull(k0, "SELECT count(*) FROM t"))
        && "100".equals(queryOrNull(k1, "SELECT count(*) FROM t")));
    sql(externalPort, "INSERT INTO t VALUES (101)");
    await().atMost(CONVERGE).ignoreExceptions().until(() -> "101".equals(queryOrNull(k0, "SELECT count(*) FROM t"))
        && "101".equals(queryOrNull(k1, "SELECT count(*) FROM t")));
    ClusterData cd = clusterData(store, keys);
    Db head = cd.getDbsOrThrow(cd.getCluster().getStatus().getMasterDbUid());
    assertEquals(FollowConfig.Type.EXTERNAL, head.getSpec().getFollowConfig().getType());
    assertEquals(head.getUid(), cd.getProxy().getSpec().getMasterDbUid(), "proxies route to the head");
    KeeperProcess headKeeper = head.getSpec().getKeeperId().equals("k0") ? k0 : k1;
    KeeperProcess other = headKeeper == k0 ? k1 : k0;
    assertEquals("t", queryOrNull(headKeeper, "SELECT pg_is_in_recovery()"));
    assertEquals("t", queryOrNull(other, "SELECT pg_is_in_recovery()"));
    Db cascading = cd.getDbsMap().values().stream().filter(d -> d.getSpec().getKeeperId().equals(other.id))
        .findFirst().orElseThrow();
    assertEquals(head.getUid(), cascading.getSpec().getFollowConfig().getDbUid());

    // the switchover of a primary cluster makes no sense here, and says so
    String refusal = Rhizomectl.runExpectingFailure(CLUSTER, endpoints, "switchover", "--timeout", "10s");
    assertTrue(refusal.contains("this is a standby cluster"), refusal);

    // disaster recovery: the external primary is gone; promote
    external.stop(PgServer.StopMode.FAST, PG_TIMEOUT);
    String promoted = Rhizomectl.run(CLUSTER, endpoints, "promote", "--yes", "--timeout", "60s");
    assertTrue(promoted.startsWith("promoted: db " + head.getUid() + " on keeper " + headKeeper.id), promoted);
    assertEquals("f", queryOrNull(headKeeper, "SELECT pg_is_in_recovery()"));
    FailoverTest.execute(headKeeper, "INSERT INTO t VALUES (102)");
    await().atMost(CONVERGE).ignoreExceptions().until(() -> "102".equals(queryOrNull(other, "SELECT count(*) FROM t")));
    ClusterData after = clusterData(store, keys);
    assertEquals(DbRole.MASTER, after.getDbsOrThrow(head.getUid()).getSpec().getRole());
    assertEquals(0, after.getHistoryCount(), "a promotion is not a failover");
  }

  private PgServer externalPrimary(int port) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("external"));
    PgServer pg = new PgServer(PgBinaries.locate(Optional.empty(), Path.of("/usr/lib/postgresql")),
        dir.resolve("data"), dir.resolve("postgres.log"));
    pg.initdb("postgres", SecretFiles.write(tmp, "external-su", SU_PASSWORD), null, null, PG_TIMEOUT);
    Files.writeString(pg.pgdata().resolve("postgresql.auto.conf"), "listen_addresses = '127.0.0.1'\nport = " + port
        + "\nunix_socket_directories = '" + dir + "'\nfsync = off\n");
    pg.start(PG_TIMEOUT);
    owned.add(() -> {
      if (pg.isRunning()) {
        pg.stop(PgServer.StopMode.IMMEDIATE, PG_TIMEOUT);
      }
    });
    return pg;
  }

  private static void sql(int port, String statement) throws Exception {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("password", SU_PASSWORD);
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
        Statement st = c.createStatement()) {
      st.execute(statement);
    }
  }

}
