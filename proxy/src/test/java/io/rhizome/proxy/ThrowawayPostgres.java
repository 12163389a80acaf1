package io.rhizome.proxy;

import static io.rhizome.testsupport.LoopbackPorts.freePort;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL 15 for proxy tests: its own data dir, a free loopback port, a socket dir it
 * owns, trust authentication on loopback. Nothing about HA: the proxy only needs somewhere to
 * send clients.
 */
final class ThrowawayPostgres implements AutoCloseable {
  static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
  final Path dir;
  final int port;

  private ThrowawayPostgres(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  static void assumeNotRoot() {
    assumeFalse("root".equals(System.getProperty("user.name")),
        "PostgreSQL refuses to run as root; run .ci/run or mvn as an unprivileged user");
  }

  static ThrowawayPostgres start(Path dir) throws IOException, InterruptedException {
    ThrowawayPostgres pg = new ThrowawayPostgres(dir, freePort());
    Files.createDirectories(dir.resolve("sock"));
    run(List.of(BIN.resolve("initdb").toString(), "-D", pg.data().toString(), "-U", "postgres",
        "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"), dir.resolve("initdb.log"));
    Files.writeString(pg.data().resolve("postgresql.auto.conf"),
        "listen_addresses = '127.0.0.1'\n"
            + "port = " + pg.port + "\n"
            + "unix_socket_directories = '" + dir.resolve("sock") + "'\n"
            + "fsync = off\nmax_connections = 200\n");
    run(List.of(BIN.resolve("pg_ctl").toString(), "-D", pg.data().toString(), "-w", "-t", "60",
        "-l", dir.resolve("postgres.log").toString(), "start"), dir.resolve("pg_ctl.log"));
    return pg;
  }

  Path data() {
    return dir.resolve("data");
  }

  Connection connect() throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
  }

  void execute(String sql) throws SQLException {
    try (Connection c = connect(); var st = c.createStatement()) {
      st.execute(sql);
    }
  }

  long count(String sql) throws SQLException {
    try (Connection c = connect(); var st = c.createStatement(); var rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static void run(List<String> command, Path log) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(command.get(0) + " did not finish in 120s; see " + log);
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": "
          + Files.readString(log));
    }
  }

  @Override
  public void close() {
    try {
      List<String> stop = new ArrayList<>(List.of(BIN.resolve("pg_ctl").toString(), "-D",
          data().toString(), "-m", "immediate", "-w", "-t", "60", "stop"));
      run(stop, dir.resolve("pg_ctl-stop.log"));
    } catch (IOException | InterruptedException e) {
      System.err.println("could not stop test PostgreSQL in " + dir + ": " + e.getMessage());
    }
  }
}
