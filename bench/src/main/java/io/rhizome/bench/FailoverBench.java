package io.rhizome.bench;

import static io.rhizome.testsupport.LoopbackPorts.freePort;

import io.rhizome.cli.Main;
import io.rhizome.cluster.ClusterKeys;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.HistoryEntry;
import io.rhizome.store.PeerAddress;
import io.rhizome.store.StoreClient;
import io.rhizome.store.StoreClientConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Failover benchmark (issue #4/#7): 3 sentinels, 2 keepers with PostgreSQL, 1 proxy, all separate
 * processes from the runnable jar with default settings; a client writes through the proxy
 * continuously. N unplanned failovers (kill -9 of the master's keeper and its PostgreSQL) and N
 * switchovers; for each, the client-observed window without a successful write, broken down by
 * the controller's history (detection, fencing, promotion and routing), and lost acknowledged
 * writes. Prints a table.
 *
 * <p>Usage: FailoverBench JAR WORKDIR ROUNDS
 */
public final class FailoverBench {
  static final String CLUSTER = "bench";
  static final String SU_PASSWORD = "bench-su";

  public static void main(String[] args) throws Exception {
    // the writer's reconnects after each fault are expected; pgjdbc's warnings about them are noise
    java.util.logging.Logger.getLogger("org.postgresql").setLevel(java.util.logging.Level.OFF);
    Path jar = Path.of(args[0]);
    Path dir = Path.of(args[1]);
    int rounds = Integer.parseInt(args[2]);
    List<String> jvm = List.of(System.getenv().getOrDefault("RHIZOME_JAVA_OPTS", "").split("\\s+"));
    List<String> jvmOptions = jvm.stream().filter(s -> !s.isBlank()).toList();
    try (SentinelProcesses sentinels = new SentinelProcesses(jar, dir, 3, jvmOptions);
         DaemonSet daemons = new DaemonSet(jar, dir, jvmOptions)) {
      sentinels.startAll();
      String endpoints = sentinels.peers().stream().map(PeerAddress::address).collect(Collectors.joining(","));
      Path su = secret(dir, "su.pw", SU_PASSWORD);
      Path repl = secret(dir, "repl.pw", "bench-repl");
      int[] pgPorts = {freePort(), freePort()};
      for (int i = 0; i < 2; i++) {
        daemons.keeper("k" + i, endpoints, pgPorts[i], su, repl);
      }
      int proxyPort = freePort();
      daemons.proxy(endpoints, proxyPort);
      try (StoreClient store = StoreClient.connect(StoreClientConfig.of(sentinels.peers()))) {
        ClusterKeys keys = new ClusterKeys(CLUSTER);
        waitFor("rhizomectl init", 60_000, () -> ctl(endpoints, "init") == 0);
        String patch = System.getenv("RHIZOME_BENCH_SPEC_PATCH");
        if (patch != null && !patch.isBlank() && ctl(endpoints, "update", "--patch", patch) != 0) {
          throw new IllegalStateException("rhizomectl update --patch " + patch + " failed");
        }
        waitFor("a master and a streaming standby", 180_000, () -> ready(store, keys));
        Writer writer = new Writer(proxyPort, "postgres", SU_PASSWORD);
        writer.createTable();
        Thread t = new Thread(writer, "writer");
        t.setDaemon(true); // a failed run must still end
        t.start();
        List<Map<String, Object>> results = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
          results.add(unplanned(store, keys, daemons, writer, endpoints));
          waitFor("the old master back as a streaming standby", 180_000, () -> ready(store, keys));
        }
        for (int i = 0; i < rounds; i++) {
          results.add(planned(store, keys, writer, endpoints));
          waitFor("the old master back as a streaming standby", 180_000, () -> ready(store, keys));
        }
        writer.stop();
        t.join();
        print(results);
      }
    }
  }

  /** kill -9 of the master's keeper and its PostgreSQL, then wait for writes to succeed again. */
  static Map<String, Object> unplanned(StoreClient store, ClusterKeys keys, DaemonSet daemons, Writer writer,
      String endpoints) throws Exception {
    ClusterData before = clusterData(store, keys);
    Db master = before.getDbsOrThrow(before.getProxy().getSpec().getMasterDbUid());
    String keeper = master.getSpec().getKeeperId();
    int history = before.getHistoryCount();
    Thread.sleep(1_000); // steady writes before the fault
    long killedAt = System.currentTimeMillis();
    daemons.killKeeperAndPostgres(keeper);
    // the dead keeper's last info stays until it expires: its key is due failInterval after that write
    long failInterval = io.rhizome.cluster.EffectiveSpec.of(before.getCluster().getSpec()).failInterval().toMillis();
    long expiryDue = store.get(keys.keeper(keeper)).map(kv -> {
      try {
        return io.rhizome.proto.cluster.KeeperInfo.parseFrom(kv.getValue()).getPublishedAtMillis() + failInterval;
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new IllegalStateException(e);
      }
    }).orElse(killedAt);
    HistoryEntry h = awaitHistory(store, keys, history);
    long window = writer.awaitWriteAfter(killedAt, h.getTimeMillis());
    daemons.restartKeeper(keeper);
    Map<String, Object> r = row("failover", killedAt, window, h, writer.lost());
    // detection = the key's remaining TTL at the kill + the controller learning of its expiry
    r.put("ttl", Math.max(0, expiryDue - killedAt));
    r.put("learning", (long) r.get("detection") - Math.max(0, expiryDue - killedAt));
    return r;
  }

  static Map<String, Object> planned(StoreClient store, ClusterKeys keys, Writer writer, String endpoints)
      throws Exception {
    ClusterData before = clusterData(store, keys);
    int history = before.getHistoryCount();
    Thread.sleep(1_000);
    long askedAt = System.currentTimeMillis();
    if (ctl(endpoints, "switchover", "--timeout", "60s") != 0) {
      throw new IllegalStateException("switchover failed");
    }
    HistoryEntry h = awaitHistory(store, keys, history);
    long window = writer.awaitWriteAfter(askedAt, h.getTimeMillis());
    Db master = clusterData(store, keys).getDbsOrThrow(h.getNewMasterDbUid());
    return row("switchover", askedAt, window, h, writer.lost());
  }

  static Map<String, Object> row(String kind, long faultAt, long window, HistoryEntry h, long lost) {
    Map<String, Object> r = new LinkedHashMap<>();
    long started = h.getTimeMillis() - h.getDurationMillis();
    r.put("kind", kind);
    r.put("window", window);
    r.put("detection", started - faultAt);
    r.put("fencing", h.getPromotedAtMillis() - started);
    r.put("promotion", h.getTimeMillis() - h.getPromotedAtMillis());
    r.put("routing", window - (h.getTimeMillis() - faultAt));
    r.put("lost", lost);
    System.err.println(r);
    return r;
  }

  static void print(List<Map<String, Object>> results) {
    System.out.println("| kind | runs | write-unavailability min / median / max (ms) | detection (TTL left + controller learning) "
        + "| fencing | promotion | routing (medians, ms) | lost acknowledged writes |");
    System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (String kind : List.of("failover", "switchover")) {
      List<Map<String, Object>> rs = results.stream().filter(r -> r.get("kind").equals(kind)).toList();
      if (rs.isEmpty()) {
        continue;
      }
      List<Long> w = values(rs, "window");
      String detection = median(values(rs, "detection")) + (rs.get(0).containsKey("ttl")
          ? " (" + median(values(rs, "ttl")) + " + " + median(values(rs, "learning")) + ")" : "");
      System.out.printf("| %s | %d | %d / %d / %d | %s | %d | %d | %d | %d |%n", kind, rs.size(), w.get(0),
          median(w), w.get(w.size() - 1), detection, median(values(rs, "fencing")),
          median(values(rs, "promotion")), median(values(rs, "routing")),
          values(rs, "lost").stream().mapToLong(Long::longValue).sum());
    }
  }

  /** The middle value (the lower middle for an even count) of sorted values. */
  static long median(List<Long> sorted) {
    return sorted.isEmpty() ? 0 : sorted.get((sorted.size() - 1) / 2);
  }

  static List<Long> values(List<Map<String, Object>> rs, String key) {
    return rs.stream().map(r -> (Long) r.get(key)).sorted().toList();
  }

  static HistoryEntry awaitHistory(StoreClient store, ClusterKeys keys, int before) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      try {
        ClusterData cd = clusterData(store, keys);
        if (cd.getHistoryCount() > before) {
          return cd.getHistory(cd.getHistoryCount() - 1);
        }
      } catch (RuntimeException e) {
        // the store may be electing; ask again
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("no failover recorded within 120 s");
  }

  static boolean ready(StoreClient store, ClusterKeys keys) {
    ClusterData cd = clusterData(store, keys);
    Db master = cd.getDbsMap().get(cd.getProxy().getSpec().getMasterDbUid());
    if (master == null || cd.getCluster().getStatus().hasFailover()) {
      return false;
    }
    return cd.getDbsMap().values().stream().anyMatch(d -> d.getSpec().getRole() == DbRole.STANDBY
        && d.getStatus().getHealthy() && d.getStatus().getCurrentGeneration() == d.getGeneration()
        && master.getStatus().getStreamingStandbysList().contains(d.getUid())
        && master.getStatus().getXlogPos() - d.getStatus().getXlogPos() < 64 * 1024);
  }

  static ClusterData clusterData(StoreClient store, ClusterKeys keys) {
    try {
      return ClusterData.parseFrom(store.get(keys.clusterData()).orElseThrow().getValue());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  static int ctl(String endpoints, String... args) {
    List<String> all = new ArrayList<>(List.of("ctl", "--cluster-name", CLUSTER, "--store-endpoints", endpoints));
    all.addAll(List.of(args));
    StringWriter err = new StringWriter();
    int exit = Main.run(all.toArray(String[]::new), "rhizome", new PrintWriter(new StringWriter()), new PrintWriter(err, true));
    if (exit != 0) {
      System.err.println("rhizomectl " + String.join(" ", args) + ": " + err.toString().trim());
    }
    return exit;
  }

  interface Check {
    boolean ok() throws Exception;
  }

  static void waitFor(String what, long millis, Check check) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (System.currentTimeMillis() < deadline) {
      try {
        if (check.ok()) {
          return;
        }
      } catch (Exception e) {
        // not yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("timed out waiting for " + what);
  }

  static Path secret(Path dir, String name, String content) throws IOException {
    Files.createDirectories(dir);
    Path f = dir.resolve(name);
    Files.writeString(f, content + "\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    return f;
  }

  private FailoverBench() {}
}
