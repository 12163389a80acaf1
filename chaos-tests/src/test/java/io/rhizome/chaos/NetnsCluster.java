package io.rhizome.chaos;

import static org.awaitility.Awaitility.await;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.rhizome.chaos.WriteChecker.Expectation;
import io.rhizome.chaos.WriteChecker.FinalState;
import io.rhizome.chaos.WriteChecker.Member;
import io.rhizome.chaos.WriteChecker.Verdict;
import io.rhizome.proto.cluster.ClusterData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A cluster on the real hosts of a {@link HostBed}, laid out as the README's "Running on several
 * hosts" tells a user to: hosts 1-3 each run a sentinel ({@code --listen-address} its own
 * address, port 7001, {@code --peers} the three addresses) and a keeper ({@code
 * --pg-listen-address} its own address); host 4 runs the proxy; host 5 is the application and
 * operator host (the writer, rhizomectl). Every link crosses the bed's bridge, so a fault is
 * silent: no RST, no ICMP, as when a real host loses its link or its power.
 *
 * <p>The test's JVM is outside the bed and reaches nothing in it over the network: rhizomectl
 * runs in host 5, and the end state is read from each PostgreSQL through its Unix socket on the
 * shared disk. Each keeper's PostgreSQL has a port of its own (544N in host N), so the checker
 * tells the servers apart by port, as on loopback.
 */
final class NetnsCluster implements AutoCloseable {
  static final String NAME = "hosts";
  static final String SU_PASSWORD = "hosts-su";
  static final int DATABASE_HOSTS = 3;
  static final int PROXY_HOST = 4;
  static final int CLIENT_HOST = 5;
  static final int SENTINEL_PORT = 7001;
  static final int PROXY_PORT = 5432;
  static final Duration CONVERGE = Duration.ofSeconds(120);
  /** rhizomectl: a JVM start in host 5, then the store (its own timeout is 3 s per attempt). */
  private static final Duration CTL_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration PSQL_TIMEOUT = Duration.ofSeconds(30);

  final HostBed bed;
  final Path dir;
  final String endpoints;
  final Map<Integer, HostDaemon> sentinels = new LinkedHashMap<>();
  final Map<Integer, HostDaemon> keepers = new LinkedHashMap<>();
  final HostDaemon proxy;

  private NetnsCluster(HostBed bed, Path dir) throws IOException {
    this.bed = bed;
    this.dir = dir;
    String peers = databaseHosts().mapToObj(h -> sentinelId(h) + "=" + bed.address(h) + ":" + SENTINEL_PORT)
        .collect(Collectors.joining(","));
    this.endpoints = databaseHosts().mapToObj(h -> bed.address(h) + ":" + SENTINEL_PORT)
        .collect(Collectors.joining(","));
    Path su = SecretFiles.write(dir, "su", SU_PASSWORD);
    Path repl = SecretFiles.write(dir, "repl", "hosts-repl");
    for (int h : databaseHosts().toArray()) {
      String s = sentinelId(h);
      Files.createDirectories(dir.resolve(s));
      sentinels.put(h, new HostDaemon(bed, h, "sentinel " + s, List.of("sentinel",
          "--cluster-name", NAME, "--id", s, "--data-dir", dir.resolve(s).toString(),
          "--listen-address", bed.address(h), "--peers", peers),
          dir.resolve(s + ".log")));
      String k = keeperId(h);
      keepers.put(h, new HostDaemon(bed, h, "keeper " + k, List.of("keeper",
          "--cluster-name", NAME, "--id", k, "--data-dir", dir.resolve(k).toString(),
          "--store-endpoints", endpoints,
          "--pg-listen-address", bed.address(h), "--pg-port", Integer.toString(pgPort(h)),
          "--pg-su-username", "postgres", "--pg-su-passwordfile", su.toString(),
          "--pg-repl-passwordfile", repl.toString()),
          dir.resolve(k + ".log")));
    }
    this.proxy = new HostDaemon(bed, PROXY_HOST, "proxy p1", List.of("proxy",
        "--cluster-name", NAME, "--id", "p1", "--store-endpoints", endpoints,
        "--listen-address", bed.address(PROXY_HOST), "--port", Integer.toString(PROXY_PORT)),
        dir.resolve("proxy-p1.log"));
  }

