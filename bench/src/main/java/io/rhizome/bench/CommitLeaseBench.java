package io.rhizome.bench;

import static io.rhizome.testsupport.LoopbackPorts.freePort;

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
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What the commit lease costs: 3 sentinels and one keeper (real PostgreSQL, default spec), pgbench
 * straight to PostgreSQL, with {@code commitLease} on and off in turns (the order alternating per
 * round, so a drift in machine load hits both alike). Workloads: TPC-B-like at 8 clients (commit
 * throughput with group commit) and at 1 client (the latency one commit pays), each with the
 * keeper JVM's CPU time per transaction read from /proc.
 *
 * <p>Usage: CommitLeaseBench JAR WORKDIR ROUNDS SECONDS PGBENCH
 */
public final class CommitLeaseBench {
  private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+)");
  private static final Pattern LATENCY = Pattern.compile("latency average = ([0-9.]+) ms");
  private static final long CLOCK_TICKS_PER_SECOND = 100;

  record Run(String workload, boolean lease, double tps, double latencyMs, double keeperCpuMicrosPerTx) {}

  public static void main(String[] args) throws Exception {
    Path jar = Path.of(args[0]);
    Path dir = Path.of(args[1]);
    int rounds = Integer.parseInt(args[2]);
    int seconds = Integer.parseInt(args[3]);
    String pgbench = args[4];
    List<String> jvm = List.of(System.getenv().getOrDefault("RHIZOME_JAVA_OPTS", "").split("\\s+"));
    List<String> jvmOptions = jvm.stream().filter(s -> !s.isBlank()).toList();
    try (SentinelProcesses sentinels = new SentinelProcesses(jar, dir, 3, jvmOptions);
        DaemonSet daemons = new DaemonSet(jar, dir, jvmOptions)) {
      sentinels.startAll();
      String endpoints = sentinels.peers().stream().map(PeerAddress::address).collect(Collectors.joining(","));
      Path su = FailoverBench.secret(dir, "su.pw", FailoverBench.SU_PASSWORD);
      Path repl = FailoverBench.secret(dir, "repl.pw", "bench-repl");
      int pgPort = freePort();
      daemons.keeper("k0", endpoints, pgPort, su, repl);
      try (StoreClient store = StoreClient.connect(StoreClientConfig.of(sentinels.peers()))) {
        ClusterKeys keys = new ClusterKeys(FailoverBench.CLUSTER);
        FailoverBench.waitFor("rhizomectl init", 60_000, () -> FailoverBench.ctl(endpoints, "init") == 0);
        FailoverBench.waitFor("a master", 180_000, () -> masterRuns(store, keys));
        pgbench(pgbench, pgPort, List.of("-i", "-s", "10", "-q"));
        List<Run> runs = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
          for (boolean lease : round % 2 == 0 ? new boolean[] {true, false} : new boolean[] {false, true}) {
            setLease(endpoints, pgPort, lease);
            for (int clients : new int[] {8, 1}) {
              runs.add(run(pgbench, pgPort, daemons, clients, lease, seconds));
            }
          }
        }
        print(runs);
      }
    }
  }

  static boolean masterRuns(StoreClient store, ClusterKeys keys) {
    ClusterData cd = FailoverBench.clusterData(store, keys);
    Db master = cd.getDbsMap().get(cd.getProxy().getSpec().getMasterDbUid());
    return master != null && master.getStatus().getHealthy();
  }

  /** Switches the lease and waits until PostgreSQL runs with it (and its standby streams) or without. */
  static void setLease(String endpoints, int pgPort, boolean on) throws Exception {
    if (FailoverBench.ctl(endpoints, "update", "--patch", "{\"commitLease\": " + on + "}") != 0) {
      throw new IllegalStateException("rhizomectl update failed");
    }
    FailoverBench.waitFor("commitLease " + on + " in effect", 60_000, () -> {
      try (Connection c = connect(pgPort); Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT current_setting('synchronous_standby_names'),"
              + " (SELECT count(*) FROM pg_stat_replication WHERE application_name = 'rhizome_lease'"
              + " AND state = 'streaming')")) {
        rs.next();
        boolean listed = rs.getString(1).contains("rhizome_lease");
        return on ? listed && rs.getInt(2) == 1 : !listed;
      }
    });
  }

  static Connection connect(int port) throws Exception {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("password", FailoverBench.SU_PASSWORD);
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
  }

  static Run run(String pgbench, int port, DaemonSet daemons, int clients, boolean lease, int seconds)
      throws Exception {
    ProcessHandle keeper = daemons.process("k0").orElseThrow();
    long cpuBefore = cpuTicks(keeper.pid());
    String out = pgbench(pgbench, port, List.of("-c", Integer.toString(clients), "-j", clients > 1 ? "2" : "1",
        "-T", Integer.toString(seconds)));
    long cpuTicks = cpuTicks(keeper.pid()) - cpuBefore;
    double tps = parse(TPS, out);
    double latency = parse(LATENCY, out);
    double cpuMicrosPerTx = cpuTicks * (1_000_000.0 / CLOCK_TICKS_PER_SECOND) / (tps * seconds);
    Run r = new Run(clients == 8 ? "tpcb-like, 8 clients" : "tpcb-like, 1 client", lease, tps, latency,
        cpuMicrosPerTx);
    System.err.println(r);
    return r;
  }

  static String pgbench(String pgbench, int port, List<String> args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(pgbench, "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres"));
    cmd.addAll(args);
    cmd.add("postgres");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("PGPASSWORD", FailoverBench.SU_PASSWORD);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException("pgbench " + args + " failed:\n" + out);
    }
    return out;
  }

  static double parse(Pattern p, String out) {
    Matcher m = p.matcher(out);
    if (!m.find()) {
      throw new IllegalStateException("no " + p + " in:\n" + out);
    }
    return Double.parseDouble(m.group(1));
  }

  /** utime + stime of a process, in clock ticks, from /proc/PID/stat. */
  static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  static void print(List<Run> runs) {
    Map<String, List<Run>> byWorkload = new LinkedHashMap<>();
    runs.forEach(r -> byWorkload.computeIfAbsent(r.workload(), k -> new ArrayList<>()).add(r));
    System.out.println("| workload | commitLease | TPS | mean latency ms | keeper CPU µs/tx | TPS on/off | latency on/off |");
    System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
    for (var e : byWorkload.entrySet()) {
      double[] tps = new double[2];
      double[] lat = new double[2];
      for (boolean lease : new boolean[] {false, true}) {
        List<Run> rs = e.getValue().stream().filter(r -> r.lease() == lease).toList();
        int i = lease ? 1 : 0;
        tps[i] = median(rs.stream().mapToDouble(Run::tps).toArray());
        lat[i] = median(rs.stream().mapToDouble(Run::latencyMs).toArray());
        double cpu = median(rs.stream().mapToDouble(Run::keeperCpuMicrosPerTx).toArray());
        System.out.println(String.format(Locale.ROOT, "| %s | %s | %.0f | %.3f | %.1f | %s | %s |", e.getKey(),
            lease ? "on" : "off", tps[i], lat[i], cpu, lease ? String.format(Locale.ROOT, "%.2f", tps[1] / tps[0]) : "",
            lease ? String.format(Locale.ROOT, "%.2f", lat[1] / lat[0]) : ""));
      }
    }
    System.out.println();
    System.out.println("raw TPS per round:");
    for (var e : byWorkload.entrySet()) {
      for (boolean lease : new boolean[] {false, true}) {
        System.out.println("  " + e.getKey() + " commitLease " + (lease ? "on" : "off") + ": "
            + e.getValue().stream().filter(r -> r.lease() == lease)
                .map(r -> String.format(Locale.ROOT, "%.0f", r.tps())).collect(Collectors.joining(" ")));
      }
    }
  }

  static double median(double[] v) {
    double[] s = v.clone();
    java.util.Arrays.sort(s);
    return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private CommitLeaseBench() {}
}
