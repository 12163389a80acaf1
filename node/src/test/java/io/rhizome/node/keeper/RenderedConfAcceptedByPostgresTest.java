package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.rhizome.node.keeper.ManagedParameters.ParameterInputs;
import io.rhizome.node.keeper.ManagedParameters.Recovery;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real PostgreSQL reads the rendered postgresql.conf: {@code postgres -C name} loads and checks
 * the whole file (quoting, every managed name, synchronous_standby_names' syntax) and prints one
 * value without starting a server.
 */
class RenderedConfAcceptedByPostgresTest {
  @TempDir static Path dataDir;
  static PgBinaries pg;

  private static final String TRICKY = "it's a \\ 'test' with ünïcödé, # and \"quotes\"";
  /** application_name and cluster_name are ASCII only: PostgreSQL turns other bytes into '?'. */
  private static final String TRICKY_ASCII = "it's a \\ 'test', # and \"quotes\"";

  @BeforeAll
  static void initdb() throws Exception {
    assumeFalse("root".equals(System.getProperty("user.name")),
        "PostgreSQL refuses to run as root; run .ci/run or mvn as an unprivileged user");
    pg = PgBinaries.locate(Optional.empty(), Path.of("/usr/lib/postgresql"));
    run(List.of(pg.binary("initdb").toString(), "-D", dataDir.toString(), "--no-sync",
        "-E", "UTF8", "--locale=C.UTF-8", "-U", "postgres", "-A", "trust"));
  }

  @Test
  void postgresAcceptsTheRenderedFileAndReadsBackEveryValue() throws Exception {
    String syncNames = SynchronousStandbyNames.render(List.of("1f3a9c", "db2"), List.of("ph"));
    ParameterInputs in = new ParameterInputs("127.0.0.1", 5999, dataDir, true, 2, 1, 1,
        syncNames,
        Map.of("Log_Line_Prefix", TRICKY, "application_name", TRICKY_ASCII, "cluster_name", "",
            "wal_level", "logical", "work_mem", "8MB"),
        Optional.of(new Recovery("host=10.0.0.1 port=5432 user='repl' application_name=db2",
            "rhizome_db2", "0")),
        true, pg.majorVersion());
    SortedMap<String, String> params = ManagedParameters.compute(in).parameters();
    Files.writeString(dataDir.resolve("postgresql.conf"), PgConfFile.render(params),
        StandardCharsets.UTF_8);

    assertEquals(TRICKY, show("log_line_prefix"));
    assertEquals(TRICKY_ASCII, show("application_name"));
    assertEquals("", show("cluster_name"));
    assertEquals(syncNames, show("synchronous_standby_names"));
    assertEquals("host=10.0.0.1 port=5432 user='repl' application_name=db2",
        show("primary_conninfo"));
    assertEquals("logical", show("wal_level"));
    assertEquals("8", show("max_wal_senders")); // 2*2 + 3 + 1
    assertEquals("on", show("default_transaction_read_only"));
    assertEquals(dataDir.toString(), show("unix_socket_directories"));
  }

  private static String show(String name) throws Exception {
    String out = run(List.of(pg.binary("postgres").toString(), "-C", name, "-D", dataDir.toString()));
    return out.endsWith("\n") ? out.substring(0, out.length() - 1) : out;
  }

  private static String run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.PIPE).start();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " failed: "
          + new String(err, StandardCharsets.UTF_8));
    }
    return new String(out, StandardCharsets.UTF_8);
  }
}