  /**
   * Brings up a bed of five hosts, starts every daemon, initialises the cluster with
   * {@code specJson} and waits until a master is routed and every other keeper streams from it.
   */
  static NetnsCluster start(Path dir, String specJson) throws Exception {
    HostBed bed = HostBed.up(CLIENT_HOST);
    NetnsCluster c;
    try {
      c = new NetnsCluster(bed, dir);
    } catch (IOException | RuntimeException e) {
      bed.close();
      throw e;
    }
    try {
      for (HostDaemon s : c.sentinels.values()) {
        s.start();
      }
      for (HostDaemon k : c.keepers.values()) {
        k.start();
      }
      c.proxy.start();
      Path spec = dir.resolve("spec.json");
      Files.writeString(spec, specJson);
      await("rhizomectl init").atMost(CONVERGE).pollInterval(Duration.ofSeconds(1)).until(() -> c.init(spec));
      c.awaitSteady(CONVERGE);
      return c;
    } catch (Exception | Error e) {
      c.close();
      throw e;
    }
  }

  static IntStream databaseHosts() {
    return IntStream.rangeClosed(1, DATABASE_HOSTS);
  }

  static String sentinelId(int host) {
    return "s" + host;
  }

  static String keeperId(int host) {
    return "k" + host;
  }

  /** The port of host {@code host}'s PostgreSQL: one per host, so that the checker tells them apart. */
  static int pgPort(int host) {
    return 5440 + host;
  }

  static int hostOfKeeper(String keeperId) {
    return Integer.parseInt(keeperId.substring(1));
  }

  /** The proxy's address, where clients connect. */
  String proxyAddress() {
    return bed.address(PROXY_HOST);
  }

  /** Starts the clients in the application host, writing through the proxy. */
  HostWriter writer(int clients, Duration pause, long firstId, String name) throws IOException {
    return HostWriter.start(bed, CLIENT_HOST, proxyAddress(), PROXY_PORT, SU_PASSWORD, clients, pause, firstId,
        dir, name);
  }

  /**
   * A client in {@code host} writing straight to that host's PostgreSQL (not through the proxy):
   * an application that bypasses the proxy, on the master's own host, where no network fault
   * separates it from the server. Only the commit lease can stop that server from taking its
   * writes once it is deposed.
   */
  HostWriter directWriter(int host, long firstId) throws IOException {
    return HostWriter.start(bed, host, bed.address(host), pgPort(host), SU_PASSWORD, 1, Duration.ofMillis(10),
        firstId, dir, "direct-h" + host);
  }

  // ---- rhizomectl, from the operator's host ----

  private boolean init(Path spec) {
    NetnsHelper.Result r = ctlResult("init", "--file", spec.toString());
    if (r.ok()) {
      return r.stdout().startsWith("initialised cluster");
    }
    // an attempt whose write was applied but whose reply was lost: the retry finds it done
    return r.stderr().contains("is already initialised");
  }

  /** Runs one rhizomectl command in the operator's host; throws with its error when it fails. */
  String ctl(String... args) {
    NetnsHelper.Result r = ctlResult(args);
    if (!r.ok()) {
      throw new IllegalStateException("rhizomectl " + String.join(" ", args) + " exited " + r.exitCode() + ": "
          + r.stderr().strip());
    }
    return r.stdout();
  }

