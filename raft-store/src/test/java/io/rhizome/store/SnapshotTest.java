package io.rhizome.store;

import static io.rhizome.store.StoreTestSupport.awaitCaughtUp;
import static io.rhizome.store.StoreTestSupport.awaitLeader;
import static io.rhizome.store.StoreTestSupport.bytes;
import static io.rhizome.store.StoreTestSupport.ids;
import static io.rhizome.store.StoreTestSupport.utf8;
import static io.rhizome.store.StoreTestSupport.writeKeys;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.proto.store.KeyValue;
import io.rhizome.proto.store.StatusReply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots, log purging and the ways a peer gets its state back: from its own snapshot and log
 * after a restart, and from the leader's snapshot when the entries it lacks are purged.
 */
class SnapshotTest {
  private static final Pattern SNAPSHOT = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");
  private static final Pattern SEGMENT = Pattern.compile("log_(?:inprogress_)?(\\d+)(?:-\\d+)?");
  /**
   * A snapshot every 50 entries, and 4 KB log segments (~70 small entries): the log is purged
   * only in whole closed segments, so with the default 8 MB nothing would ever be purged here.
   */
  private static final StoreTuning SMALL = StoreTuning.defaults()
      .withSnapshotThreshold(50).withLogSegmentBytes(4 * 1024);

  @TempDir Path dir;

  @Test
  void snapshotsAreTakenEveryThresholdEntriesAndOnlyTheLatestTwoAreKept() throws Exception {
    try (LocalStore store = new LocalStore(dir, 3, SMALL)) {
      StoreClient c = store.client();
      writeKeys(c, "/snap/", 0, 300);
      long revision = c.status().getRevision();

      for (PeerAddress p : store.peers()) {
        // the cleanup runs right after each snapshot, so a third file may exist for a moment
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          List<Long> indexes = snapshotIndexes(p.id());
          assertFalse(indexes.isEmpty(), p.id() + " has no snapshot");
          assertTrue(indexes.size() <= 2, p.id() + " retains " + indexes);
        });
        // ~6 snapshots were taken: the retained ones are recent, so older ones were deleted
        long newest = snapshotIndexes(p.id()).stream().mapToLong(Long::longValue).max().orElseThrow();
        assertTrue(newest >= revision - 2 * 50, p.id() + " newest snapshot " + newest
            + " is far behind revision " + revision);
      }
    }
  }

  @Test
  void stoppedFollowerCatchesUpAfterTheOthersPurgedTheEntriesItMissed() throws Exception {
    try (LocalStore store = new LocalStore(dir, 3, SMALL)) {
      StoreClient c = store.client();
      writeKeys(c, "/early/", 0, 20);
      String leader = awaitLeader(store);
      String follower = store.peers().stream().map(PeerAddress::id)
          .filter(id -> !id.equals(leader)).findFirst().orElseThrow();
      long followerApplied = awaitCaughtUp(c, follower).getAppliedIndex();
      store.stop(follower);

      writeKeys(c, "/late/", 0, 250);
      // the entries the follower lacks exist nowhere as log entries any more: only a snapshot has them
      for (PeerAddress p : store.peers()) {
        if (!p.id().equals(follower)) {
          await().atMost(Duration.ofSeconds(10)).until(() -> logStartIndex(p.id()) > followerApplied + 1);
        }
      }

      store.start(follower);
      StatusReply caughtUp = awaitCaughtUp(c, follower);
      assertEquals(270, caughtUp.getKeyCount());
      assertEquals("v249", utf8(c.get("/late/k00249").orElseThrow()));
    }
  }

  @Test
  void peerWithWipedDataRejoinsAsNewMemberAndCatchesUpBySnapshotInstall() throws Exception {
    try (LocalStore store = new LocalStore(dir, 3, SMALL)) {
      StoreClient c = store.client();
      writeKeys(c, "/a/", 0, 200);
      String leader = awaitLeader(store);
      String victim = store.peers().stream().map(PeerAddress::id)
          .filter(id -> !id.equals(leader)).findFirst().orElseThrow();
      List<PeerAddress> others = store.peers().stream()
          .filter(p -> !p.id().equals(victim)).toList();

      // a peer that lost its data must leave the configuration before it comes back empty,
      // or its empty log could help elect a leader that misses committed entries
      c.setMembers(others);
      assertEquals(ids(others), ids(c.members()));
      store.stop(victim);
      deleteRecursively(dir.resolve(victim));
      writeKeys(c, "/b/", 0, 100);
      for (PeerAddress p : others) {
        await().atMost(Duration.ofSeconds(10)).until(() -> logStartIndex(p.id()) > 1);
      }

      store.startJoining(store.peer(victim));
      c.setMembers(store.peers());

      // its first entries are purged everywhere: having every key proves a snapshot was
      // installed, and with it that pause() and reinitialize() keep the server alive
      StatusReply rejoined = awaitCaughtUp(c, victim);
      assertEquals(300, rejoined.getKeyCount());
      assertEquals(ids(store.peers()), ids(c.members()));
      // and it serves as a full member: a write needs it once another peer is gone
      store.stop(others.get(0).id());
      await().atMost(Duration.ofSeconds(15)).ignoreExceptions()
          .until(() -> c.put("/after", bytes("x")).getSucceeded());
      assertEquals("v0", utf8(c.get("/a/k00000").orElseThrow()));
    }
  }

  @Test
  void wholeQuorumRestartKeepsEveryCommittedKeyWithItsRevisions() throws Exception {
    try (LocalStore store = new LocalStore(dir, 3, SMALL)) {
      StoreClient c = store.client();
      // overwrites and deletes make mod and create revisions differ; 233 entries leave a log
      // tail after the last snapshot, so the restart replays both
      for (int round = 0; round < 5; round++) {
        writeKeys(c, "/r/", 0, 40);
      }
      for (int i = 0; i < 33; i++) {
        c.delete(String.format("/r/k%05d", i));
      }
      List<KeyValue> before = c.list("").getKvsList();
      long revisionBefore = c.status().getRevision();
      assertEquals(7, before.size());

      for (PeerAddress p : store.peers()) {
        store.stop(p.id());
      }
      for (PeerAddress p : store.peers()) {
        store.start(p.id());
      }

      // the client from before the restart, untouched: it must reconnect by itself
      await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
          .until(() -> c.list("").getRevision() == revisionBefore);
      assertEquals(before, c.list("").getKvsList());
      for (PeerAddress p : store.peers()) {
        StatusReply s = awaitCaughtUp(c, p.id());
        assertEquals(revisionBefore, s.getRevision());
        assertEquals(7, s.getKeyCount());
      }
    }
  }

  // ---- helpers ----

  private Path groupDir(String peerId) {
    return dir.resolve(peerId).resolve(StoreGroup.ID.getUuid().toString());
  }

  private List<Long> snapshotIndexes(String peerId) throws IOException {
    try (Stream<Path> files = Files.list(groupDir(peerId).resolve("sm"))) {
      return files.map(f -> SNAPSHOT.matcher(f.getFileName().toString()))
          .filter(Matcher::matches).map(m -> Long.parseLong(m.group(2))).toList();
    }
  }

  /** The first index still in the peer's Raft log. */
  private long logStartIndex(String peerId) throws IOException {
    try (Stream<Path> files = Files.list(groupDir(peerId).resolve("current"))) {
      return files.map(f -> SEGMENT.matcher(f.getFileName().toString()))
          .filter(Matcher::matches).mapToLong(m -> Long.parseLong(m.group(1))).min().orElse(-1);
    }
  }

  static void deleteRecursively(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}
