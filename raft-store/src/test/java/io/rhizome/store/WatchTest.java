package io.rhizome.store;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.proto.store.Event;
import io.rhizome.proto.store.WatchReply;
import io.rhizome.proto.store.WriteReply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Long-poll watches on a real 3-peer store: every change once, in order, across a failover. */
class WatchTest {
  private static final String PREFIX = "/w/";
  /** Keys a watch on {@link #PREFIX} must never report; some share its text up to the slash. */
  private static final List<String> OUTSIDE = List.of("/w", "/wx/k1", "/x/k1", "/v/w/k1");
  private static final int WRITES = 200;
  private static final Duration WATCH_WAIT = Duration.ofSeconds(2);
  /** Long enough to ride out a failover, including Ratis's slow first request after one. */
  private static final Duration CLIENT_BUDGET = Duration.ofSeconds(15);
  /**
   * Watch calls allowed to fail across the failover: none. A watch re-sent to a follower while
   * the old leader stops can be lost inside Ratis; StoreClient.watch re-sends it when no answer
   * comes shortly after its wait, so the caller never sees the loss.
   */
  private static final int WATCH_RETRIES = 0;

  @TempDir Path dir;
  private LocalStore store;
  /** The watcher and a stopping peer run beside the writer, whatever the common pool's size. */
  private final ExecutorService threads = Executors.newFixedThreadPool(2);

  /** One change as the writer saw it acknowledged, or as the watcher saw it reported. */
  record Change(long revision, Event.Type type, String key) {
    static Change of(Event e) {
      return new Change(e.getRevision(), e.getType(), e.getKv().getKey());
    }
  }

  @AfterEach
  void stop() {
    threads.shutdownNow();
    if (store != null) {
      store.close();
    }
  }

  @Test
  void watcherSeesEveryChangeUnderItsPrefixOnceAndInOrder() throws Exception {
    store = started(StoreTuning.defaults());
    StoreClient writerClient = store.client(CLIENT_BUDGET);
    long start = writerClient.status().getRevision();

    Writer writer = new Writer(writerClient, Map.of());
    Watcher watcher = new Watcher(store.client(), start, 0);
    CompletableFuture<List<Change>> watched = CompletableFuture.supplyAsync(watcher::run, threads);
    List<Change> written = writer.run();
    watcher.stopAt(writer.lastRevision.get());

    assertSameChanges(written, watched.get(30, TimeUnit.SECONDS));
  }

  @Test
  void watcherSeesEveryChangeOnceAndInOrderWhileTheLeaderIsStoppedAndRestarted()
      throws Exception {
    store = started(StoreTuning.defaults());
    StoreClient writerClient = store.client(CLIENT_BUDGET);
    long start = writerClient.status().getRevision();
    AtomicReference<String> oldLeader = new AtomicReference<>();
    AtomicReference<CompletableFuture<Void>> stopping = new AtomicReference<>();

    // stop the leader a third of the way in, without pausing the writes, and bring it back at
    // two thirds: both happen mid-stream whatever the speed of the machine
    Writer writer = new Writer(writerClient, Map.of(
        WRITES / 3, () -> {
          oldLeader.set(store.leader());
          stopping.set(CompletableFuture.runAsync(() -> stop(oldLeader.get()), threads));
        },
        2 * WRITES / 3, () -> {
          stopping.get().join();
          start(oldLeader.get());
        }));
    // no failed call, no missed or repeated change (see WATCH_RETRIES)
    Watcher watcher = new Watcher(store.client(), start, WATCH_RETRIES);
    CompletableFuture<List<Change>> watched = CompletableFuture.supplyAsync(watcher::run, threads);
    List<Change> written = writer.run();
    watcher.stopAt(writer.lastRevision.get());

    assertNotNull(oldLeader.get());
    assertSameChanges(written, watched.get(30, TimeUnit.SECONDS));
    System.out.println("failover watch: writes=" + WRITES + " stopped=" + oldLeader.get()
        + " failedWatchCalls=" + watcher.failures.get());
  }

