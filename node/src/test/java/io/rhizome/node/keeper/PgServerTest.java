package io.rhizome.node.keeper;

import static io.rhizome.node.keeper.TestPostgres.SU_PASSWORD;
import static io.rhizome.node.keeper.TestPostgres.TIMEOUT;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.node.keeper.PgServer.ControlData;
import io.rhizome.node.keeper.PgServer.StopMode;
import io.rhizome.node.keeper.PgSession.Probe;
import io.rhizome.node.keeper.PgSession.RoleChange;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One real PostgreSQL 15 per test, driven through PgServer and PgSession. */
class PgServerTest {
  @TempDir Path root;
  private final List<TestPostgres> started = new ArrayList<>();

  @BeforeEach
  void notRoot() {
    TestPostgres.assumeNotRoot();
  }

  @AfterEach
  void stopAll() {
    started.forEach(TestPostgres::stopImmediately);
  }

  private TestPostgres postgres(String name) {
    TestPostgres pg = new TestPostgres(root, name);
    started.add(pg);
    return pg;
  }

  @Test
  void initdbStartProbeStop() throws Exception {
    TestPostgres pg = postgres("a").initAndStart();
    PgServer server = pg.server;

    assertTrue(server.isInitialized());
    assertTrue(server.isRunning());
    assertTrue(server.postmasterPid().isPresent());
    assertEquals(15, server.dataDirMajorVersion());
    ControlData control = server.controlData();
    assertEquals("in production", control.clusterState());
    assertEquals(PgServer.DB_IN_PRODUCTION, server.controlFileState(), "the promotion wait reads this field");
    assertTrue(control.dataChecksumsEnabled(), "initdb always enables data checksums");

    try (PgSession session = pg.session()) {
      Probe probe = session.probe();
      assertFalse(probe.inRecovery());
      assertTrue(probe.serverVersionNum() >= 150000, "version " + probe.serverVersionNum());
      assertNotEquals(0, probe.systemIdentifier());
      assertEquals(control.systemIdentifier(), probe.systemIdentifier());
      assertTrue(probe.currentLsn() > 0);
      assertEquals(0, probe.receiveLsn(), "a primary receives no WAL");
      assertEquals("", probe.synchronousStandbyNames());
      assertEquals(List.of(), probe.fileSettingErrors());
      assertEquals(List.of(), probe.replication());
      assertTrue(probe.walReceiver().isEmpty());

      PgSession.IdentifySystem id = session.identifySystem();
      assertEquals(control.systemIdentifier(), id.systemId());
      assertEquals(1, id.timeline());
      assertTrue(id.xlogPos() > 0);
      assertEquals(List.of(), session.timelineHistory(1));
      assertEquals(id, session.identifySystem(), "the kept replication connection answers again");
      session.checkpoint();
    }

    server.reload();
    long pid = server.postmasterPid().getAsLong();
    server.restart(StopMode.FAST, TIMEOUT);
    assertNotEquals(pid, server.postmasterPid().getAsLong(), "a new postmaster after restart");

    server.stop(StopMode.FAST, TIMEOUT);
    assertFalse(server.isRunning());
    assertEquals("shut down", server.controlData().clusterState());
    assertEquals(1, server.controlFileState(), "DB_SHUTDOWNED, as pg_controldata says");
    assertTrue(server.controlData().shutDownCleanly());
    server.stop(StopMode.FAST, TIMEOUT); // stopping a stopped server is a no-op
  }

  @Test
  void aSettingThatNeedsARestartIsPendingAndABadLineIsAFileSettingError() throws Exception {
    TestPostgres pg = postgres("a").initAndStart();
    Path conf = pg.server.pgdata().resolve("postgresql.conf");
    Files.writeString(conf, "max_connections = 50\n", StandardOpenOption.APPEND);
    pg.server.reload();
    try (PgSession session = pg.session()) {
      // A reload is asynchronous: the postmaster re-reads the files when it gets SIGHUP.
      await().atMost(Duration.ofSeconds(10))
          .until(() -> session.probe().pendingRestartParameters().equals(List.of("max_connections")));
      assertEquals(List.of(), session.probe().fileSettingErrors());

      // pg_file_settings parses the files when queried: no reload needed to see the error.
      // (A reload would apply nothing at all while any line is in error.)
      Files.writeString(conf, "not_a_setting_at_all = 1\n", StandardOpenOption.APPEND);
      List<PgSession.FileSettingError> errors = session.probe().fileSettingErrors();
      assertEquals(1, errors.size(), errors.toString());
      assertEquals("not_a_setting_at_all", errors.get(0).name());
      assertEquals(conf.toString(), errors.get(0).sourceFile());
      assertEquals("unrecognized configuration parameter", errors.get(0).error());
    }
  }

