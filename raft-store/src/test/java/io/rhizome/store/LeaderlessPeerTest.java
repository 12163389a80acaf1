package io.rhizome.store;

import static io.rhizome.testsupport.LoopbackPorts.freePort;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.proto.store.WatchReply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A live peer that knows no leader (just restarted, or cut off from the others) answers every read
 * with "leader unknown". A new client starts at the first endpoint; rhizomectl's client must read
 * from the others instead of retrying that peer until its request timeout, as it once did in CI
 * right after the first sentinel restarted.
 */
class LeaderlessPeerTest {
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);

  @TempDir Path tmp;

  @Test
  void readsAndWatchesAreServedByTheOthersWhileTheFirstEndpointKnowsNoLeader() throws Exception {
    // ids of their own: Ratis remembers the last leader of the (fixed) group id per JVM, and a new
    // client would start there rather than at the first endpoint
    PeerAddress first = new PeerAddress("lone1", "127.0.0.1", freePort());
    PeerAddress b = new PeerAddress("lone2", "127.0.0.1", freePort());
    PeerAddress c = new PeerAddress("lone3", "127.0.0.1", freePort());
    // b and c look for the first peer where nothing listens: it hears from no leader, ever
    PeerAddress firstAsTheOthersSeeIt = new PeerAddress("lone1", "127.0.0.1", freePort());
    List<PeerAddress> othersView = List.of(firstAsTheOthersSeeIt, b, c);
    List<PeerAddress> endpoints = List.of(first, b, c);
    try (StoreServer sb = StoreServer.start(StoreServerConfig.of(b, othersView, tmp.resolve("b")));
        StoreServer sc = StoreServer.start(StoreServerConfig.of(c, othersView, tmp.resolve("c")))) {
      await("a leader among the other two").atMost(Duration.ofSeconds(30))
          .until(() -> sb.isLeaderReady() || sc.isLeaderReady());
      // started once they have a leader, the first peer's bids for votes are turned down
      try (StoreServer sFirst = StoreServer.start(StoreServerConfig.of(first, endpoints, tmp.resolve("first")))) {
        readAndWatchWithTheFirstEndpointCutOff(sFirst, endpoints);
      }
    }
  }

  private static void readAndWatchWithTheFirstEndpointCutOff(StoreServer sFirst, List<PeerAddress> endpoints) {
    assertTrue(sFirst.isRunning());
    assertEquals(Optional.empty(), sFirst.leaderId(), "the first endpoint knows no leader");
    try (StoreClient client = StoreClient.connect(StoreClientConfig.of(endpoints).withRequestTimeout(REQUEST_TIMEOUT)
        .withReadsMovingPastLeaderlessPeers())) {
      assertFalse(client.get("k").isPresent(), "a read, with the first endpoint unable to serve it");
      WatchReply w = client.watch("k", client.list("").getRevision(), Duration.ofMillis(300));
      assertTrue(w.getEventsList().isEmpty(), "a watch that times out normally: " + w);

      client.put("k", "v".getBytes(StandardCharsets.UTF_8));
      assertEquals("v", client.get("k").orElseThrow().getValue().toStringUtf8());
      assertEquals(Optional.empty(), sFirst.leaderId(), "still cut off: the reads above did not go through it");
    }
  }
}
