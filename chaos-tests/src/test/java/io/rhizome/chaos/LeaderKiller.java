package io.rhizome.chaos;

import static org.awaitility.Awaitility.await;

import io.rhizome.store.StoreClient;
import io.rhizome.store.StoreClientConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;

/**
 * The nemesis of the store tests: kill -9 the sentinel that leads the Raft group, keep it down
 * while the others elect a new leader, then restart it on the same data dir and wait until it
 * answers again.
 */
final class LeaderKiller {

  /** One fault, with {@link System#nanoTime()} instants. */
  record Kill(String peer, long killedAt, long deadAt, long restartedAt, long backAt) {}

  private static final Duration ELECTION_LIMIT = Duration.ofSeconds(20);
  private static final Duration RESTART_LIMIT = Duration.ofSeconds(30);

  private final Map<String, SentinelProcess> sentinels;
  private final StoreClientConfig adminConfig;
  private final StoreClient admin;

  /** {@code admin} must have been connected with {@code adminConfig}. */
  LeaderKiller(Map<String, SentinelProcess> sentinels, StoreClientConfig adminConfig,
      StoreClient admin) {
    this.sentinels = Map.copyOf(sentinels);
    this.adminConfig = adminConfig;
    this.admin = admin;
  }

  /** The sentinel that leads, as it says itself (a follower's view may lag an election). */
  String awaitLeader() {
    return await("a leader").atMost(ELECTION_LIMIT).pollInterval(Duration.ofMillis(100))
        .ignoreExceptions().until(() -> {
          String id = admin.status().getLeaderId();
          return !id.isEmpty() && admin.status(id).getLeaderId().equals(id) ? id : "";
        }, id -> !id.isEmpty());
  }

  /** Kills the current leader, keeps it down at least {@code downtime}, restarts it. */
  Kill killLeaderAndRestart(Duration downtime) throws IOException, InterruptedException {
    String leader = awaitLeader();
    SentinelProcess victim = sentinels.get(leader);
    long killedAt = System.nanoTime();
    victim.kill();
    long deadAt = System.nanoTime();
    // the survivors must elect a new leader while the victim stays dead for the whole downtime
    await("a new leader after killing " + leader).atMost(ELECTION_LIMIT.plus(downtime))
        .pollInterval(Duration.ofMillis(100)).ignoreExceptions()
        .until(() -> {
          String now = admin.status().getLeaderId();
          return !now.isEmpty() && !now.equals(leader)
              && System.nanoTime() - killedAt >= downtime.toNanos();
        });
    long restartedAt = System.nanoTime();
    victim.start();
    try {
      await(leader + " answering after its restart").atMost(RESTART_LIMIT)
          .pollInterval(Duration.ofMillis(200)).ignoreExceptions()
          .until(() -> answersFreshClient(leader));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      System.out.println(leader + " did not answer within " + RESTART_LIMIT.toSeconds() + " s of its restart; "
          + "each sentinel's own view: " + views());
      throw e;
    }
    return new Kill(leader, killedAt, deadAt, restartedAt, System.nanoTime());
  }

  /** Each sentinel's term, leader, commit and applied index as it says itself, or why it did not answer. */
  private String views() {
    StringBuilder out = new StringBuilder();
    try (StoreClient probe = StoreClient.connect(adminConfig)) {
      for (String id : new java.util.TreeSet<>(sentinels.keySet())) {
        try {
          var st = probe.status(id);
          out.append(String.format("%s: term %d, leader %s, commit %d, applied %d; ", id, st.getTerm(),
              st.getLeaderId(), st.getCommitIndex(), st.getAppliedIndex()));
        } catch (RuntimeException e) {
          out.append(id).append(": ").append(e.getMessage()).append("; ");
        }
      }
    }
    return out.toString();
  }

  /**
   * Asked through a client of its own: the long-lived admin client's gRPC channel to the killed
   * peer sits in reconnect backoff (1 s, x1.6, up to 120 s), so through it a sentinel that is back
   * can look silent for many seconds (CI once waited 9.4 s, once over 30 s).
   */
  private boolean answersFreshClient(String peer) {
    try (StoreClient probe = StoreClient.connect(adminConfig)) {
      return probe.status(peer).getServerId().equals(peer);
    }
  }
}
