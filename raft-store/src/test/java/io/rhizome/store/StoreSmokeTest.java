package io.rhizome.store;

import static org.junit.jupiter.api.Assertions.*;

import io.rhizome.proto.store.WatchReply;
import io.rhizome.proto.store.WriteReply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreSmokeTest {
  @TempDir Path dir;

  @Test
  void putGetCasWatchOnThreePeers() throws Exception {
    try (LocalStore store = new LocalStore(dir, 3, StoreTuning.defaults())) {
      StoreClient c = store.client();
      WriteReply w = c.put("/a/x", bytes("1"));
      assertTrue(w.getSucceeded());
      assertEquals("1", c.get("/a/x").orElseThrow().getValue().toStringUtf8());
      WriteReply bad = c.compareAndPut("/a/x", bytes("2"), 0, Duration.ZERO);
      assertFalse(bad.getSucceeded());
      assertEquals("1", bad.getCurrent().getValue().toStringUtf8());
      long rev = c.status().getRevision();
      var watcher = java.util.concurrent.CompletableFuture.supplyAsync(
          () -> c.watch("/a/", rev, Duration.ofSeconds(5)));
      Thread.sleep(200);
      c.put("/a/y", bytes("3"));
      WatchReply got = watcher.get();
      assertEquals(1, got.getEventsCount());
      assertEquals("/a/y", got.getEvents(0).getKv().getKey());
      System.out.println(c.status());
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
