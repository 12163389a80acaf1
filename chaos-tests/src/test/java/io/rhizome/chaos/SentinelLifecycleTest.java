package io.rhizome.chaos;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.store.PeerAddress;
import io.rhizome.store.StoreClient;
import io.rhizome.store.StoreClientConfig;
import io.rhizome.store.StoreException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real sentinel process: SIGTERM stops it cleanly, and restarted on its data dir it rejoins. */
class SentinelLifecycleTest {
  @TempDir Path dir;
  private final List<SentinelProcess> sentinels = new ArrayList<>();

  @AfterEach
  void stopAll() throws InterruptedException {
    for (SentinelProcess s : sentinels) {
      s.stop();
    }
  }

  @Test
  void sigtermExitsZeroAndARestartedSentinelRejoinsWithItsData() throws Exception {
    List<PeerAddress> peers = List.of(peer("s1"), peer("s2"), peer("s3"));
    for (PeerAddress p : peers) {
      SentinelProcess s = new SentinelProcess("life", p, peers, dir);
      sentinels.add(s);
      s.start();
    }
    try (StoreClient client = StoreClient.connect(
        StoreClientConfig.of(peers).withRequestTimeout(Duration.ofSeconds(3)))) {
      await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(StoreException.class)
          .until(() -> client.put("/life/a", "1".getBytes(StandardCharsets.UTF_8)).getSucceeded());

      SentinelProcess s2 = sentinels.get(1);
      assertEquals(0, s2.terminate(), "exit code after SIGTERM");
      String log = Files.readString(s2.log());
      assertTrue(log.contains("received SIGTERM: stopping sentinel id=s2"), log);
      assertTrue(log.contains("sentinel stopped id=s2"), log);

      // two of three keep the quorum: writes go on while s2 is down
      client.put("/life/b", "2".getBytes(StandardCharsets.UTF_8));
      s2.start();
      await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(StoreException.class)
          .until(() -> client.status("s2").getRevision() == client.status().getRevision()
              && client.status("s2").getKeyCount() == 2);
    }
  }

  private static PeerAddress peer(String id) throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return new PeerAddress(id, "127.0.0.1", s.getLocalPort());
    }
  }
}
