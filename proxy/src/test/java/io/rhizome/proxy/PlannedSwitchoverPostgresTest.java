package io.rhizome.proxy;

import static io.rhizome.proxy.Clusters.cluster;
import static io.rhizome.proxy.Clusters.db;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.DbRole;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real PostgreSQL behind the proxy: pgbench opening a connection per transaction (-C) runs
 * across a planned switchover without a single failed transaction, because new connections
 * are held while there is no master and open ones finish before the fence is acknowledged.
 */
class PlannedSwitchoverPostgresTest {
  @TempDir Path tmp;

  static ClusterData routed(long gen, String master, boolean planned, ThrowawayPostgres pg1,
      ThrowawayPostgres pg2) {
    return cluster(gen, master, planned)
        .putDbs("pg1", db("pg1", master.equals("pg1") ? DbRole.MASTER : DbRole.STANDBY, "127.0.0.1", pg1.port, 0))
        .putDbs("pg2", db("pg2", master.equals("pg2") ? DbRole.MASTER : DbRole.STANDBY, "127.0.0.1", pg2.port, 0))
        .build();
  }

  @Test
  void pgbenchWithAConnectionPerTransactionRunsAcrossAPlannedSwitchoverWithoutFailures()
      throws Exception {
    ThrowawayPostgres.assumeNotRoot();
    try (ThrowawayPostgres pg1 = ThrowawayPostgres.start(tmp.resolve("pg1"));
        ThrowawayPostgres pg2 = ThrowawayPostgres.start(tmp.resolve("pg2"));
        TestStore store = new TestStore(tmp.resolve("store"))) {
      for (ThrowawayPostgres pg : List.of(pg1, pg2)) {
        pg.execute("CREATE TABLE hits (n int)");
      }
      store.write(routed(1, "pg1", false, pg1, pg2));
      try (Proxy proxy = Proxy.start(store.proxySettings("p1", false))) {
        await().atMost(Duration.ofSeconds(30)).until(() -> store.proxyGeneration("p1") == 1);
        Path script = tmp.resolve("hit.sql");
        Files.writeString(script, "INSERT INTO hits VALUES (1);\n");
        Path out = tmp.resolve("pgbench.out");
        // one pgbench thread per client: a pgbench thread blocks while one of its clients
        // connects, so with two clients per thread a held connect would stall the other
        // client's open transaction past the drain timeout
        Process pgbench = new ProcessBuilder(ThrowawayPostgres.BIN.resolve("pgbench").toString(),
            "-n", "-C", "-c", "4", "-j", "4", "-T", "8", "-f", script.toString(),
            "-h", "127.0.0.1", "-p", Integer.toString(proxy.engine().address(Port.MASTER).getPort()),
            "-U", "postgres", "postgres")
            .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
          await().atMost(Duration.ofSeconds(30)).until(() -> pg1.count("SELECT count(*) FROM hits") > 50);
          // the controller's planned switchover: fence with planned set, wait for the proxies'
          // acknowledgement, promote (here: a pause), route to the new master
          store.write(routed(2, "", true, pg1, pg2));
          await().atMost(Duration.ofSeconds(10)).until(() -> store.proxyGeneration("p1") == 2);
          await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> true);
          store.write(routed(3, "pg2", false, pg1, pg2));
          await().atMost(Duration.ofSeconds(10)).until(() -> store.proxyGeneration("p1") == 3);
          assertTrue(pgbench.waitFor(60, TimeUnit.SECONDS), "pgbench did not finish");
        } finally {
          pgbench.destroyForcibly();
        }
        String report = Files.readString(out);
        System.out.println(report + "\nproxy counters: " + proxy.engine().counters());
        assertEquals(0, pgbench.exitValue(), report);
        assertFalse(report.contains("aborted"), report);
        Matcher failed = Pattern.compile("number of failed transactions: (\\d+)").matcher(report);
        assertTrue(failed.find() && failed.group(1).equals("0"), report);
        Matcher done = Pattern.compile("number of transactions actually processed: (\\d+)").matcher(report);
        assertTrue(done.find(), report);
        long onPg1 = pg1.count("SELECT count(*) FROM hits");
        long onPg2 = pg2.count("SELECT count(*) FROM hits");
        assertTrue(onPg2 > 0, "nothing reached the new master");
        assertEquals(Long.parseLong(done.group(1)), onPg1 + onPg2, report);
        assertTrue(proxy.engine().counters().get("held") > 0, "no connection was held: " + proxy.engine().counters());
      }
    }
  }

  /**
   * A client that keeps its connection (a pool, the benchmark's writer) does not hold a planned
   * switchover up until the drain timeout: its connection is ended between two transactions, so
   * every transaction it was told committed is on the old master and none was cut off half-way.
   * A transaction still open is let finish first.
   */
  @Test
  void persistentConnectionsAreEndedBetweenTransactionsLongBeforeTheDrainTimeout() throws Exception {
    ThrowawayPostgres.assumeNotRoot();
    try (ThrowawayPostgres pg1 = ThrowawayPostgres.start(tmp.resolve("pg1"));
        ThrowawayPostgres pg2 = ThrowawayPostgres.start(tmp.resolve("pg2"));
        TestStore store = new TestStore(tmp.resolve("store"))) {
      pg1.execute("CREATE TABLE hits (id int PRIMARY KEY, writer text)");
      store.write(routed(1, "pg1", false, pg1, pg2));
      try (Proxy proxy = Proxy.start(store.proxySettings("p1", false, Duration.ofSeconds(60)))) {
        await().atMost(Duration.ofSeconds(30)).until(() -> store.proxyGeneration("p1") == 1);
        String url = "jdbc:postgresql://127.0.0.1:" + proxy.engine().address(Port.MASTER).getPort()
            + "/postgres?user=postgres";
        AtomicInteger acknowledged = new AtomicInteger();
        CompletableFuture<SQLException> writerEnded = new CompletableFuture<>();
        Thread writer = new Thread(() -> {
          try (Connection c = DriverManager.getConnection(url);
              var insert = c.prepareStatement("INSERT INTO hits VALUES (?, 'loop')")) {
            for (int id = 1; ; id++) {
              insert.setInt(1, id);
              insert.executeUpdate();
              acknowledged.set(id);
            }
          } catch (SQLException e) {
            writerEnded.complete(e);
          }
        }, "writer");
        writer.setDaemon(true);
        try (Connection open = DriverManager.getConnection(url)) {
          open.setAutoCommit(false);
          try (var st = open.createStatement()) {
            st.executeUpdate("INSERT INTO hits VALUES (-1, 'open transaction')");
          }
          writer.start();
          await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.get() > 100);

          store.write(routed(2, "", true, pg1, pg2));
          // the writer's connection ends between two of its inserts, not at the drain timeout
          SQLException why = writerEnded.get(10, TimeUnit.SECONDS);
          assertTrue(why != null, "the writer's connection was not ended");
          // the open transaction holds the acknowledgement back, and may still commit
          assertEquals(1, store.proxyGeneration("p1"), "acknowledged while a transaction was open");
          open.commit();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> store.proxyGeneration("p1") == 2);
        assertEquals(acknowledged.get(), pg1.count("SELECT count(*) FROM hits WHERE writer = 'loop'"),
            "an insert was cut off half-way or lost");
        assertEquals(1, pg1.count("SELECT count(*) FROM hits WHERE id = -1"), "the open transaction did not commit");
        assertEquals(2, proxy.engine().counters().get("drained"), "counters: " + proxy.engine().counters());
        assertEquals(0, proxy.engine().counters().get("fenced"), "counters: " + proxy.engine().counters());
      }
    }
  }
}
