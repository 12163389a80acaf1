package io.rhizome.chaos;

import static io.rhizome.testsupport.LoopbackPorts.freePort;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.chaos.LeaderKiller.Kill;
import io.rhizome.chaos.linearizability.CheckResult;
import io.rhizome.chaos.linearizability.History;
import io.rhizome.chaos.linearizability.LinearizabilityChecker;
import io.rhizome.chaos.linearizability.Operation;
import io.rhizome.store.PeerAddress;
import io.rhizome.store.StoreClient;
import io.rhizome.store.StoreClientConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three sentinel processes; four clients read, write and compare-and-set three keys while the
 * Raft leader is killed with SIGKILL and restarted, three or four times. Every call is recorded,
 * and the history must be linearizable: no acknowledged write lost, no stale read, no CAS from a
 * state the key never had. The store must also make progress after every kill.
 */
class StoreLinearizabilityUnderLeaderKillTest {
  private static final String CLUSTER = "lintest";
  private static final List<String> KEYS =
      List.of("/lintest/register/k0", "/lintest/register/k1", "/lintest/register/k2");
  // one client gives up sooner than a failover takes, so some writes end with an unknown outcome
  private static final List<Duration> CLIENT_TIMEOUTS = List.of(Duration.ofSeconds(3),
      Duration.ofSeconds(3), Duration.ofSeconds(3), Duration.ofMillis(500));
  // short, so the nemesis notices a restarted sentinel answering soon after it does
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration WORKER_STOP_LIMIT = Duration.ofSeconds(10);
  private static final int MIN_KILLS = 3;
  private static final int MAX_KILLS = 4;
  /** No kill starts after this, once MIN_KILLS are done: keeps the test near 25 s on a busy host. */
  private static final Duration LAST_KILL_BY = Duration.ofSeconds(16);
  private static final Duration WARM_UP = Duration.ofSeconds(2);
  private static final Duration DOWNTIME = Duration.ofMillis(1200);
  private static final Duration BETWEEN_KILLS = Duration.ofMillis(1500);

  // kept when the test fails: the recorded history and the sentinels' logs are there
  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;

  private final Map<String, SentinelProcess> sentinels = new LinkedHashMap<>();
  private final List<StoreClient> clients = new ArrayList<>();
  private final List<Thread> workers = new ArrayList<>();
  private final AtomicBoolean stop = new AtomicBoolean();

  @Test
  @Timeout(value = 110, unit = TimeUnit.SECONDS)
  void historyStaysLinearizableWhileTheLeaderIsKilledAndRestarted() throws Exception {
    List<PeerAddress> peers = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      peers.add(new PeerAddress("s" + i, "127.0.0.1", freePort()));
    }
    for (PeerAddress p : peers) {
      SentinelProcess s = new SentinelProcess(CLUSTER, p, peers, dir);
      sentinels.put(p.id(), s);
      s.start();
    }
    StoreClientConfig admin = StoreClientConfig.of(peers).withRequestTimeout(ADMIN_TIMEOUT);
    LeaderKiller killer = new LeaderKiller(sentinels, admin, client(admin));
    System.out.println("first leader " + killer.awaitLeader() + "; sentinel logs in " + dir);

    History history = new History();
    long start = System.nanoTime();
    for (int p = 0; p < CLIENT_TIMEOUTS.size(); p++) {
      StoreClient c = client(peers, CLIENT_TIMEOUTS.get(p));
      Thread t = new Thread(new RegisterWorkload(p, c, KEYS, history, stop, 1000 + p),
          "register-client-" + p);
      workers.add(t);
      t.start();
    }
    runFor(WARM_UP);
    List<Kill> kills = new ArrayList<>();
    while (kills.size() < MIN_KILLS
        || kills.size() < MAX_KILLS && System.nanoTime() - start < LAST_KILL_BY.toNanos()) {
      Kill kill = killer.killLeaderAndRestart(DOWNTIME);
      kills.add(kill);
      System.out.printf("kill %d: %s killed at %.1fs, gone at %.1fs, restarted at %.1fs,"
          + " answering at %.1fs%n", kills.size(), kill.peer(), seconds(kill.killedAt() - start),
          seconds(kill.deadAt() - start), seconds(kill.restartedAt() - start),
          seconds(kill.backAt() - start));
      runFor(BETWEEN_KILLS);
    }
    stopWorkers();
    long end = System.nanoTime();

