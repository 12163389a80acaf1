package io.rhizome.node.keeper;

import static io.rhizome.testsupport.LoopbackPorts.freePort;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A throwaway PostgreSQL 15 for tests: its own directory, a free loopback port, a Unix socket
 * directory it owns (the default /var/run/postgresql is not writable for the test user), and
 * only the configuration the test needs. The real configuration renderers live elsewhere.
 */
final class TestPostgres {
  static final String SUPERUSER = "postgres";
  /** Quotes, colons, backslashes and spaces: exercises every escaping layer on the way. */
  static final String SU_PASSWORD = "s3cret pass:w'o\\rd";
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private static PgBinaries binaries;

  final String name;
  final Path dir;
  final int port;
  final PgServer server;
  private String standbyConfig = "";

  TestPostgres(Path root, String name) {
    this.name = name;
    this.dir = root.resolve(name);
    this.port = freePort();
    this.server = new PgServer(binaries(), dir.resolve("data"), dir.resolve("postgres.log"));
    try {
      Files.createDirectories(dir.resolve("sock"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void assumeNotRoot() {
    assumeFalse("root".equals(System.getProperty("user.name")),
        "PostgreSQL refuses to run as root; run .ci/run or mvn as an unprivileged user");
  }

  static synchronized PgBinaries binaries() {
    if (binaries == null) {
      binaries = PgBinaries.locate(Optional.empty(), Path.of("/usr/lib/postgresql"));
    }
    return binaries;
  }

  /** initdb, test configuration, start: a running primary. */
  TestPostgres initAndStart() throws IOException {
    Path pwfile = dir.resolve("su.password");
    Files.writeString(pwfile, SU_PASSWORD + "\n");
    Files.setPosixFilePermissions(pwfile, PosixFilePermissions.fromString("rw-------"));
    server.initdb(SUPERUSER, pwfile, null, null, TIMEOUT);
    configure();
    server.start(TIMEOUT);
    return this;
  }

  /** Makes this data directory a standby of {@code primary} through {@code slot}; then configure. */
  void follow(TestPostgres primary, String slot) throws IOException {
    // The walreceiver reads its password from a pgpass file, as the keeper's would.
    PgPassFile pass = PgPassFile.createIn(dir, primary.connInfo(), SU_PASSWORD);
    ConnInfo conninfo = primary.connInfo().withApplicationName(name)
        .withOption("passfile", pass.path().toString());
    standbyConfig = "primary_conninfo = " + confQuote(conninfo.conninfo()) + "\n"
        + "primary_slot_name = " + confQuote(slot) + "\n";
    Files.writeString(server.pgdata().resolve("standby.signal"), "");
    configure();
  }

  /**
   * (Re)writes postgresql.auto.conf, read after postgresql.conf so it wins. Call again after a
   * base backup or pg_rewind, which copy the source's files over ours.
   */
  void configure() throws IOException {
    Files.writeString(server.pgdata().resolve("postgresql.auto.conf"),
        "listen_addresses = '127.0.0.1'\n"
            + "port = " + port + "\n"
            + "unix_socket_directories = " + confQuote(dir.resolve("sock").toString()) + "\n"
            + "fsync = off\n"
            + standbyConfig);
  }

  ConnInfo connInfo() {
    return ConnInfo.of("127.0.0.1", port, SUPERUSER, "postgres");
  }

  PgSession session() throws SQLException {
    return PgSession.connect(connInfo(), SU_PASSWORD, REQUEST_TIMEOUT);
  }

  void execute(String sql) throws SQLException {
    try (PgSession s = session(); Statement st = s.connection().createStatement()) {
      st.execute(sql);
    }
  }

  List<String> column(String sql) throws SQLException {
    List<String> values = new ArrayList<>();
    try (PgSession s = session(); Statement st = s.connection().createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        values.add(rs.getString(1));
      }
    }
    return values;
  }

  /** For @AfterEach: never throws, so one failure does not leave other servers running. */
  void stopImmediately() {
    try {
      server.stop(PgServer.StopMode.IMMEDIATE, TIMEOUT);
    } catch (RuntimeException e) {
      System.err.println("could not stop test PostgreSQL " + name + ": " + e.getMessage());
    }
  }

  /** postgresql.conf string: single quotes doubled, backslashes escaped. */
  static String confQuote(String value) {
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
  }

}
