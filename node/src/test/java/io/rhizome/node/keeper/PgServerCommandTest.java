package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How PgServer runs commands, seen through stand-in scripts in place of the PostgreSQL
 * binaries: what they get on their command line and environment, and what happens when they
 * hang. Runs as any user.
 */
class PgServerCommandTest {
  private static final String PASSWORD = "pa:ss\\word";
  @TempDir Path dir;

  private PgServer serverWith(String program, String script) throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path file = bin.resolve(program);
    Files.writeString(file, "#!/bin/sh\n" + script);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
    return new PgServer(new PgBinaries(bin, 15, "stand-in"), dir.resolve("data"),
        dir.resolve("log/postgres.log"));
  }

  private static ConnInfo source() {
    return ConnInfo.of("10.0.0.1", 5432, "repl", "postgres");
  }

  @Test
  void theBaseBackupPasswordTravelsInAPrivatePgpassFileThatIsDeletedAfterwards() throws Exception {
    Path seen = dir.resolve("seen");
    PgServer server = serverWith("pg_basebackup", "echo \"$@\" > " + seen + ".args\n"
        + "echo \"$PGPASSFILE\" > " + seen + ".passfile\n"
        + "stat -c %a \"$PGPASSFILE\" > " + seen + ".mode\n"
        + "cat \"$PGPASSFILE\" > " + seen + ".content\n"
        + "mkdir -p \"$2\" && chmod 755 \"$2\"\n");

    server.baseBackup(source(), PASSWORD, "standby_1", Duration.ofSeconds(10));

    String args = Files.readString(Path.of(seen + ".args"));
    assertFalse(args.contains("ss\\word"), "no password on the command line: " + args);
    assertTrue(args.contains("-S standby_1"), args);
    assertTrue(args.contains("-d host='10.0.0.1' port='5432' user='repl' dbname='postgres' -w"), args);
    assertEquals("600", Files.readString(Path.of(seen + ".mode")).strip());
    assertEquals("10.0.0.1:5432:*:repl:pa\\:ss\\\\word\n", Files.readString(Path.of(seen + ".content")));
    assertFalse(Files.exists(Path.of(Files.readString(Path.of(seen + ".passfile")).strip())),
        "the pgpass file is deleted afterwards");
    assertEquals("rwx------", PosixFilePermissions.toString(
        Files.getPosixFilePermissions(server.pgdata())));
  }

  @Test
  void aBaseBackupRefusesADataDirectoryThatHoldsAnything() throws Exception {
    PgServer server = serverWith("pg_basebackup", "exit 0\n");
    Files.createDirectories(server.pgdata());
    Files.writeString(server.pgdata().resolve("PG_VERSION"), "15\n");
    PgCommandException e = assertThrows(PgCommandException.class,
        () -> server.baseBackup(source(), PASSWORD, "s", Duration.ofSeconds(10)));
    assertTrue(e.getMessage().contains("is not empty"), e.getMessage());
    assertTrue(Files.exists(server.pgdata().resolve("PG_VERSION")), "nothing deleted");
  }

  @Test
  void aFailureQuotesTheLastOutputLinesButNeverThePassword() throws Exception {
    PgServer server = serverWith("pg_basebackup",
        "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo line $i; done\n"
            + "echo 'pg_basebackup: error: password authentication failed' >&2\nexit 3\n");
    PgCommandException e = assertThrows(PgCommandException.class,
        () -> server.baseBackup(source(), PASSWORD, "s", Duration.ofSeconds(10)));
    assertEquals(3, e.exitCode());
    assertTrue(e.getMessage().startsWith("pg_basebackup -D "), e.getMessage());
    assertTrue(e.getMessage().contains("exit code 3"), e.getMessage());
    assertTrue(e.getMessage().contains("password authentication failed"), e.getMessage());
    assertFalse(e.outputTail().contains("line 1"), "only the last lines: " + e.outputTail());
    assertFalse(e.getMessage().contains(PASSWORD));
  }

  @Test
  void aCommandThatOverrunsItsTimeoutIsKilledWithItsChildren() throws Exception {
    Path childPid = dir.resolve("child.pid");
    PgServer server = serverWith("pg_basebackup",
        "sleep 300 &\necho $! > " + childPid + "\nwait\n");
    long before = System.nanoTime();
    PgCommandException e = assertThrows(PgCommandException.class,
        () -> server.baseBackup(source(), PASSWORD, "s", Duration.ofSeconds(2)));
    assertTrue(e.getMessage().contains("timed out after 2s"), e.getMessage());
    assertTrue(Duration.ofNanos(System.nanoTime() - before).compareTo(Duration.ofSeconds(20)) < 0);
    long pid = Long.parseLong(Files.readString(childPid).strip());
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
  }

  @Test
  void theCommandEnvironmentHoldsNoPgVariableButThePassfile() throws Exception {
    // A stray PGPASSWORD or PGHOST of the keeper's would change what the command does.
    Path env = dir.resolve("env");
    PgServer server = serverWith("pg_rewind", "env > " + env + "\n");
    Files.createDirectories(server.pgdata());
    Files.writeString(server.pgdata().resolve("PG_VERSION"), "15\n");
    server.rewind(source(), PASSWORD, Duration.ofSeconds(10));
    String vars = Files.readString(env);
    assertTrue(vars.lines().filter(l -> l.startsWith("PG")).allMatch(l -> l.startsWith("PGPASSFILE=")),
        vars);
  }
}
