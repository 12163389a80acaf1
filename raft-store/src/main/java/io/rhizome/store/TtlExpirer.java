package io.rhizome.store;

import io.rhizome.proto.store.ExpireRequest;
import io.rhizome.proto.store.KeyValue;
import io.rhizome.proto.store.WriteRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs on the leader only: every tick asks the {@link TtlTracker} which keys are due and
 * proposes {@code expire(key, modRevision, term)} for each, straight into the local server (no
 * redirect: if this peer is no longer leader the proposal fails, which is what we want).
 */
final class TtlExpirer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TtlExpirer.class);

  record Keys(List<KeyValue> withTtl) {}

  private final Supplier<Keys> keys;
  /** A stall shorter than this is ordinary scheduling delay and counts as time that passed. */
  static final Duration STALL_THRESHOLD = Duration.ofMillis(150);

  private final TtlTracker tracker; // touched only on the expirer thread
  private final ScheduledExecutorService thread;
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callId = new AtomicLong();
  private volatile RaftServer server;
  private volatile RaftGroupId groupId;
  /** The term this peer leads in, or -1. */
  private volatile long leaderTerm = -1;
  /** System.nanoTime() when this peer last restarted every TTL (on becoming leader), or 0. */
  private volatile long restartedAtNanos;

  TtlExpirer(Supplier<Keys> keys, Duration tick) {
    this.keys = keys;
    this.tracker = new TtlTracker(tick, STALL_THRESHOLD);
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "store-ttl");
      t.setDaemon(true);
      return t;
    });
    thread.scheduleWithFixedDelay(this::tick, tick.toMillis(), tick.toMillis(), TimeUnit.MILLISECONDS);
  }

  void attach(RaftServer server, RaftGroupId groupId) {
    this.server = server;
    this.groupId = groupId;
  }

  /** Called on the apply thread when this peer's leadership is ready: restart every TTL. */
  void becameLeader() {
    thread.execute(() -> {
      DivisionInfo info = info();
      if (info != null) {
        tracker.restartAll();
        restartedAtNanos = System.nanoTime();
        leaderTerm = info.getCurrentTerm();
        LOG.info("leader ready term={}: TTLs restart now", leaderTerm);
      }
    });
  }

  /** When this peer, as leader, last restarted every TTL (System.nanoTime), or 0 if never. */
  long restartedAtNanos() {
    return restartedAtNanos;
  }

  void stepDown() {
    leaderTerm = -1;
  }

  private void tick() {
    try {
      long term = leaderTerm;
      DivisionInfo info = info();
      // double-check with Ratis itself: a missed step-down callback must not keep us expiring
      if (term < 0 || info == null || !info.isLeader() || !info.isLeaderReady()
          || info.getCurrentTerm() != term) {
        return;
      }
      long stallsBefore = tracker.stalls();
      for (TtlTracker.Due due : tracker.due(keys.get().withTtl(), System.nanoTime())) {
        propose(due, term);
      }
      if (tracker.stalls() != stallsBefore) {
        LOG.info("this leader did not run for {} ms (a long pause or a starved CPU): every TTL is extended by as much",
            Duration.ofNanos(tracker.lastStallNanos()).toMillis());
      }
    } catch (RuntimeException e) {
      LOG.warn("ttl tick failed: {}", e.toString());
    }
  }

  private void propose(TtlTracker.Due due, long term) {
    WriteRequest expire = WriteRequest.newBuilder().setExpire(ExpireRequest.newBuilder()
        .setKey(due.key()).setModRevision(due.modRevision()).setTerm(term)).build();
    RaftClientRequest request = RaftClientRequest.newBuilder()
        .setClientId(clientId)
        .setServerId(server.getId())
        .setGroupId(groupId)
        .setCallId(callId.incrementAndGet())
        .setMessage(Messages.of(expire))
        .setType(RaftClientRequest.writeRequestType())
        .build();
    try {
      server.submitClientRequestAsync(request).whenComplete((reply, error) -> {
        if (error != null || !reply.isSuccess()) {
          thread.execute(() -> tracker.retry(due));
        } else {
          LOG.debug("expired key={} modRevision={}", due.key(), due.modRevision());
        }
      });
    } catch (java.io.IOException e) {
      tracker.retry(due);
    }
  }

  private DivisionInfo info() {
    RaftServer s = server;
    if (s == null) {
      return null;
    }
    try {
      return s.getDivision(groupId).getInfo();
    } catch (java.io.IOException e) {
      return null;
    }
  }

  @Override
  public void close() {
    leaderTerm = -1;
    thread.shutdownNow();
  }
}