    List<Operation> ops = history.operations();
    System.out.println(summary(ops, seconds(end - start)));
    Files.write(dir.resolve("history.txt"), ops.stream().map(op -> op.key() + " " + op.describe(start))
        .toList());
    long checkStart = System.nanoTime();
    CheckResult result = new LinearizabilityChecker().check(history);
    System.out.printf("checked in %.2fs: %s%n", seconds(System.nanoTime() - checkStart),
        result.explanation());

    assertReplicasAgree(admin);
    assertTrue(result.linearizable(),
        () -> result.explanation() + "\nhistory and sentinel logs in " + dir);
    for (int i = 0; i < kills.size(); i++) {
      long from = kills.get(i).killedAt();
      long to = i + 1 < kills.size() ? kills.get(i + 1).killedAt() : end;
      String window = "after kill " + (i + 1) + " of " + kills.get(i).peer();
      assertTrue(ops.stream().anyMatch(op -> succeededWithin(op, from, to) && op.mutates()),
          "no write succeeded " + window + " (before the next kill)");
      assertTrue(ops.stream().anyMatch(op -> succeededWithin(op, from, to) && !op.mutates()),
          "no read succeeded " + window + " (before the next kill)");
    }
  }

  /**
   * Once the writes have stopped and every sentinel has applied the same log, every sentinel's
   * state is the same: the revision counts every write that took effect, so a write that took
   * effect on one replica and not on another shows. The history check alone misses that when no
   * client happens to read across the failover where it matters.
   */
  private void assertReplicasAgree(StoreClientConfig admin) {
    Map<String, io.rhizome.proto.store.StatusReply> views = new java.util.TreeMap<>();
    try (StoreClient probe = StoreClient.connect(admin)) {
      await("every sentinel at the same applied index").atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
            for (String id : sentinels.keySet()) {
              views.put(id, probe.status(id));
            }
            return views.values().stream().map(v -> v.getAppliedIndex()).distinct().count() == 1;
          });
    }
    String summary = views.entrySet().stream().map(e -> e.getKey() + ": applied " + e.getValue().getAppliedIndex()
        + ", revision " + e.getValue().getRevision() + ", keys " + e.getValue().getKeyCount())
        .collect(Collectors.joining("; "));
    System.out.println("replicas: " + summary);
    assertEquals(1, views.values().stream().map(v -> v.getRevision() + "/" + v.getKeyCount()).distinct().count(),
        "the replicas' states diverged: " + summary + "; sentinel logs in " + dir);
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    try {
      stopWorkers();
      clients.forEach(StoreClient::close);
    } finally {
      for (SentinelProcess s : sentinels.values()) {
        s.stop();
      }
    }
  }

  private static boolean succeededWithin(Operation op, long from, long to) {
    return op.outcome() == Operation.Outcome.OK && op.invokeNanos() >= from && op.completeNanos() <= to;
  }

  private StoreClient client(List<PeerAddress> peers, Duration requestTimeout) {
    return client(StoreClientConfig.of(peers).withRequestTimeout(requestTimeout));
  }

  private StoreClient client(StoreClientConfig config) {
    StoreClient c = StoreClient.connect(config);
    clients.add(c);
    return c;
  }

  private void stopWorkers() throws InterruptedException {
    stop.set(true);
    for (Thread t : workers) {
      t.join(WORKER_STOP_LIMIT.toMillis());
    }
  }

  /** Lets the clients work undisturbed for {@code d}. */
  private static void runFor(Duration d) {
    long until = System.nanoTime() + d.toNanos();
    await().atMost(d.plusSeconds(5)).pollInterval(Duration.ofMillis(50))
        .until(() -> System.nanoTime() >= until);
  }

  private static String summary(List<Operation> ops, double seconds) {
    Map<String, Long> byKey = ops.stream()
        .collect(Collectors.groupingBy(Operation::key, java.util.TreeMap::new, Collectors.counting()));
    Map<String, Long> byOutcome = ops.stream()
        .collect(Collectors.groupingBy(op -> op.kind() + " " + op.outcome(), java.util.TreeMap::new,
            Collectors.counting()));
    Map<Integer, String> slowest = ops.stream()
        .filter(op -> op.outcome() != Operation.Outcome.UNKNOWN)
        .collect(Collectors.groupingBy(Operation::process, java.util.TreeMap::new,
            Collectors.collectingAndThen(Collectors.maxBy(java.util.Comparator.comparingLong(
                op -> op.completeNanos() - op.invokeNanos())),
                op -> String.format("%.2fs", seconds(op.get().completeNanos() - op.get().invokeNanos())))));
    return String.format("%d operations in %.1fs; per key %s; %s; slowest per client %s",
        ops.size(), seconds, byKey, byOutcome, slowest);
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
