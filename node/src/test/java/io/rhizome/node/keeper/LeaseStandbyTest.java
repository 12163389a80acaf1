package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.rhizome.proto.cluster.Cluster;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.ClusterStatus;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.DbSpec;
import io.rhizome.proto.cluster.Failover;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commit lease against a real PostgreSQL 15 listing the lease standby in
 * synchronous_standby_names: a client's commit is acknowledged only while the lease is held, and
 * a commit that waited through a lapse is acknowledged when it comes back, also on an idle master.
 */
class LeaseStandbyTest {
  /** Long: nothing renews the lease here but the test, and a loaded machine may take seconds to connect. */
  static final Duration TERM = Duration.ofSeconds(60);
  static final Duration ACKED = Duration.ofSeconds(10);
  /** How long a commit must stay unacknowledged to count as held back. */
  static final Duration HELD_BACK = Duration.ofMillis(800);

  @TempDir Path root;
  private TestPostgres pg;
  private final CommitLease lease = new CommitLease();
  private final AtomicReference<Duration> term = new AtomicReference<>(TERM);
  private LeaseStandby standby;
  private final ExecutorService clients = Executors.newCachedThreadPool();
  private final List<TestPostgres> others = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    TestPostgres.assumeNotRoot();
    pg = new TestPostgres(root, "m").initAndStart();
    pg.execute("CREATE TABLE t (v int)");
    pg.execute("ALTER SYSTEM SET synchronous_standby_names = '\"" + LeaseStandby.NAME + "\"'");
    pg.execute("SELECT pg_reload_conf()");
    standby = new LeaseStandby(pg.connInfo(), TestPostgres.SU_PASSWORD, pg.connInfo(), TestPostgres.SU_PASSWORD,
        Duration.ofSeconds(10), lease, term::get, () -> true, () -> true);
  }

  @AfterEach
  void stop() {
    clients.shutdownNow();
    if (standby != null) {
      standby.close();
    }
    if (pg != null) {
      pg.stopImmediately();
    }
    others.forEach(TestPostgres::stopImmediately);
  }

  static ClusterData named(boolean deposed) {
    ClusterStatus.Builder status = ClusterStatus.newBuilder().setMasterDbUid("m");
    if (deposed) {
      status.setFailover(Failover.newBuilder().setOldMasterDbUid("m").setStartedAtMillis(1));
    }
    return ClusterData.newBuilder().setCluster(Cluster.newBuilder().setStatus(status))
        .putDbs("m", Db.newBuilder().setUid("m").setSpec(DbSpec.newBuilder().setRole(DbRole.MASTER)).build())
        .build();
  }

  private void grant() {
    long now = System.nanoTime();
    lease.published(now);
    lease.read(now, named(false), "m");
  }

  private void depose() {
    lease.read(System.nanoTime(), named(true), "m");
  }

  /** A client of its own, as an application connected to this PostgreSQL directly. */
  private Future<Integer> insert(int v, String synchronousCommit) {
    return insert(pg, v, synchronousCommit);
  }

  private Future<Integer> insert(TestPostgres into, int v, String synchronousCommit) {
    return clients.submit(() -> {
      Properties p = new Properties();
      p.setProperty("user", TestPostgres.SUPERUSER);
      p.setProperty("password", TestPostgres.SU_PASSWORD);
      try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + into.port + "/postgres", p);
          Statement st = c.createStatement()) {
        st.execute("SET synchronous_commit = " + synchronousCommit);
        return st.executeUpdate("INSERT INTO t VALUES (" + v + ")");
      }
    });
  }

  private static void assertHeldBack(Future<Integer> commit, String why) {
    assertThrows(TimeoutException.class, () -> commit.get(HELD_BACK.toMillis(), TimeUnit.MILLISECONDS), why);
  }

  @Test
  void commitsAreAcknowledgedOnlyWhileTheLeaseIsHeld() throws Exception {
    grant();
    standby.start();
    assertEquals(1, insert(1, "on").get(ACKED.toSeconds(), TimeUnit.SECONDS), "held lease: acknowledged");

    depose();
    Future<Integer> on = insert(2, "on");
    Future<Integer> remoteWrite = insert(3, "remote_write");
    Future<Integer> remoteApply = insert(4, "remote_apply");
    assertHeldBack(on, "acknowledged by a deposed master");
    assertHeldBack(remoteWrite, "remote_write acknowledged by a deposed master");
    assertHeldBack(remoteApply, "remote_apply acknowledged by a deposed master");

    // the failover was cancelled: the next read names it master again, with no new WAL coming
    grant();
    assertEquals(1, on.get(ACKED.toSeconds(), TimeUnit.SECONDS), "on: not acknowledged once the lease was back");
    assertEquals(1, remoteWrite.get(ACKED.toSeconds(), TimeUnit.SECONDS), "remote_write: not acknowledged once the lease was back");
    assertEquals(1, remoteApply.get(ACKED.toSeconds(), TimeUnit.SECONDS), "remote_apply: not acknowledged once the lease was back");
    assertEquals(1, insert(5, "on").get(ACKED.toSeconds(), TimeUnit.SECONDS));
  }

  @Test
  void aLeaseThatIsNotRenewedRunsOutAfterItsTerm() throws Exception {
    grant();
    standby.start();
    assertEquals(1, insert(1, "on").get(ACKED.toSeconds(), TimeUnit.SECONDS));
    term.set(Duration.ofNanos(1)); // as if a term had passed since the last renewing read
    Future<Integer> late = insert(2, "on");
    assertHeldBack(late, "acknowledged after the lease ran out");
    term.set(TERM);
    grant();
    assertEquals(1, late.get(ACKED.toSeconds(), TimeUnit.SECONDS));
  }

  @Test
  void aDeadKeeperConfirmsNothing() throws Exception {
    grant();
    standby.start();
    assertEquals(1, insert(1, "on").get(ACKED.toSeconds(), TimeUnit.SECONDS));
    standby.close(); // the keeper is gone; PostgreSQL runs on
    standby = null;
    assertHeldBack(insert(2, "on"), "acknowledged without a keeper");
  }

  /**
   * A lease stream of an earlier keeper (hung, or killed with its socket not yet closed) still
   * holds a walsender named rhizome_lease that confirms nothing. PostgreSQL prefers it, the older
   * one: the new stream ends it, or commits would wait for ever.
   */
  @Test
  void aStaleLeaseWalsenderIsEndedSoThatCommitsAreConfirmed() throws Exception {
    try (Connection stale = PgSession.openStreaming(pg.connInfo(), TestPostgres.SU_PASSWORD, Duration.ofSeconds(10),
        LeaseStandby.NAME)) {
      long at;
      try (Statement st = stale.createStatement(); var rs = st.executeQuery("IDENTIFY_SYSTEM")) {
        rs.next();
        at = PgSession.parseLsn(rs.getString("xlogpos"));
      }
      stale.unwrap(org.postgresql.PGConnection.class).getCopyAPI()
          .copyDual("START_REPLICATION PHYSICAL " + ReplicationMessages.lsn(at));
      assertHeldBack(insert(1, "on"), "acknowledged with only a silent lease walsender");
      grant();
      standby.start();
      assertEquals(1, insert(2, "on").get(ACKED.toSeconds(), TimeUnit.SECONDS), "the stale walsender held it up");
      assertEquals(List.of("1"), pg.column("SELECT count(*) FROM pg_stat_replication WHERE application_name = '"
          + LeaseStandby.NAME + "'"));
    }
  }

  /**
   * The logins are made while PostgreSQL is a standby and serve after its promotion: a walsender
   * decides whether it cascades (and a cascading one is never synchronous) when it is asked to
   * stream, not when it logs in.
   */
  @Test
  void aLoginMadeWhileAStandbyConfirmsCommitsAfterThePromotion() throws Exception {
    TestPostgres a = new TestPostgres(root, "a").initAndStart();
    others.add(a);
    a.execute("CREATE TABLE t (v int)");
    try (PgSession s = a.session()) {
      s.createPhysicalSlot("b");
    }
    TestPostgres b = new TestPostgres(root, "b");
    others.add(b);
    b.server.baseBackup(a.connInfo().withApplicationName("b_basebackup"), TestPostgres.SU_PASSWORD, "b",
        TestPostgres.TIMEOUT);
    b.follow(a, "b");
    Files.writeString(b.server.pgdata().resolve("postgresql.conf"),
        "\nsynchronous_standby_names = '\"" + LeaseStandby.NAME + "\"'\n", StandardOpenOption.APPEND);
    b.server.start(TestPostgres.TIMEOUT);
    AtomicBoolean promoted = new AtomicBoolean();
    standby.close();
    standby = new LeaseStandby(b.connInfo(), TestPostgres.SU_PASSWORD, b.connInfo(), TestPostgres.SU_PASSWORD,
        Duration.ofSeconds(10), lease, term::get, promoted::get, () -> true);
    grant();
    standby.start();
    String leaseSender = "SELECT pid || ' ' || sync_state FROM pg_stat_replication WHERE application_name = '"
        + LeaseStandby.NAME + "'";
    List<String> loggedInAhead = await("the lease login on the standby").atMost(ACKED).ignoreExceptions()
        .until(() -> b.column(leaseSender), l -> l.size() == 1);
    String pid = loggedInAhead.get(0).split(" ")[0];

    b.server.promote(TestPostgres.TIMEOUT);
    promoted.set(true);
    standby.wake();
    assertEquals(1, insert(b, 1, "on").get(ACKED.toSeconds(), TimeUnit.SECONDS), "not confirmed after the promotion");
    assertEquals(List.of(pid + " sync"), b.column(leaseSender), "not the login made ahead, or not synchronous");
  }

  /** PostgreSQL restarted after the logins were made: they are made again, and commits are confirmed. */
  @Test
  void loginsEndedByARestartAreMadeAgain() throws Exception {
    depose();
    standby.start();
    await("the lease login").atMost(ACKED).ignoreExceptions().until(() -> pg.column(
        "SELECT pid FROM pg_stat_replication WHERE application_name = '" + LeaseStandby.NAME + "'").size() == 1);
    pg.server.stop(PgServer.StopMode.FAST, TestPostgres.TIMEOUT);
    pg.server.start(TestPostgres.TIMEOUT);
    grant();
    assertEquals(1, insert(1, "on").get(ACKED.toSeconds(), TimeUnit.SECONDS), "not confirmed after the restart");
  }

  @Test
  void theKeepersOwnSessionsDoNotWaitForIt() throws Exception {
    depose();
    standby.start();
    // roles and passwords are set while nothing may confirm them yet (initdb, adoption)
    pg.execute("CREATE ROLE keeper_made");
    assertEquals(1, pg.column("SELECT 1 FROM pg_roles WHERE rolname = 'keeper_made'").size());
  }
}
