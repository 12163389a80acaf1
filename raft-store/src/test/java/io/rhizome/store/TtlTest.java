package io.rhizome.store;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.proto.store.Event;
import io.rhizome.proto.store.WatchReply;
import io.rhizome.proto.store.WriteReply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TTL expiry on a real 3-peer store: never early, never much late, and never across a failover. */
class TtlTest {
  private static final Duration TTL = Duration.ofSeconds(1);
  /** The expirer ticks every 100 ms and the expire must commit: 1 s covers both with room. */
  private static final Duration LATE = Duration.ofSeconds(1);
  /** A client's put returns after the leader applied it, so the leader's clock may start a bit earlier. */
  private static final Duration EARLY_SLACK = Duration.ofMillis(200);

  @TempDir Path dir;
  private LocalStore store;
  private StoreClient client;

  @BeforeEach
  void start() throws Exception {
    store = new LocalStore(dir, 3, StoreTuning.defaults());
    client = store.client();
    await().atMost(Duration.ofSeconds(15)).until(() -> store.leader() != null);
  }

  @AfterEach
  void stop() {
    store.close();
  }

  @Test
  void keyWithTtlExpiresWithinOneSecondAfterItsTtl() {
    client.put("/ttl/a", bytes("v"), TTL);
    long written = System.nanoTime();

    presentOnEveryReadUntil("/ttl/a", written + TTL.minus(EARLY_SLACK).toNanos());
    awaitGone("/ttl/a", written, TTL.plus(LATE));
  }

  @Test
  void keyRefreshedMoreOftenThanItsTtlNeverExpires() throws Exception {
    long startRevision = client.put("/ttl/b", bytes("0"), TTL).getRevision();
    AtomicLong lastRefresh = new AtomicLong(System.nanoTime());
    AtomicLong refreshes = new AtomicLong();
    AtomicReference<RuntimeException> refreshFailed = new AtomicReference<>();
    ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor();
    try {
      refresher.scheduleAtFixedRate(() -> {
        try {
          client.put("/ttl/b", bytes(Long.toString(refreshes.incrementAndGet())), TTL);
          lastRefresh.set(System.nanoTime());
        } catch (RuntimeException e) {
          refreshFailed.compareAndSet(null, e); // a thrown task would silently stop refreshing
        }
      }, 300, 300, TimeUnit.MILLISECONDS);

      // three TTLs' worth of refreshes: the key must be there on every look
      presentOnEveryReadUntil("/ttl/b", System.nanoTime() + TTL.multipliedBy(3).toNanos());
    } finally {
      refresher.shutdown();
      assertTrue(refresher.awaitTermination(5, TimeUnit.SECONDS));
    }
    assertNull(refreshFailed.get(), "a refresh failed");
    long stoppedAt = lastRefresh.get();

    // polling could miss an expire followed by a re-create; the event history cannot
    WatchReply history = client.watch("/ttl/b", startRevision, Duration.ZERO);
    assertTrue(history.getEventsCount() >= 8, "refreshed " + history.getEventsCount() + " times");
    history.getEventsList().forEach(e -> assertEquals(Event.Type.PUT, e.getType(), e.toString()));

    // once the refreshes stop, it does expire
    awaitGone("/ttl/b", stoppedAt, TTL.plus(LATE));
  }

  @Test
  void leaderChangeRightAfterARefreshNeverExpiresTheKeyEarly() throws Exception {
    String oldLeader = store.leader();
    assertNotNull(oldLeader);
    List<StoreServer> survivors = store.peers().stream().map(PeerAddress::id)
        .filter(id -> !id.equals(oldLeader)).map(store::server).toList();
    // the key lives most of a TTL on the old leader, so an expirer that kept counting from the
    // first write (instead of restarting at the election) would expire it right after failover
    client.put("/ttl/c", bytes("first"), TTL);
    presentOnEveryReadUntil("/ttl/c", System.nanoTime() + TTL.minus(EARLY_SLACK).toNanos());
    client.put("/ttl/c", bytes("refreshed"), TTL);

    CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> stop(oldLeader));
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
        .until(() -> survivors.stream().anyMatch(s -> s.isLeaderReady() && s.ttlRestartedAtNanos() != 0));
    // the moment the new leader restarted its TTLs, read from the leader itself: polling for
    // readiness notices it late when the old leader hands over within milliseconds
    long newLeaderReady = survivors.stream().filter(StoreServer::isLeaderReady)
        .mapToLong(StoreServer::ttlRestartedAtNanos).max().orElseThrow();
    // a read sent to a leader that is still closing can stall for the client's whole budget
    stopping.get(10, TimeUnit.SECONDS);

    // the new leader restarts every TTL at its election: a full TTL from then, not from the refresh
    presentOnEveryReadUntil("/ttl/c", newLeaderReady + TTL.minus(Duration.ofMillis(50)).toNanos());
    // and then it does expire; twice the usual bound, as each further election restarts the TTL
    awaitGone("/ttl/c", newLeaderReady, TTL.plus(LATE).multipliedBy(2));
  }

  @Test
  void expiryIsAnExpireEventForWatchers() {
    WriteReply put = client.put("/ttl/d/key", bytes("v"), TTL);

    WatchReply reply = client.watch("/ttl/d/", put.getRevision(), TTL.plus(LATE).plus(LATE));

    assertEquals(1, reply.getEventsCount(), reply.toString());
    Event e = reply.getEvents(0);
    assertEquals(Event.Type.EXPIRE, e.getType());
    assertEquals("/ttl/d/key", e.getKv().getKey());
    assertEquals(put.getCurrent(), e.getKv(), "the event carries the key as it was");
    assertEquals(put.getRevision() + 1, e.getRevision());
    assertEquals(e.getRevision(), reply.getRevision());
  }

  /**
   * Reads the key until a read that began at or after {@code untilNanos} has seen it; every read
   * must see it. A failed read proves nothing either way and is retried.
   */
  private void presentOnEveryReadUntil(String key, long untilNanos) {
    long from = System.nanoTime();
    await().atMost(Duration.ofNanos(untilNanos - from).plusSeconds(6))
        .pollInterval(Duration.ofMillis(20)).ignoreExceptionsInstanceOf(NoQuorumException.class)
        .until(() -> {
          long began = System.nanoTime();
          boolean present = client.get(key).isPresent();
          long ended = System.nanoTime();
          // a linearizable read takes effect somewhere between began and ended: only a read that
          // ended before the deadline proves the key was gone too early
          if (ended < untilNanos) {
            assertTrue(present, key + " gone " + (untilNanos - ended) / 1_000_000 + " ms too early");
          }
          return began >= untilNanos;
        });
  }

  /** Waits for the key to disappear and asserts it took at most {@code limit} from {@code since}. */
  private void awaitGone(String key, long sinceNanos, Duration limit) {
    await().atMost(limit.plusSeconds(6)).pollInterval(Duration.ofMillis(20))
        .ignoreExceptionsInstanceOf(NoQuorumException.class)
        .until(() -> client.get(key).isEmpty());
    // generous await above so that a late expiry fails here, with the measured time
    Duration took = since(sinceNanos);
    System.out.println("ttl key=" + key + " gone_after_ms=" + took.toMillis());
    assertTrue(took.compareTo(limit) <= 0,
        key + " expired " + took.toMillis() + " ms after, limit " + limit.toMillis());
  }

  private void stop(String peerId) {
    try {
      store.stop(peerId);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Duration since(long nanos) {
    return Duration.ofNanos(System.nanoTime() - nanos);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