  @Test
  void aStalePostmasterPidIsNotRunning() throws Exception {
    TestPostgres pg = postgres("a").initAndStart();
    pg.server.stop(StopMode.FAST, TIMEOUT);
    Path pidFile = pg.server.pgdata().resolve("postmaster.pid");

    Process gone = new ProcessBuilder("true").start();
    assertTrue(gone.waitFor(10, TimeUnit.SECONDS));
    Files.writeString(pidFile, gone.pid() + "\n" + pg.server.pgdata() + "\n");
    assertFalse(pg.server.isRunning(), "a dead pid");

    // After a reboot the pid may belong to some other program, even to us.
    Files.writeString(pidFile, ProcessHandle.current().pid() + "\n" + pg.server.pgdata() + "\n");
    assertFalse(pg.server.isRunning(), "a live pid that is not postgres");

    Files.writeString(pidFile, gone.pid() + "\n" + pg.server.pgdata() + "\n");
    pg.server.start(TIMEOUT);
    assertTrue(pg.server.isRunning(), "PostgreSQL starts over a stale pid file");
  }

  @Test
  void ensureRoleCreatesALoginRoleThatCanConnectWithItsPassword() throws Exception {
    TestPostgres pg = postgres("a").initAndStart();
    String role = "app \"user\"";
    String password = "it's a: \\secret";
    try (PgSession session = pg.session()) {
      assertEquals(RoleChange.CREATED, session.ensureRole(role, password, false, true));
      assertEquals(RoleChange.UNCHANGED, session.ensureRole(role, password, false, true),
          "the stored SCRAM verifier matches: nothing to do");
    }
    ConnInfo asRole = ConnInfo.of("127.0.0.1", pg.port, role, "postgres");
    try (PgSession s = PgSession.connect(asRole, password, Duration.ofSeconds(10));
        Statement st = s.connection().createStatement();
        ResultSet rs = st.executeQuery("SELECT current_user, rolreplication, rolsuper"
            + " FROM pg_roles WHERE rolname = current_user")) {
      assertTrue(rs.next());
      assertEquals(role, rs.getString(1));
      assertTrue(rs.getBoolean(2));
      assertFalse(rs.getBoolean(3));
    }

    try (PgSession session = pg.session()) {
      assertEquals(RoleChange.UPDATED, session.ensureRole(role, "new password", true, true));
    }
    SQLException refused = assertThrows(SQLException.class,
        () -> PgSession.connect(asRole, password, Duration.ofSeconds(10)).close());
    assertEquals("28P01", refused.getSQLState(), "the old password no longer works");
    PgSession.connect(asRole, "new password", Duration.ofSeconds(10)).close();
  }

  @Test
  void aFailedCommandNamesTheCommandAndItsExitCode() {
    TestPostgres pg = postgres("a");
    PgCommandException e = assertThrows(PgCommandException.class, () -> pg.server.start(TIMEOUT));
    assertEquals(1, e.exitCode());
    assertTrue(e.getMessage().startsWith("pg_ctl start -w"), e.getMessage());
    assertTrue(e.getMessage().contains("exit code 1"), e.getMessage());
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }

  @Test
  void initdbRefusesAnInitializedDataDirAndWipeRefusesARunningOne() throws Exception {
    TestPostgres pg = postgres("a").initAndStart();
    Path pwfile = Files.writeString(root.resolve("pw"), SU_PASSWORD);
    assertThrows(PgCommandException.class,
        () -> pg.server.initdb("postgres", pwfile, null, null, TIMEOUT));
    assertThrows(PgCommandException.class, pg.server::wipeDataDir);

    pg.server.stop(StopMode.IMMEDIATE, TIMEOUT);
    pg.server.wipeDataDir();
    assertFalse(Files.exists(pg.server.pgdata()));
    assertFalse(pg.server.isInitialized());
  }
}
