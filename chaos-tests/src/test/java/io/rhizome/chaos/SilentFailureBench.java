package io.rhizome.chaos;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.rhizome.chaos.ChaosScenarios.Replication;
import io.rhizome.chaos.WriteChecker.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write-unavailability window through the proxy when the master's host fails silently (issue
 * #19, docs/benchmarks.md): rounds of "master host isolated" and "master host powered off" on
 * the network-namespace hosts, beside kill -9 of the master's keeper and PostgreSQL on loopback in
 * the same run, synchronous replication, default timings. The window is the longest gap between
 * two acknowledged writes around the fault. Every round heals, waits for the old master to rejoin
 * as a standby, and the whole history of each cluster is judged by the {@link WriteChecker} at
 * the end (zero lost, no split brain). Not a test: {@code bench/silent-failure-bench.sh} runs it
 * ({@code mvn -Psilent-bench}); {@code -Dbench.rounds=N} rounds of each (default 10).
 */
class SilentFailureBench {
  static final Duration SOON = Duration.ofSeconds(60);
  static final Duration SETTLE = Duration.ofSeconds(180);

  @TempDir Path tmp;

  record Round(String fault, long windowMillis, boolean leaderOnMasterHost) {}

  @Test
  void silentFailuresBesideKillOnLoopback() throws Exception {
    assumeFalse("root".equals(System.getProperty("user.name")), "PostgreSQL refuses to run as root");
    HostBed.requireCapability();
    int rounds = Integer.getInteger("bench.rounds", 10);
    List<Round> results = new ArrayList<>();
    Map<String, Verdict> verdicts = new LinkedHashMap<>();
    verdicts.put("hosts", onHosts(rounds, results));
    verdicts.put("loopback", onLoopback(rounds, results));
    System.out.println(table(results, verdicts));
    Files.writeString(Path.of(System.getProperty("bench.out", tmp.resolve("table.md").toString())),
        table(results, verdicts));
    verdicts.forEach((where, v) -> assertTrue(v.ok(), where + ": " + v.summary()));
  }

