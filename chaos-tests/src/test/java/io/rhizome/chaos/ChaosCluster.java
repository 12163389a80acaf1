package io.rhizome.chaos;

import io.rhizome.testsupport.FaultRelay;
import static io.rhizome.testsupport.LoopbackPorts.freePort;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.InvalidProtocolBufferException;
import io.rhizome.chaos.WriteChecker.Expectation;
import io.rhizome.chaos.WriteChecker.FinalState;
import io.rhizome.chaos.WriteChecker.Member;
import io.rhizome.chaos.WriteChecker.Verdict;
import io.rhizome.cluster.ClusterKeys;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.Db;
import io.rhizome.store.PeerAddress;
import io.rhizome.store.StoreClient;
import io.rhizome.store.StoreClientConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * A whole cluster of real processes for one chaos scenario: 3 sentinels, N keepers with real
 * PostgreSQL, one proxy, and a {@link FaultRelay} in front of every server the test may cut
 * anyone from:
 *
 * <ul>
 *   <li>each sentinel: the relay is its address in --peers ({@code --listen-port} binds the real
 *       one), so its peers and every store client reach it only through the relay (a Ratis client
 *       follows the leader's --peers address, so relays only in --store-endpoints would be
 *       bypassed);
 *   <li>each PostgreSQL: the keeper advertises the relay ({@code --pg-advertise-port}), so
 *       standbys and the proxy reach a primary only through it;
 *   <li>the proxy: clients connect to a relay in front of it.
 * </ul>
 *
 * Each relay names the client of every connection from /proc ({@link SocketOwners}): "s1",
 * "k0", "k0-pg" (k0's PostgreSQL and its children, e.g. a walreceiver), "proxy". A
 * {@link Link} faults one client's connections through some relays and leaves the rest alone.
 * The test's own store client and rhizomectl are not a source: no link fault touches them.
 */
final class ChaosCluster implements AutoCloseable {
  static final String NAME = "chaos";
  static final String SU_PASSWORD = "chaos-su";
  static final Duration CONVERGE = Duration.ofSeconds(120);

  final Path dir;
  final List<SentinelProcess> sentinels = new ArrayList<>();
  final String endpoints;
  final StoreClient store;
  final ClusterKeys keys = new ClusterKeys(NAME);
  final Map<String, Node> keepers = new LinkedHashMap<>();
  final ProxyProcess proxy;
  final Link proxyStoreLink;
  final FaultRelay clientLink;
  /** The relay in front of each sentinel, by sentinel id. */
  final Map<String, FaultRelay> sentinelRelays = new LinkedHashMap<>();
  private final List<AutoCloseable> owned = new ArrayList<>();
  private final List<PeerAddress> peers;

  /** A keeper with its link to the store, and the relay in front of its PostgreSQL. */
  record Node(KeeperProcess keeper, Link storeLink, FaultRelay pgLink) {
    String id() {
      return keeper.id;
    }

    int pgPort() {
      return keeper.pgPort;
    }
  }

  private ChaosCluster(Path dir, int keeperCount) throws IOException {
    this.dir = dir;
    List<PeerAddress> relayed = new ArrayList<>();
    Map<String, Integer> realPorts = new LinkedHashMap<>();
    for (int i = 1; i <= 3; i++) {
      String id = "s" + i;
      int real = freePort();
      FaultRelay relay = own(FaultRelay.to(id, real));
      relay.resolveSourcesWith(clientPort -> sourceOf(clientPort, relay.port()));
      sentinelRelays.put(id, relay);
      realPorts.put(id, real);
      relayed.add(new PeerAddress(id, "127.0.0.1", relay.port()));
    }
    this.peers = List.copyOf(relayed);
    for (PeerAddress p : peers) {
      SentinelProcess s = new SentinelProcess(NAME, p, peers, dir).listenOn(realPorts.get(p.id()));
      own(s);
      sentinels.add(s);
    }
    this.endpoints = peers.stream().map(p -> p.host() + ":" + p.port()).collect(Collectors.joining(","));
    this.store = own(StoreClient.connect(StoreClientConfig.of(peers)));
    Path su = SecretFiles.write(dir, "su", SU_PASSWORD);
    Path repl = SecretFiles.write(dir, "repl", "chaos-repl");
    List<FaultRelay> toStore = List.copyOf(sentinelRelays.values());
    for (int i = 0; i < keeperCount; i++) {
      String id = "k" + i;
      int pgPort = freePort();
      FaultRelay pgLink = own(FaultRelay.to(id + "-pg", pgPort));
      pgLink.resolveSourcesWith(clientPort -> sourceOf(clientPort, pgLink.port()));
      KeeperProcess k = own(new KeeperProcess(NAME, id, dir, endpoints, pgPort, su, repl,
          List.of("--pg-advertise-port", Integer.toString(pgLink.port()))));
      keepers.put(id, new Node(k, new Link(id + "-store", toStore, id), pgLink));
    }
    this.proxyStoreLink = new Link("proxy-store", toStore, "proxy");
    int proxyPort = freePort();
    this.proxy = own(new ProxyProcess(NAME, "p1", dir, endpoints, proxyPort));
    this.clientLink = own(FaultRelay.to("client", proxyPort));
  }

  /** Names the process (of this cluster) that opened a connection to a relay. */
  private String sourceOf(int clientPort, int relayPort) {
    Map<String, Supplier<List<Long>>> candidates = new LinkedHashMap<>();
    for (Node n : keepers.values()) {
      // a keeper's PostgreSQL first: it may be a child of the keeper's JVM
      candidates.put(n.id() + "-pg", () -> SocketOwners.withDescendants(n.keeper().postmasterPid()));
    }
    for (Node n : keepers.values()) {
      candidates.put(n.id(), () -> SocketOwners.withDescendants(n.keeper().pid()));
    }
    for (SentinelProcess s : sentinels) {
      candidates.put(s.id(), () -> List.of(s.pid()));
    }
    if (proxy != null) {
      candidates.put("proxy", () -> List.of(proxy.pid()));
    }
    return SocketOwners.owner(clientPort, relayPort, candidates);
  }

  /** The link of a standby's PostgreSQL (its walreceiver) to the master's. */
  Link replicationLink(Node master, Node standby) {
    return new Link(standby.id() + "-replication", List.of(master.pgLink()), standby.id() + "-pg");
  }

  /**
   * Cuts one sentinel off from everyone (its peers and every client) with packets vanishing:
   * its own relay black-holes everything, the others' relays black-hole its connections.
   */
  void isolate(SentinelProcess s) throws IOException {
    sentinelRelays.get(s.id()).blackhole();
    sentinelRelays.forEach((id, r) -> {
      if (!id.equals(s.id())) {
        r.blackhole(s.id());
      }
    });
  }

  void reconnect(SentinelProcess s) throws IOException {
    sentinelRelays.get(s.id()).pass();
    sentinelRelays.forEach((id, r) -> r.pass(s.id()));
  }

  /**
   * Starts everything, initialises the cluster with {@code specJson} and waits until a master is
   * routed and every other keeper streams from it.
   */
  static ChaosCluster start(Path dir, int keeperCount, String specJson) throws Exception {
    ChaosCluster c = new ChaosCluster(dir, keeperCount);
    try {
      for (SentinelProcess s : c.sentinels) {
        s.start();
      }
      for (Node n : c.keepers.values()) {
        n.keeper().start();
      }
      c.proxy.start();
      Path spec = dir.resolve("spec.json");
      Files.writeString(spec, specJson);
      await("rhizomectl init").atMost(CONVERGE).ignoreExceptions()
          .until(() -> c.ctl("init", "--file", spec.toString()).startsWith("initialised cluster"));
      c.awaitSteady(CONVERGE);
      c.awaitRoutedThroughProxy(CONVERGE);
      return c;
    } catch (Exception | Error e) {
      c.close();
      throw e;
    }
  }

  private <T extends AutoCloseable> T own(T resource) {
    owned.add(resource);
    return resource;
  }

  String ctl(String... args) {
    return Rhizomectl.run(NAME, endpoints, args);
  }

  /** The port clients use: the relay in front of the proxy. */
  int clientPort() {
    return clientLink.port();
  }

  WriteWorkload workload(int clients, Duration pause) {
    return new WriteWorkload(clientPort(), SU_PASSWORD, clients, pause);
  }

  ClusterData clusterData() {
    try {
      return ClusterData.parseFrom(store.get(keys.clusterData()).orElseThrow().getValue());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The keeper whose db the proxies are told to route to, if any. */
  Optional<Node> routedMaster() {
    return ClusterView.routedMasterKeeper(clusterData()).map(keepers::get);
  }

  Node master() {
    return routedMaster().orElseThrow(() -> new IllegalStateException("no routed master"));
  }

  List<Node> standbys() {
    Node m = master();
    return keepers.values().stream().filter(n -> n != m).toList();
  }

  /** The db a keeper holds now, if any. */
  Optional<Db> dbOf(Node n) {
    return ClusterView.dbOf(clusterData(), n.id());
  }

  /** See {@link ClusterView#electable}. */
  boolean electable(Node n, boolean synchronous) {
    return ClusterView.electable(clusterData(), n.id(), synchronous);
  }

  /** Failovers and switchovers so far. */
  int failovers() {
    return ClusterView.failovers(clusterData());
  }

  /** See {@link ClusterView#steady}. */
  boolean steady() {
    return ClusterView.steady(clusterData(), keepers.keySet());
  }

  void awaitSteady(Duration limit) {
    await("a routed master and every keeper streaming from it").atMost(limit).pollInterval(Duration.ofMillis(200))
        .ignoreExceptions().until(this::steady);
  }

  /**
   * A client gets through the relay and the proxy to the master: the store saying where to route
   * is not enough if the proxy cannot (a proxy that died at start fails this at once, by name).
   */
  void awaitRoutedThroughProxy(Duration limit) {
    await("a session through the proxy").atMost(limit).pollInterval(Duration.ofMillis(200)).until(() -> {
      if (!proxy.isAlive()) {
        throw new IllegalStateException("the proxy exited; its log: " + proxy.log());
      }
      try (Connection c = connect(clientPort()); Statement st = c.createStatement()) {
        return queryString(st, "SELECT pg_is_in_recovery()").equals("f");
      } catch (SQLException e) {
        return false;
      }
    });
  }

  /** Waits for the routed master to be on {@code keeperId}. */
  void awaitMasterOn(String keeperId, Duration limit) {
    await("master on " + keeperId).atMost(limit).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
        .until(() -> routedMaster().map(n -> n.id().equals(keeperId)).orElse(false));
  }

  // ---- the end of a scenario ----

  /**
   * Reads the end state directly from each PostgreSQL, as it is, and judges the writes. Does not
   * wait for the cluster to settle (the caller has, and says so if it did not) and does not
   * assert: the caller does, with the summary.
   */
  Verdict check(List<WriteRecord> writes, Expectation expectation) {
    FinalState end = finalState();
    Verdict v = WriteChecker.check(writes, end, expectation);
    System.out.println("chaos verdict: " + v.summary() + " failovers=" + failovers());
    return v;
  }

  FinalState finalState() {
    Map<Integer, Integer> relayToPg = new LinkedHashMap<>();
    keepers.values().forEach(n -> relayToPg.put(n.pgLink().port(), n.pgPort()));
    List<Member> members = new ArrayList<>();
    int primaryPort = routedMaster().map(Node::pgPort).orElse(-1);
    for (Node n : keepers.values()) {
      try (Connection c = connect(n.pgPort()); Statement st = c.createStatement()) {
        boolean inRecovery = queryString(st, "SELECT pg_is_in_recovery()").equals("t");
        int upstream = 0;
        if (inRecovery) {
          try (ResultSet rs = st.executeQuery("SELECT sender_port FROM pg_stat_wal_receiver WHERE status = 'streaming'")) {
            if (rs.next()) {
              upstream = relayToPg.getOrDefault(rs.getInt(1), rs.getInt(1));
            }
          }
        } else if (primaryPort < 0) {
          primaryPort = n.pgPort();
        }
        members.add(new Member(n.id(), n.pgPort(), true, inRecovery, upstream));
      } catch (SQLException e) {
        members.add(new Member(n.id(), n.pgPort(), false, false, 0));
      }
    }
    long systemId = 0;
    int timeline = 0;
    Set<Long> ids = new HashSet<>();
    if (primaryPort > 0) {
      try (Connection c = connect(primaryPort); Statement st = c.createStatement()) {
        systemId = Long.parseLong(queryString(st, "SELECT system_identifier FROM pg_control_system()"));
        timeline = Integer.parseInt(queryString(st,
            "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_insert_lsn()), 1, 8))::bit(32)::int"));
        try (ResultSet rs = st.executeQuery("SELECT id FROM " + WriteWorkload.TABLE)) {
          while (rs.next()) {
            ids.add(rs.getLong(1));
          }
        }
      } catch (SQLException e) {
        System.out.println("chaos: cannot read the final primary on port " + primaryPort + ": " + e.getMessage());
      }
    }
    return new FinalState(primaryPort, systemId, timeline, ids, members);
  }

  static Connection connect(int port) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("password", SU_PASSWORD);
    p.setProperty("connectTimeout", "5");
    p.setProperty("socketTimeout", "30");
    p.setProperty("sslmode", "disable");
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
  }

  /** Runs one statement on a keeper's PostgreSQL, directly. */
  static void execute(int port, String sql) throws SQLException {
    try (Connection c = connect(port); Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  /** One value from a keeper's PostgreSQL, directly; null when it does not answer. */
  static String query(int port, String sql) {
    try (Connection c = connect(port); Statement st = c.createStatement()) {
      return queryString(st, sql);
    } catch (SQLException e) {
      return null;
    }
  }

  private static String queryString(Statement st, String sql) throws SQLException {
    try (ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  /** Stops every process (frozen ones thawed first) and relay, then prints the daemons' log tails. */
  @Override
  public void close() {
    for (SentinelProcess s : sentinels) {
      try {
        if (s.isAlive()) {
          s.thaw();
        }
      } catch (RuntimeException ignored) {
        // not frozen
      }
    }
    for (int i = owned.size() - 1; i >= 0; i--) {
      try {
        AutoCloseable r = owned.get(i);
        if (r instanceof KeeperProcess k && k.isAlive()) {
          k.thaw();
        } else if (r instanceof ProxyProcess p && p.isAlive()) {
          p.thaw();
        }
        r.close();
      } catch (Exception e) {
        System.out.println("chaos: closing " + owned.get(i) + " failed: " + e);
      }
    }
    System.out.println("chaos: connections by source: sentinels " + sentinelRelays.values().stream()
        .map(r -> r.name() + "=" + r.acceptedBySource()).toList() + ", postgres " + keepers.values().stream()
        .map(n -> n.pgLink().name() + "=" + n.pgLink().acceptedBySource()).toList());
    try {
      DaemonLogs.printTails(dir);
      DaemonLogs.keep(dir);
    } catch (IOException e) {
      System.out.println("chaos: cannot print the daemon logs: " + e);
    }
  }
}
