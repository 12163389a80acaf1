package io.rhizome.store;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreClientRecoveryTest {
  @TempDir Path dir;

  @Test
  void clientServesAgainAfterACallFailedForLackOfQuorum() throws Exception {
    try (LocalStore store = new LocalStore(dir, 3, StoreTuning.defaults())) {
      StoreClient c = store.client(Duration.ofSeconds(1));
      await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
          .until(() -> c.put("/a/x", bytes("1")).getSucceeded());
      store.stop("s2");
      store.stop("s3");

      assertThrows(NoQuorumException.class, () -> c.put("/a/x", bytes("2")));
      assertThrows(NoQuorumException.class, () -> c.get("/a/x"));

      store.start("s2");
      store.start("s3");
      await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
          .until(() -> c.put("/a/x", bytes("3")).getSucceeded());
      assertEquals("3", c.get("/a/x").orElseThrow().getValue().toStringUtf8());
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