  private NetnsHelper.Result ctlResult(String... args) {
    List<String> command = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
        "-cp", System.getProperty("java.class.path"), DaemonProcess.MAIN_CLASS,
        "ctl", "--cluster-name", NAME, "--store-endpoints", endpoints));
    command.addAll(List.of(args));
    return bed.run(CLIENT_HOST, command, CTL_TIMEOUT);
  }

  /**
   * A read through rhizomectl, tried up to three times: with the first endpoint's host silent a
   * fresh rhizomectl spends 1.5 s of its 3 s on it, and on the loaded bed that sometimes leaves
   * too little for the next (docs/chaos.md, "What they found").
   */
  private String ctlRead(String... args) {
    IllegalStateException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        return ctl(args);
      } catch (IllegalStateException e) {
        if (!e.getMessage().contains("no quorum reachable")) {
          throw e;
        }
        last = e;
      }
    }
    throw last;
  }

  ClusterData clusterData() {
    String json = ctlRead("clusterdata", "read");
    ClusterData.Builder b = ClusterData.newBuilder();
    try {
      JsonFormat.parser().merge(json, b);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("rhizomectl clusterdata read printed no cluster data: " + json, e);
    }
    return b.build();
  }

  /** The host whose keeper the proxies are told to route to, if any. */
  Optional<Integer> masterHost() {
    return ClusterView.routedMasterKeeper(clusterData()).map(NetnsCluster::hostOfKeeper);
  }

  /** The master's host; fails when no master is routed. */
  int master() {
    return masterHost().orElseThrow(() -> new IllegalStateException("no routed master"));
  }

  /** The host of the store's leader sentinel, as rhizomectl status reports it; empty when it cannot tell. */
  Optional<Integer> storeLeaderHost() {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"id\"\\s*:\\s*\"s(\\d+)\"[^}]*\"leader\"\\s*:\\s*true")
        .matcher(ctlRead("status", "--format", "json"));
    return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
  }

  /** The keeper hosts in the master's synchronous set now. */
  List<Integer> synchronousStandbyHosts() {
    ClusterData cd = clusterData();
    return ClusterView.routedMasterDb(cd).map(m -> m.getStatus().getSynchronousStandbysList().stream()
        .map(uid -> cd.getDbsMap().get(uid)).filter(java.util.Objects::nonNull)
        .map(db -> hostOfKeeper(db.getSpec().getKeeperId())).toList()).orElse(List.of());
  }

  /** The database hosts other than {@code host}. */
  static List<Integer> otherDatabaseHosts(int host) {
    return databaseHosts().filter(h -> h != host).boxed().toList();
  }

  List<String> keeperIds() {
    return databaseHosts().mapToObj(NetnsCluster::keeperId).toList();
  }

  boolean steady() {
    return ClusterView.steady(clusterData(), keeperIds());
  }

  void awaitSteady(Duration limit) {
    await("a routed master and every keeper streaming from it").atMost(limit).pollInterval(Duration.ofSeconds(1))
        .ignoreExceptions().until(this::steady);
  }

  void awaitMasterOn(int host, Duration limit) {
    await("master on host " + host).atMost(limit).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
        .until(() -> masterHost().orElse(0) == host);
  }

  /** Power on: lifts the host's faults and starts its daemons again on their data dirs. */
  void powerOn(int host) throws IOException {
    bed.heal(host);
    for (HostDaemon d : daemonsOf(host)) {
      if (!d.isAlive()) {
        d.start();
      }
    }
  }

  List<HostDaemon> daemonsOf(int host) {
    List<HostDaemon> out = new ArrayList<>();
    Optional.ofNullable(sentinels.get(host)).ifPresent(out::add);
    Optional.ofNullable(keepers.get(host)).ifPresent(out::add);
    if (host == PROXY_HOST) {
      out.add(proxy);
    }
    return out;
  }

  // ---- the end of a scenario ----

  /** Reads the end state from each PostgreSQL directly and judges the writes (does not assert). */
  Verdict check(List<WriteRecord> writes, Expectation expectation) {
    FinalState end = finalState();
    Verdict v = WriteChecker.check(writes, end, expectation);
    int failovers;
    try {
      failovers = ClusterView.failovers(clusterData());
    } catch (RuntimeException e) {
      failovers = -1;
    }
    System.out.println("hosts verdict: " + v.summary() + " failovers=" + failovers);
    return v;
  }

  FinalState finalState() {
    List<Member> members = new ArrayList<>();
    int primaryPort = masterHost().map(NetnsCluster::pgPort).orElse(-1);
    for (int h : databaseHosts().toArray()) {
      Optional<String> recovery = psql(h, "SELECT pg_is_in_recovery()");
      if (recovery.isEmpty()) {
        members.add(new Member(keeperId(h), pgPort(h), false, false, 0));
        continue;
      }
      boolean inRecovery = recovery.get().strip().equals("t");
      int upstream = 0;
      if (inRecovery) {
        String port = psql(h, "SELECT sender_port FROM pg_stat_wal_receiver WHERE status = 'streaming'")
            .orElse("").strip();
        upstream = port.isEmpty() ? 0 : Integer.parseInt(port);
      } else if (primaryPort < 0) {
        primaryPort = pgPort(h);
      }
      members.add(new Member(keeperId(h), pgPort(h), true, inRecovery, upstream));
    }
    long systemId = 0;
    int timeline = 0;
    Set<Long> ids = new HashSet<>();
    if (primaryPort > 0) {
      int h = primaryPort - 5440;
      systemId = Long.parseLong(psql(h, "SELECT system_identifier FROM pg_control_system()").orElse("0").strip());
      timeline = Integer.parseInt(psql(h,
          "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_insert_lsn()), 1, 8))::bit(32)::int")
          .orElse("0").strip());
      Optional<String> rows = psql(h, "SELECT id FROM " + WriteWorkload.TABLE);
      if (rows.isEmpty()) {
        System.out.println("hosts: cannot read the final primary's rows (host " + h + ")");
      }
      rows.ifPresent(text -> text.lines().map(String::strip).filter(l -> !l.isEmpty())
          .forEach(l -> ids.add(Long.parseLong(l))));
    }
    return new FinalState(primaryPort, systemId, timeline, ids, members);
  }

  /**
   * One query on host {@code host}'s PostgreSQL through its Unix socket (the keeper's
   * {@code run} dir on the shared disk: no network between the test and the bed); empty when it
   * does not answer.
   */
  Optional<String> psql(int host, String sql) {
    List<String> command = List.of(psqlBinary(), "-X", "-A", "-t", "-q",
        "-h", dir.resolve(keeperId(host)).resolve("run").toString(), "-p", Integer.toString(pgPort(host)),
        "-U", "postgres", "-d", "postgres", "-c", sql);
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(false);
      pb.environment().put("PGPASSWORD", SU_PASSWORD);
      pb.environment().put("PGCONNECT_TIMEOUT", "5");
      Process p = pb.redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (!p.waitFor(PSQL_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        return Optional.empty();
      }
      return p.exitValue() == 0 ? Optional.of(out) : Optional.empty();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run psql: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** psql of the server binaries the keepers use (Debian's /usr/bin/psql is a wrapper that may pick another). */
  private static String psqlBinary() {
    try (var versions = Files.list(Path.of("/usr/lib/postgresql"))) {
      return versions.map(v -> v.resolve("bin/psql")).filter(Files::isExecutable).sorted()
          .reduce((a, b) -> b).map(Path::toString).orElse("psql");
    } catch (IOException e) {
      return "psql";
    }
  }

  /** Stops every daemon (thawing the hosts first), removes the bed, prints the daemons' log tails. */
  @Override
  public void close() {
    for (int h = 1; h <= bed.size(); h++) {
      try {
        bed.heal(h);
        bed.thaw(h);
      } catch (RuntimeException e) {
        System.out.println("hosts: cannot heal host " + h + ": " + e.getMessage());
      }
    }
    // the sentinels first: stopped keepers would otherwise be failed over one by one on the way out
    List<HostDaemon> all = new ArrayList<>(sentinels.values());
    all.add(proxy);
    all.addAll(keepers.values());
    for (HostDaemon d : all) {
      try {
        d.close();
      } catch (Exception e) {
        System.out.println("hosts: stopping " + d + " failed: " + e);
      }
    }
    bed.close();
    try {
      DaemonLogs.printTails(dir);
      DaemonLogs.keep(dir);
    } catch (IOException e) {
      System.out.println("hosts: cannot print the daemon logs: " + e);
    }
  }
}