  private Verdict onHosts(int rounds, List<Round> results) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("hosts"));
    try (NetnsCluster c = NetnsCluster.start(dir, Replication.SYNC.spec())) {
      HostWriter w = c.writer(2, Duration.ofMillis(10), 1, "writer");
      try {
        awaitAcksAfter(w, Long.MIN_VALUE, 30);
        List<Long> faults = new ArrayList<>();
        for (int r = 1; r <= rounds; r++) {
          for (String fault : List.of("isolated", "powered off")) {
            int old = c.master();
            boolean leaderThere = leaderHost(c) == old;
            long at = System.nanoTime();
            faults.add(at);
            if (fault.equals("isolated")) {
              c.bed.isolate(old);
            } else {
              c.bed.powerOff(old);
            }
            await("a master on another host").atMost(SOON).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> c.masterHost().orElse(old) != old);
            awaitAcksAfter(w, at, 30);
            if (fault.equals("isolated")) {
              c.bed.heal(old);
            } else {
              c.powerOn(old);
            }
            c.awaitSteady(SETTLE);
            long window = windowMillis(w.records(), at);
            results.add(new Round("master host " + fault + " (hosts)", window, leaderThere));
            System.out.printf(Locale.ROOT, "bench: round %d, master host %s: window %d ms (leader sentinel %s)%n",
                r, fault, window, leaderThere ? "on it" : "elsewhere");
          }
        }
        List<WriteRecord> history = w.stop();
        return c.check(history, Replication.SYNC.expectation().withFaults(faults));
      } finally {
        w.close();
      }
    }
  }

  private Verdict onLoopback(int rounds, List<Round> results) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("loopback"));
    try (ChaosCluster c = ChaosCluster.start(dir, 3, Replication.SYNC.spec())) {
      WriteWorkload w = c.workload(2, Duration.ofMillis(10));
      w.start(SOON);
      List<Long> faults = new ArrayList<>();
      for (int r = 1; r <= rounds; r++) {
        long before = System.nanoTime();
        await("writes before the fault").atMost(SOON).pollInterval(Duration.ofMillis(100))
            .until(() -> w.ackedSince(before) >= 30);
        ChaosCluster.Node old = c.master();
        long at = System.nanoTime();
        faults.add(at);
        ChaosScenarios.killHost(old);
        await("a master on another keeper").atMost(SOON).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
            .until(() -> c.routedMaster().map(n -> n != old).orElse(false));
        await("writes after the failover").atMost(SOON).pollInterval(Duration.ofMillis(100))
            .until(() -> w.ackedSince(at) >= 30);
        old.keeper().start();
        c.awaitSteady(SETTLE);
        long window = windowMillis(w.recordsFrom(0), at);
        results.add(new Round("kill -9 of keeper and PostgreSQL (loopback)", window, false));
        System.out.printf(Locale.ROOT, "bench: round %d, kill -9 on loopback: window %d ms%n", r, window);
      }
      return c.check(w.stop(), Replication.SYNC.expectation().withFaults(faults));
    }
  }

  /** The host of the store's leader; 0 when rhizomectl cannot tell. */
  private static int leaderHost(NetnsCluster c) {
    try {
      return c.storeLeaderHost().orElse(0);
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private static void awaitAcksAfter(HostWriter w, long at, int n) {
    await(n + " acknowledged writes after the fault").atMost(SOON).pollInterval(Duration.ofMillis(200))
        .until(() -> w.ackedSince(at) >= n);
  }

  /**
   * The longest gap between two consecutive acknowledgements (their ends) from the last one
   * before {@code faultNanos} to 60 s after it: how long writes through the proxy were out.
   */
  static long windowMillis(List<WriteRecord> records, long faultNanos) {
    List<Long> ends = records.stream().filter(r -> r.outcome() == WriteRecord.Outcome.ACK)
        .map(WriteRecord::endNanos).sorted().toList();
    long last = ends.stream().filter(e -> e <= faultNanos).reduce((a, b) -> b).orElse(faultNanos);
    long until = faultNanos + SOON.toNanos();
    long longest = 0;
    for (long e : ends) {
      if (e > last && e <= until) {
        longest = Math.max(longest, e - last);
        last = e;
      }
    }
    return longest / 1_000_000;
  }

  static String table(List<Round> results, Map<String, Verdict> verdicts) {
    StringBuilder out = new StringBuilder();
    out.append("| fault | rounds | min | median | p90 | max (ms) |\n| --- | --- | --- | --- | --- | --- |\n");
    Map<String, List<Long>> byFault = new LinkedHashMap<>();
    for (Round r : results) {
      byFault.computeIfAbsent(r.fault(), k -> new ArrayList<>()).add(r.windowMillis());
      if (r.fault().contains("hosts")) {
        String sub = r.fault() + (r.leaderOnMasterHost() ? ", leader sentinel on it" : ", leader sentinel elsewhere");
        byFault.computeIfAbsent(sub, k -> new ArrayList<>()).add(r.windowMillis());
      }
    }
    byFault.entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.naturalOrder())).forEach(e -> {
      List<Long> v = e.getValue().stream().sorted().toList();
      out.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %d |%n", e.getKey(), v.size(), v.get(0),
          percentile(v, 50), percentile(v, 90), v.get(v.size() - 1)));
    });
    verdicts.forEach((where, v) -> out.append("\n").append(where).append(": ").append(v.summary()));
    Map<String, List<Long>> raw = new LinkedHashMap<>();
    results.forEach(r -> raw.computeIfAbsent(r.fault(), k -> new ArrayList<>()).add(r.windowMillis()));
    raw.forEach((fault, v) -> out.append("\nraw, in order: ").append(fault).append(": ").append(v));
    return out.append('\n').toString();
  }

  /** Nearest-rank percentile of sorted values. */
  static long percentile(List<Long> sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }
}