  @Test
  void watchWithNoChangeReturnsAfterItsTimeoutWithNoEventsAndTheCurrentRevision() {
    store = started(StoreTuning.defaults());
    StoreClient client = store.client();
    client.put("/elsewhere/a", bytes("1"));
    long current = client.put("/elsewhere/b", bytes("2")).getRevision();

    for (long after : new long[] {current, 0}) {
      long began = System.nanoTime();
      WatchReply reply = client.watch("/quiet/", after, Duration.ofSeconds(1));
      Duration took = Duration.ofNanos(System.nanoTime() - began);

      String what = "watch after " + after + ": " + reply + " in " + took.toMillis() + " ms";
      assertEquals(0, reply.getEventsCount(), what);
      assertFalse(reply.getCompacted(), what);
      assertEquals(current, reply.getRevision(), what);
      // changes outside the prefix since 'after' must not wake it early
      assertTrue(took.compareTo(Duration.ofMillis(950)) >= 0, what);
      assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, what);
    }
  }

  @Test
  void watchFromBeforeTheRetainedEventsIsToldToRelist() {
    store = started(StoreTuning.defaults().withRetainedEvents(10));
    StoreClient client = store.client();
    long current = 0;
    for (int i = 1; i <= 25; i++) {
      current = client.put("/c/k" + i, bytes(Integer.toString(i))).getRevision();
    }
    long oldestKept = current - 10 + 1;

    long began = System.nanoTime();
    WatchReply compacted = client.watch("/c/", oldestKept - 2, Duration.ofSeconds(5));
    Duration took = Duration.ofNanos(System.nanoTime() - began);
    WatchReply retained = client.watch("/c/", oldestKept - 1, Duration.ofSeconds(5));

    assertTrue(compacted.getCompacted(), compacted.toString());
    assertEquals(0, compacted.getEventsCount());
    assertEquals(current, compacted.getRevision(), "re-list from the current revision");
    assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, "answered at once, not after the wait: "
        + took.toMillis() + " ms");
    assertFalse(retained.getCompacted(), "every event after " + (oldestKept - 1) + " is kept");
    assertEquals(10, retained.getEventsCount());
    assertEquals(oldestKept, retained.getEvents(0).getRevision());
    assertEquals(current, retained.getRevision());
  }

  // ---- helpers ----

  private LocalStore started(StoreTuning tuning) {
    try {
      LocalStore s = new LocalStore(dir, 3, tuning);
      await().atMost(Duration.ofSeconds(15)).until(() -> s.leader() != null);
      return s;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private void stop(String peerId) {
    try {
      store.stop(peerId);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private void start(String peerId) {
    try {
      store.start(peerId);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void assertSameChanges(List<Change> written, List<Change> watched) {
    assertTrue(written.size() > WRITES / 3, "the writer changed keys under the prefix");
    for (int i = 1; i < watched.size(); i++) {
      assertTrue(watched.get(i).revision() > watched.get(i - 1).revision(),
          "strictly increasing revisions: " + watched.get(i - 1) + " then " + watched.get(i));
    }
    watched.forEach(c -> assertTrue(c.key().startsWith(PREFIX), "outside the prefix: " + c));
    // same list: nothing missed, nothing twice, nothing extra
    assertEquals(written, watched);
  }

  /**
   * Puts and deletes keys under {@link #PREFIX} and outside it, one acknowledged write at a
   * time, and returns the changes under the prefix as the store acknowledged them.
   */
  private static final class Writer {
    final StoreClient client;
    final Map<Integer, Runnable> before;
    final AtomicLong lastRevision = new AtomicLong();

    /** @param before what to do just before the write with that index */
    Writer(StoreClient client, Map<Integer, Runnable> before) {
      this.client = client;
      this.before = before;
    }

    List<Change> run() {
      Random random = new Random(42); // the same mix of operations every run
      List<Change> changes = new ArrayList<>();
      for (int i = 0; i < WRITES; i++) {
        before.getOrDefault(i, () -> { }).run();
        boolean inside = random.nextInt(10) < 7;
        String key = inside ? PREFIX + "k" + random.nextInt(10) : OUTSIDE.get(random.nextInt(4));
        boolean delete = random.nextInt(10) < 3;
        WriteReply reply = delete ? client.delete(key) : client.put(key, bytes("v" + i));
        lastRevision.set(reply.getRevision());
        // a delete of a missing key changes nothing and must not be reported
        if (inside && (!delete || reply.getDeleted())) {
          changes.add(new Change(reply.getRevision(), delete ? Event.Type.DELETE : Event.Type.PUT,
              key));
        }
      }
      return changes;
    }
  }

  /** Watches {@link #PREFIX} in a loop, always continuing from the last reply's revision. */
  private static final class Watcher {
    final StoreClient client;
    final long start;
    final int allowedFailures;
    /** Stop once the watch has reached this revision; unknown until the writer is done. */
    final AtomicLong stopAt = new AtomicLong(Long.MAX_VALUE);
    final AtomicInteger failures = new AtomicInteger();

    /**
     * @param allowedFailures watch calls that may fail with no quorum; each is retried from the
     *     same revision, as a keeper would, which keeps "every change once" checkable
     */
    Watcher(StoreClient client, long start, int allowedFailures) {
      this.client = client;
      this.start = start;
      this.allowedFailures = allowedFailures;
    }

    void stopAt(long revision) {
      stopAt.set(revision);
    }

    List<Change> run() {
      List<Change> seen = new ArrayList<>();
      long rev = start;
      while (rev < stopAt.get()) {
        WatchReply reply;
        try {
          reply = client.watch(PREFIX, rev, WATCH_WAIT);
        } catch (NoQuorumException e) {
          if (failures.incrementAndGet() > allowedFailures) {
            throw e;
          }
          System.out.println("watch after=" + rev + " failed, retrying: " + e.getMessage());
          continue;
        }
        assertFalse(reply.getCompacted(), "nothing was compacted: " + reply);
        assertTrue(reply.getRevision() >= rev, "revision went back from " + rev + ": " + reply);
        reply.getEventsList().forEach(e -> seen.add(Change.of(e)));
        rev = reply.getRevision();
      }
      return seen;
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
