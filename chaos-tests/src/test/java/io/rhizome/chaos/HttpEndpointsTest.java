package io.rhizome.chaos;

import static io.rhizome.testsupport.LoopbackPorts.freePort;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rhizome.cluster.ClusterKeys;
import io.rhizome.proto.cluster.Db;
import io.rhizome.store.StoreClient;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every daemon's HTTP port against a real cluster (3 sentinels, 2 keepers with real PostgreSQL,
 * a proxy): the keeper checks a load balancer would use on the master and the standby, and how
 * they change after a switchover; /leader and /health; /metrics of each daemon read by a strict
 * parser of the text format; and the sentinel's status page rendered by headless Chromium and
 * compared with {@code rhizomectl status}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HttpEndpointsTest {
  static final String CLUSTER = "http";
  static final Duration CONVERGE = Duration.ofSeconds(120);

  @TempDir static Path tmp;
  final OwnedProcesses owned = new OwnedProcesses();
  List<SentinelProcess> sentinels;
  String endpoints;
  StoreClient store;
  ClusterKeys keys = new ClusterKeys(CLUSTER);
  KeeperProcess k0;
  KeeperProcess k1;
  ProxyProcess proxy;

  @BeforeAll
  void startCluster() throws Exception {
    assumeFalse("root".equals(System.getProperty("user.name")),
        "PostgreSQL refuses to run as root; run .ci/run or mvn as an unprivileged user");
    SentinelQuorum quorum = SentinelQuorum.start(CLUSTER, tmp, s -> s.withHttpPort(freePort()));
    owned.add(quorum);
    sentinels = quorum.sentinels();
    endpoints = quorum.endpoints();
    store = quorum.store();
    Path su = SecretFiles.write(tmp, "su", FailoverTest.SU_PASSWORD);
    Path repl = SecretFiles.write(tmp, "repl", "repl-secret");
    k0 = keeper("k0", su, repl);
    k1 = keeper("k1", su, repl);
    k0.start();
    k1.start();
    proxy = new ProxyProcess(CLUSTER, "p1", tmp, endpoints, freePort(), freePort());
    owned.add(proxy);
    proxy.start();
    await().atMost(CONVERGE).ignoreExceptions().until(() -> ctl("init").startsWith("initialised cluster"));
    await().atMost(CONVERGE).ignoreExceptions()
        .until(() -> FailoverTest.routedMaster(store, keys).isPresent() && FailoverTest.standbyStreaming(store, keys));
  }

  @AfterAll
  void stopAll() throws Exception {
    owned.closeAndPrintLogs(tmp);
  }

  KeeperProcess master() {
    Db m = FailoverTest.routedMaster(store, keys).orElseThrow();
    return m.getSpec().getKeeperId().equals("k0") ? k0 : k1;
  }

  KeeperProcess other(KeeperProcess k) {
    return k == k0 ? k1 : k0;
  }

  @Test
  @Order(1)
  void keeperChecksAnswerOnMasterAndStandby() throws Exception {
    KeeperProcess master = master();
    KeeperProcess standby = other(master);
    // the standby's check reads streaming from the master's last report: wait for it to show
    await().atMost(CONVERGE).ignoreExceptions().until(() -> Http.status(standby.httpPort(), "/replica") == 200
        && Http.status(master.httpPort(), "/primary") == 200);
    assertEquals(200, Http.status(master.httpPort(), "/health"));
    assertEquals(503, Http.status(master.httpPort(), "/replica"));
    assertEquals(200, Http.status(standby.httpPort(), "/health"));
    assertEquals(503, Http.status(standby.httpPort(), "/primary"));
    assertEquals(200, Http.status(standby.httpPort(), "/replica?lag=1GB"));
    assertEquals(400, Http.status(standby.httpPort(), "/replica?lag=lots"));

    JsonObject status = JsonParser.parseString(Http.get(master.httpPort(), "/status").body()).getAsJsonObject();
    assertEquals(master.id, status.get("keeper").getAsString());
    assertEquals("master", status.get("role").getAsString());
    assertTrue(status.get("pgHealthy").getAsBoolean());
    assertTrue(status.get("timelineId").getAsInt() >= 1);
    JsonObject replica = JsonParser.parseString(Http.get(standby.httpPort(), "/replica").body()).getAsJsonObject();
    assertEquals("standby", replica.get("role").getAsString());
    assertTrue(replica.get("reason").getAsString().startsWith("standby streaming"), replica.toString());
  }

  @Test
  @Order(2)
  void sentinelsAnswerHealthAndExactlyTheLeaderAnswersLeader() throws Exception {
    for (SentinelProcess s : sentinels) {
      assertEquals(200, Http.status(s.httpPort(), "/health"), s.toString());
    }
    await().atMost(CONVERGE).ignoreExceptions().until(() -> {
      String leader = store.status().getLeaderId();
      for (SentinelProcess s : sentinels) {
        if ((Http.status(s.httpPort(), "/leader") == 200) != s.id().equals(leader)) {
          return false;
        }
      }
      return true;
    });
    await().atMost(CONVERGE).ignoreExceptions().until(() -> Http.status(proxy.httpPort, "/health") == 200);
  }

  @Test
  @Order(3)
  void everyDaemonsMetricsParseAndCarryItsMetrics() throws Exception {
    // traffic through the proxy, so its counters have something to count
    try (Connection c = connect(proxy.port); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
      assertTrue(rs.next());
    }
    var p = PrometheusText.parse(Http.get(proxy.httpPort, "/metrics").body());
    assertTrue(p.value("rhizome_proxy_connections_total") >= 1, "connections total");
    assertTrue(p.value("rhizome_proxy_forwarded_bytes_total", "direction", "to_server") > 0);
    assertTrue(p.value("rhizome_proxy_forwarded_bytes_total", "direction", "to_client") > 0);
    assertTrue(p.value("rhizome_proxy_connections_active") >= 0);
    assertTrue(p.value("rhizome_proxy_connections_refused_total") >= 0);
    assertEquals(1, p.value("rhizome_proxy_routing"));
    assertTrue(p.value("rhizome_proxy_generation") >= 1);
    assertEquals("histogram", p.types().get("rhizome_store_client_request_duration_seconds"));

    KeeperProcess master = master();
    var m = PrometheusText.parse(Http.get(master.httpPort(), "/metrics").body());
    assertEquals(1, m.value("rhizome_keeper_role", "role", "master"));
    assertEquals(0, m.value("rhizome_keeper_role", "role", "standby"));
    assertEquals(1, m.value("rhizome_keeper_postgres_up"));
    assertEquals(0, m.value("rhizome_keeper_replication_lag_bytes"));
    assertTrue(m.value("rhizome_keeper_timeline_id") >= 1);
    assertTrue(m.value("rhizome_keeper_converged_generation") >= 1);
    assertEquals(0, m.value("rhizome_keeper_pending_restart"));
    assertTrue(m.value("rhizome_keeper_xlog_position_bytes") > 0);
    var s = PrometheusText.parse(Http.get(other(master).httpPort(), "/metrics").body());
    assertEquals(1, s.value("rhizome_keeper_role", "role", "standby"));
    assertTrue(s.value("rhizome_keeper_replication_lag_bytes") >= 0);
    assertEquals(1, s.value("rhizome_keeper_postgres_in_recovery"));

    String leader = store.status().getLeaderId();
    for (SentinelProcess sentinel : sentinels) {
      var x = PrometheusText.parse(Http.get(sentinel.httpPort(), "/metrics").body());
      boolean isLeader = sentinel.id().equals(leader);
      assertEquals(isLeader ? 1 : 0, x.value("rhizome_store_is_leader"), sentinel.id());
      assertTrue(x.value("rhizome_store_term") >= 1);
      assertTrue(x.value("rhizome_store_commit_index") > 0);
      assertTrue(x.value("rhizome_store_applied_index") > 0);
      assertTrue(x.value("rhizome_store_apply_lag_entries") >= 0);
      assertTrue(x.value("rhizome_controller_failovers_total", "kind", "failover") >= 0);
      if (isLeader) {
        assertEquals(1, x.value("rhizome_controller_leading"));
        assertEquals(2, x.value("rhizome_controller_keepers_healthy"));
        assertEquals(2, x.value("rhizome_controller_keepers"));
        assertTrue(x.value("rhizome_store_client_request_duration_seconds_count", "operation", "get", "outcome", "ok") > 0);
      } else {
        assertEquals(0, x.value("rhizome_controller_leading"));
        assertTrue(x.named("rhizome_controller_keepers_healthy").isEmpty(), "only the leader describes the cluster");
      }
    }
  }

  @Test
  @Order(4)
  void statusPageShowsWhatRhizomectlStatusReports() throws Exception {
    String chromium = chromium();
    assumeTrue(chromium != null || System.getenv("CI") != null && !System.getenv("CI").isEmpty(),
        "chromium is not installed (apt-get install chromium); CI installs it and runs this test");
    assertTrue(chromium != null, "CI is set but chromium is not installed (.ci/run installs it)");
    JsonObject status = JsonParser.parseString(ctl("status", "--format", "json")).getAsJsonObject();
    String masterKeeper = status.getAsJsonObject("master").get("keeper").getAsString();
    Map<String, String> roles = new HashMap<>();
    for (JsonElement k : status.getAsJsonArray("keepers")) {
      roles.put(k.getAsJsonObject().get("id").getAsString(), k.getAsJsonObject().get("role").getAsString());
    }
    assertEquals(2, roles.size(), status.toString());
    JsonArray sentinelRows = status.getAsJsonArray("sentinels");

    SentinelProcess any = sentinels.get(0);
    String dom = dumpDom(chromium, "http://127.0.0.1:" + any.httpPort() + "/");
    assertEquals(masterKeeper, first(dom, "<span id=\"master\">([^<]*)</span>"), dom);
    Map<String, String> shown = new HashMap<>();
    Matcher rows = Pattern.compile("data-keeper=\"([^\"]+)\" data-role=\"([^\"]*)\"").matcher(dom);
    while (rows.find()) {
      shown.put(rows.group(1), rows.group(2));
    }
    assertEquals(roles, shown, dom);
    for (JsonElement row : sentinelRows) {
      JsonObject r = row.getAsJsonObject();
      assertTrue(dom.contains("data-sentinel=\"" + r.get("id").getAsString() + "\" data-leader=\""
          + r.get("leader").getAsBoolean() + "\""), r + " in " + dom);
    }
    assertTrue(dom.contains("data-proxy=\"p1\""), dom);
    assertTrue(dom.contains("<span id=\"cluster-name\">" + CLUSTER + "</span>"), dom);
  }

  @Test
  @Order(5)
  void checksFollowASwitchover() throws Exception {
    KeeperProcess oldMaster = master();
    KeeperProcess target = other(oldMaster);
    String out = ctl("switchover", "--to", target.id, "--timeout", "60s");
    assertTrue(out.startsWith("switched over to keeper " + target.id), out);
    await().atMost(CONVERGE).ignoreExceptions().until(() -> Http.status(target.httpPort(), "/primary") == 200
        && Http.status(oldMaster.httpPort(), "/primary") == 503);
    assertEquals(503, Http.status(target.httpPort(), "/replica"));
    // the old master follows the new one: a standby again
    await().atMost(CONVERGE).ignoreExceptions().until(() -> Http.status(oldMaster.httpPort(), "/replica") == 200);
    await().atMost(CONVERGE).ignoreExceptions().until(() -> Http.status(proxy.httpPort, "/health") == 200);

    // the switchover is counted once, by whichever sentinel led when it was recorded
    await().atMost(CONVERGE).ignoreExceptions().until(() -> {
      double switchovers = 0;
      double lastDuration = 0;
      for (SentinelProcess s : sentinels) {
        var x = PrometheusText.parse(Http.get(s.httpPort(), "/metrics").body());
        switchovers += x.value("rhizome_controller_failovers_total", "kind", "switchover");
        if (!x.named("rhizome_controller_last_failover_duration_seconds").isEmpty()) {
          lastDuration = x.value("rhizome_controller_last_failover_duration_seconds");
        }
      }
      return switchovers == 1 && lastDuration > 0;
    });
    var t = PrometheusText.parse(Http.get(target.httpPort(), "/metrics").body());
    assertEquals(1, t.value("rhizome_keeper_role", "role", "master"));
  }

  // ---- helpers ----

  /** Headless Chromium's rendered DOM after the page's scripts ran (the status page fetches and renders). */
  String dumpDom(String chromium, String url) throws Exception {
    Path profile = Files.createTempDirectory(tmp, "chromium-profile");
    Path out = tmp.resolve("dom.html");
    Process p = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + profile, "--virtual-time-budget=5000", "--dump-dom", url)
        .redirectOutput(out.toFile())
        .redirectError(tmp.resolve("chromium.err").toFile())
        .start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish within 90 s");
    }
    assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("chromium.err")));
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  static String chromium() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      for (String name : List.of("chromium", "chromium-browser")) {
        Path candidate = Path.of(dir, name);
        if (Files.isExecutable(candidate)) {
          return candidate.toString();
        }
      }
    }
    return null;
  }

  static String first(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    return m.find() ? m.group(1) : null;
  }

  String ctl(String... args) {
    return Rhizomectl.run(CLUSTER, endpoints, args);
  }

  KeeperProcess keeper(String id, Path su, Path repl) throws Exception {
    KeeperProcess k = new KeeperProcess(CLUSTER, id, tmp, endpoints, freePort(), su, repl)
        .withHttpPort(freePort());
    owned.add(k);
    return k;
  }

  static Connection connect(int port) throws Exception {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("password", FailoverTest.SU_PASSWORD);
    p.setProperty("connectTimeout", "5");
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
  }

}
