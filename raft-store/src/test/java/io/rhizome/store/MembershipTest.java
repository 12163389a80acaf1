package io.rhizome.store;

import static io.rhizome.testsupport.LoopbackPorts.freePort;
import static io.rhizome.store.StoreTestSupport.awaitCaughtUp;
import static io.rhizome.store.StoreTestSupport.awaitLeader;
import static io.rhizome.store.StoreTestSupport.bytes;
import static io.rhizome.store.StoreTestSupport.ids;
import static io.rhizome.store.StoreTestSupport.writeKeys;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.proto.store.KeyValue;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** Replacing, removing and re-adding sentinels while the store stays writable. */
class MembershipTest {
  /**
   * Frequent snapshots: Ratis sends a joining peer the leader's latest snapshot before the log,
   * so the new member is bootstrapped by snapshot install while writes go on.
   */
  private static final StoreTuning TUNING = StoreTuning.defaults()
      .withSnapshotThreshold(100).withLogSegmentBytes(4 * 1024);
  /** An election (~0.7 s) plus the membership change plus client retries, with room for a slow CI. */
  private static final Duration MAX_WRITE_GAP = Duration.ofSeconds(6);

  @TempDir Path dir;

  /** Replacing the leader costs an election on top of the change; a follower costs nothing. */
  @ParameterizedTest(name = "replacing the {0}")
  @ValueSource(strings = {"leader", "follower"})
  void replacingAStoppedPeerWithANewOneKeepsWritesGoingAndLosesNoAcknowledgedWrite(String role)
      throws Exception {
    try (LocalStore store = new LocalStore(dir, 3, TUNING)) {
      StoreClient admin = store.client();
      String leader = awaitLeader(store);
      String replaced = role.equals("leader") ? leader : store.peers().stream()
          .map(PeerAddress::id).filter(id -> !id.equals(leader)).findFirst().orElseThrow();
      try (Writer writer = new Writer(store.client(Duration.ofSeconds(3)))) {
        // past the first snapshot (every 100 entries), so s4 starts from one
        await().atMost(Duration.ofSeconds(20)).until(() -> writer.acked.size() >= 150);

        store.stop(replaced);
        PeerAddress s4 = new PeerAddress("s4", "127.0.0.1", freePort());
        store.startJoining(s4);
        List<PeerAddress> members = new ArrayList<>(store.peers().stream()
            .filter(p -> !p.id().equals(replaced)).toList());
        members.add(s4);
        // when the leader was stopped, the first attempt may land in the election; setting the
        // same membership twice is harmless
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
          admin.setMembers(members);
          return true;
        });

        int ackedAtChange = writer.acked.size();
        await().atMost(Duration.ofSeconds(15)).until(() -> writer.acked.size() >= ackedAtChange + 50);
        assertEquals(ids(members), ids(admin.members()));

        try (StoreClient viaS4 = StoreClient.connect(StoreClientConfig.of(members))) {
          writer.stop();
          System.out.println("replacing the " + role + ": longest write gap "
              + writer.longestGap().toMillis() + "ms, acknowledged=" + writer.acked.size());
          assertTrue(writer.longestGap().compareTo(MAX_WRITE_GAP) < 0,
              "writes stopped for " + writer.longestGap().toMillis() + "ms");
          assertTrue(awaitCaughtUp(viaS4, "s4").getKeyCount() >= writer.acked.size());
          assertEveryAcknowledgedWriteIsThere(viaS4, writer.acked);
        }
      }
    }
  }

  @Test
  void removedMemberCanBeAddedBackAndCatchesUp() throws Exception {
    try (LocalStore store = new LocalStore(dir, 3, TUNING)) {
      StoreClient c = store.client();
      writeKeys(c, "/before/", 0, 50);
      String leader = awaitLeader(store);
      String removed = store.peers().stream().map(PeerAddress::id)
          .filter(id -> !id.equals(leader)).findFirst().orElseThrow();
      List<PeerAddress> rest = store.peers().stream().filter(p -> !p.id().equals(removed)).toList();

      c.setMembers(rest);
      assertEquals(ids(rest), ids(c.members()));
      // two members are a full group now: both are needed, the removed one is not
      writeKeys(c, "/while-out/", 0, 150);

      // a removed peer shuts itself down once it notices; it comes back with the data it has
      store.stop(removed);
      store.start(removed);
      c.setMembers(store.peers());
      assertEquals(ids(store.peers()), ids(c.members()));
      assertEquals(200, awaitCaughtUp(c, removed).getKeyCount());

      // and it counts towards the majority again
      store.stop(rest.get(0).id());
      await().atMost(Duration.ofSeconds(15)).ignoreExceptions()
          .until(() -> c.put("/after", bytes("x")).getSucceeded());
    }
  }

  private static void assertEveryAcknowledgedWriteIsThere(StoreClient c, Map<String, String> acked) {
    Map<String, String> stored = c.list("/m/").getKvsList().stream()
        .collect(Collectors.toMap(KeyValue::getKey, kv -> kv.getValue().toStringUtf8()));
    for (Map.Entry<String, String> e : acked.entrySet()) {
      assertEquals(e.getValue(), stored.get(e.getKey()), "acknowledged write " + e.getKey());
    }
  }

  /**
   * Writes /m/k000000, /m/k000001, ... one after the other and remembers what the store
   * acknowledged. A failed put is not retried: its outcome is unknown, so it is not checked.
   */
  private static final class Writer implements AutoCloseable {
    final Map<String, String> acked = new ConcurrentHashMap<>();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final AtomicLong lastAck = new AtomicLong(System.nanoTime());
    private final AtomicLong longestGapNanos = new AtomicLong();
    private final CompletableFuture<Void> loop;

    Writer(StoreClient c) {
      Thread t = new Thread(() -> run(c), "membership-writer");
      loop = new CompletableFuture<>();
      t.setDaemon(true);
      t.start();
    }

    private void run(StoreClient c) {
      try {
        for (int i = 0; !stopped.get(); i++) {
          String key = String.format("/m/k%06d", i);
          String value = "v" + i;
          try {
            if (c.put(key, bytes(value)).getSucceeded()) {
              acked.put(key, value);
              long now = System.nanoTime();
              longestGapNanos.accumulateAndGet(now - lastAck.getAndSet(now), Math::max);
            }
          } catch (StoreException e) {
            // counted as a gap: the next acknowledged write measures how long it lasted
          }
        }
        loop.complete(null);
      } catch (RuntimeException e) {
        loop.completeExceptionally(e);
      }
    }

    Duration longestGap() {
      return Duration.ofNanos(longestGapNanos.get());
    }

    void stop() {
      stopped.set(true);
      loop.join();
    }

    @Override
    public void close() {
      stopped.set(true);
    }
  }
}
