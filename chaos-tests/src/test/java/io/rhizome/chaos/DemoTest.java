package io.rhizome.chaos;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rhizome demo} as a user meets it: it starts a whole cluster, answers SQL through its
 * proxy, stops every process it started (PostgreSQL included) on SIGTERM and on Ctrl-C, and a
 * second run finds the data of the first.
 */
class DemoTest {
  static final Duration READY = Duration.ofMinutes(4);
  static final long STOP_SECONDS = 180;
  static final int[] PORT_OFFSETS = {1, 2, 3, 11, 12, 32, 33};

  @TempDir Path tmp;
  final List<DemoProcess> owned = new ArrayList<>();

  @AfterEach
  void stopAll() throws Exception {
    for (DemoProcess d : owned) {
      d.close();
    }
    Path logs = tmp.resolve("demo").resolve("logs");
    if (Files.isDirectory(logs)) {
      DaemonLogs.printTails(logs);
    }
  }

  @Test
  void demoAnswersSqlThroughItsProxyStopsCleanlyAndASecondRunReusesItsData() throws Exception {
    assumeFalse("root".equals(System.getProperty("user.name")),
        "PostgreSQL refuses to run as root; run .ci/run or mvn as an unprivileged user");
    Path dir = tmp.resolve("demo");
    int base = freeBase();
    int proxyPort = base + 32;

    DemoProcess first = start(dir, base);
    String out = first.output();
    assertTrue(out.contains("initialised cluster 'demo'"), out);
    assertTrue(out.contains("PGPASSFILE=" + dir.resolve("pgpass") + " "), out);
    assertTrue(out.contains("\"host=127.0.0.1 port=" + proxyPort + " user=postgres dbname=postgres\""), out);
    assertTrue(out.contains("Try a failover: kill -9 "), out);
    assertTrue(out.contains("switchover"), out);
    Map<String, Long> pids = first.pids();
    assertEquals(List.of("sentinel-s1", "sentinel-s2", "sentinel-s3", "keeper-k0", "keeper-k1", "proxy",
        "postgres-k0", "postgres-k1"), List.copyOf(pids.keySet()));
    String password = Files.readAllLines(dir.resolve("su.pw")).get(0).strip();
    try (Connection c = connect(proxyPort, password); Statement st = c.createStatement()) {
      st.execute("CREATE TABLE visits (n int)");
      st.execute("INSERT INTO visits VALUES (1)");
    }

    assertEquals(0, first.signalAndWait("TERM", STOP_SECONDS), first.output());
    assertNothingLeft(pids);
    assertTrue(first.output().contains("every process stopped"), first.output());

    DemoProcess second = start(dir, base);
    out = second.output();
    assertTrue(out.contains("demo: reusing " + dir), out);
    assertTrue(out.contains("is already initialised"), out);
    assertFalse(out.contains("initialised cluster 'demo'"), "no second init: " + out);
    try (Connection c = connect(proxyPort, password); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM visits")) {
      assertTrue(rs.next());
      assertEquals(1, rs.getInt(1), "the first run's row is there");
    }
    pids = second.pids();
    assertEquals(8, pids.size(), pids.toString());
    // Ctrl-C, unless this JVM was started with SIGINT ignored (a background job): then its
    // children ignore it too and SIGTERM stands in, which the demo handles the same way
    String signal = sigintIgnored() ? "TERM" : "INT";
    assertEquals(0, second.signalAndWait(signal, STOP_SECONDS), second.output());
    assertNothingLeft(pids);
  }

  DemoProcess start(Path dir, int base) throws Exception {
    DemoProcess demo = DemoProcess.start(dir, base);
    owned.add(demo);
    await().atMost(READY).pollInterval(Duration.ofMillis(200))
        .until(() -> demo.output().contains("Ctrl-C stops") || !demo.isAlive());
    assertTrue(demo.isAlive(), "the demo exited: " + demo.output());
    return demo;
  }

  static void assertNothingLeft(Map<String, Long> pids) {
    for (Map.Entry<String, Long> e : pids.entrySet()) {
      assertFalse(ProcessHandle.of(e.getValue()).map(ProcessHandle::isAlive).orElse(false),
          e.getKey() + " (pid " + e.getValue() + ") still runs after the demo stopped");
    }
  }

  static Connection connect(int port, String password) throws Exception {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("password", password);
    p.setProperty("connectTimeout", "5");
    p.setProperty("socketTimeout", "30");
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
  }

  static boolean sigintIgnored() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("SigIgn:")) {
        return (Long.parseLong(line.substring("SigIgn:".length()).trim(), 16) & (1L << 1)) != 0;
      }
    }
    return false;
  }

  /** A base port whose seven demo ports are all free now. */
  static int freeBase() {
    for (int attempt = 0; attempt < 100; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(20_000, 60_000);
      if (allFree(base)) {
        return base;
      }
    }
    throw new IllegalStateException("no free demo port range found");
  }

  private static boolean allFree(int base) {
    for (int offset : PORT_OFFSETS) {
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), base + offset));
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }
}
