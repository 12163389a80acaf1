package io.rhizome.store;

import static org.awaitility.Awaitility.await;

import io.rhizome.proto.store.KeyValue;
import io.rhizome.proto.store.StatusReply;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Small helpers shared by the snapshot, quorum, membership and TLS tests. */
final class StoreTestSupport {
  private StoreTestSupport() {}

  /** Puts {@code prefix}k00000.. with value v0.., 25 in flight at a time. */
  static void writeKeys(StoreClient c, String prefix, int from, int to) {
    for (int start = from; start < to; start += 25) {
      List<CompletableFuture<?>> batch = new ArrayList<>();
      for (int i = start; i < Math.min(to, start + 25); i++) {
        batch.add(c.putAsync(String.format("%sk%05d", prefix, i), bytes("v" + i)));
      }
      CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).join();
    }
  }

  static String awaitLeader(LocalStore store) {
    await().atMost(Duration.ofSeconds(10)).until(() -> store.leader() != null);
    return store.leader();
  }

  /** Waits until {@code peerId} itself answers with the leader's revision and key count. */
  static StatusReply awaitCaughtUp(StoreClient c, String peerId) {
    StatusReply[] got = new StatusReply[1];
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
      StatusReply leader = c.status();
      StatusReply peer = c.status(peerId);
      got[0] = peer;
      // a peer busy installing a snapshot refuses reads and the client may ask another one
      return peer.getServerId().equals(peerId)
          && peer.getRevision() == leader.getRevision()
          && peer.getKeyCount() == leader.getKeyCount();
    });
    return got[0];
  }

  static List<String> ids(List<PeerAddress> peers) {
    return peers.stream().map(PeerAddress::id).sorted().toList();
  }

  static String utf8(KeyValue kv) {
    return kv.getValue().toStringUtf8();
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
