package io.rhizome.store;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A StoreClient outlives an outage: keepers and proxies hold one client for their whole life. */
class ClientRecoveryTest {
  @TempDir Path dir;

  @Test
  void clientThatRanOutOfBudgetWorksAgainOnceQuorumReturns() throws Exception {
    try (LocalStore store = new LocalStore(dir, 3, StoreTuning.defaults())) {
      await().atMost(Duration.ofSeconds(15)).until(() -> store.leader() != null);
      StoreClient client = store.client(Duration.ofSeconds(1));
      client.put("/r/before", bytes("1"));
      String leader = store.leader();
      assertNotNull(leader);
      List<String> followers = store.peers().stream().map(PeerAddress::id)
          .filter(id -> !id.equals(leader)).toList();

      for (String f : followers) {
        store.stop(f);
      }
      // both kinds of call run out of budget while there is no quorum
      assertThrows(NoQuorumException.class, () -> client.put("/r/during", bytes("2")));
      assertThrows(NoQuorumException.class, () -> client.get("/r/before"));
      for (String f : followers) {
        store.start(f);
      }

      // the very same client object must recover; it used to fail forever with
      // AlreadyClosedException once one ordered request had run out of retries
      await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(NoQuorumException.class)
          .until(() -> client.put("/r/after", bytes("3")).getSucceeded());
      assertEquals("3", client.get("/r/after").orElseThrow().getValue().toStringUtf8());
      assertEquals("1", client.get("/r/before").orElseThrow().getValue().toStringUtf8());
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
