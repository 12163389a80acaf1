package io.rhizome.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The failover benchmark's baseline on the same machine and with the same client: Patroni with
 * etcd and HAProxy. N unplanned failovers (kill -9 of the leader's Patroni and PostgreSQL) and N
 * switchovers (patronictl); the client-observed write-unavailability window and lost
 * acknowledged writes, per timing profile. Prints a table like FailoverBench's.
 *
 * <p>Usage: PatroniBench WORKDIR ROUNDS PG_BIN_DIR [default|fast ...]
 */
public final class PatroniBench {
  static final Map<String, PatroniCluster.Timing> TIMINGS = Map.of(
      "default", new PatroniCluster.Timing("default (ttl 30, loop_wait 10, retry_timeout 10)", 30, 10, 10),
      // the most aggressive Patroni 3.0.2 accepts; 3.2 and later refuse ttl below 20
      "fast", new PatroniCluster.Timing("fast (ttl 5, loop_wait 1, retry_timeout 2)", 5, 1, 2));

  public static void main(String[] args) throws Exception {
    java.util.logging.Logger.getLogger("org.postgresql").setLevel(java.util.logging.Level.OFF);
    Path dir = Path.of(args[0]);
    int rounds = Integer.parseInt(args[1]);
    Path pgBin = Path.of(args[2]);
    List<String> profiles = args.length > 3 ? List.of(args).subList(3, args.length) : List.of("default", "fast");
    List<Map<String, Object>> results = new ArrayList<>();
    for (String profile : profiles) {
      PatroniCluster.Timing timing = TIMINGS.get(profile);
      if (timing == null) {
        throw new IllegalArgumentException("unknown timing profile " + profile + " (use default or fast)");
      }
      results.addAll(run(dir.resolve(profile), rounds, timing, pgBin));
    }
    System.out.println("| Patroni 3.0.2 timing | kind | runs | write-unavailability min / median / max (ms) "
        + "| lost acknowledged writes |");
    System.out.println("| --- | --- | --- | --- | --- |");
    for (String profile : profiles) {
      for (String kind : List.of("failover", "switchover")) {
        List<Map<String, Object>> rs = results.stream()
            .filter(r -> r.get("profile").equals(profile) && r.get("kind").equals(kind)).toList();
        if (rs.isEmpty()) {
          continue;
        }
        List<Long> w = FailoverBench.values(rs, "window");
        System.out.printf("| %s | %s | %d | %d / %d / %d | %d |%n", TIMINGS.get(profile).name(), kind, rs.size(),
            w.get(0), FailoverBench.median(w), w.get(w.size() - 1),
            FailoverBench.values(rs, "lost").stream().mapToLong(Long::longValue).sum());
      }
    }
  }

  static List<Map<String, Object>> run(Path dir, int rounds, PatroniCluster.Timing timing, Path pgBin)
      throws Exception {
    List<Map<String, Object>> results = new ArrayList<>();
    String profile = dir.getFileName().toString();
    try (PatroniCluster cluster = new PatroniCluster(dir, timing, pgBin)) {
      cluster.start();
      FailoverBench.waitFor("a Patroni leader and a streaming replica", 180_000, cluster::ready);
      Writer writer = new Writer(cluster.haproxyPort, "postgres", PatroniCluster.SU_PASSWORD);
      writer.createTable();
      // the table must be on the replica before the first fault, or the benchmark measures a
      // lost CREATE TABLE (every later write fails) instead of a failover
      FailoverBench.waitFor("the replica streaming", 180_000, cluster::ready);
      Thread t = new Thread(writer, "writer");
      t.setDaemon(true);
      t.start();
      for (int i = 0; i < rounds; i++) {
        int leader = cluster.leader().orElseThrow();
        Thread.sleep(1_000); // steady writes before the fault
        long killedAt = System.currentTimeMillis();
        cluster.killNode(leader);
        FailoverBench.waitFor("the replica promoted", 300_000, () -> cluster.leader().orElse(leader) != leader);
        long window = writer.awaitWriteAfter(killedAt, System.currentTimeMillis());
        cluster.startNode(leader);
        results.add(row(profile, "failover", window, writer.lost()));
        FailoverBench.waitFor("the old leader back as a streaming replica", 300_000, cluster::ready);
      }
      for (int i = 0; i < rounds; i++) {
        int leader = cluster.leader().orElseThrow();
        Thread.sleep(1_000);
        long askedAt = System.currentTimeMillis();
        if (!cluster.switchover(leader)) {
          throw new IllegalStateException("patronictl switchover failed");
        }
        FailoverBench.waitFor("the replica promoted", 300_000, () -> cluster.leader().orElse(leader) != leader);
        long window = writer.awaitWriteAfter(askedAt, System.currentTimeMillis());
        results.add(row(profile, "switchover", window, writer.lost()));
        FailoverBench.waitFor("the old leader back as a streaming replica", 300_000, cluster::ready);
      }
      writer.stop();
      t.join();
    }
    return results;
  }

  static Map<String, Object> row(String profile, String kind, long window, long lost) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("profile", profile);
    r.put("kind", kind);
    r.put("window", window);
    r.put("lost", lost);
    System.err.println(r);
    return r;
  }

  private PatroniBench() {}
}
