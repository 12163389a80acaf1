package io.rhizome.chaos;

import static io.rhizome.chaos.FreePeers.freePeer;

import io.rhizome.store.PeerAddress;
import io.rhizome.store.StoreClient;
import io.rhizome.store.StoreClientConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The store of a multi-process test: three sentinels s1..s3 on free loopback ports, each in its
 * own JVM with its data dir and log under the test's dir, and a store client of theirs. Closing it
 * closes the client, then stops the sentinels with SIGTERM, last started first.
 */
final class SentinelQuorum implements AutoCloseable {
  /** Sets up a sentinel before its first start (an HTTP port, say). */
  interface Setup {
    void apply(SentinelProcess sentinel) throws IOException;
  }

  private final List<PeerAddress> peers;
  private final List<SentinelProcess> sentinels;
  private final StoreClient store;

  private SentinelQuorum(List<PeerAddress> peers, List<SentinelProcess> sentinels, StoreClient store) {
    this.peers = peers;
    this.sentinels = sentinels;
    this.store = store;
  }

  static SentinelQuorum start(String cluster, Path dir) throws IOException {
    return start(cluster, dir, s -> { });
  }

  /** Starts all three; if one fails to start, the ones already started are stopped. */
  static SentinelQuorum start(String cluster, Path dir, Setup setup) throws IOException {
    List<PeerAddress> peers = List.of(freePeer("s1"), freePeer("s2"), freePeer("s3"));
    List<SentinelProcess> started = new ArrayList<>();
    try {
      for (PeerAddress p : peers) {
        SentinelProcess s = new SentinelProcess(cluster, p, peers, dir);
        setup.apply(s);
        started.add(s);
        s.start();
      }
      return new SentinelQuorum(peers, List.copyOf(started), StoreClient.connect(StoreClientConfig.of(peers)));
    } catch (IOException | RuntimeException e) {
      stopAll(started);
      throw e;
    }
  }

  List<PeerAddress> peers() {
    return peers;
  }

  List<SentinelProcess> sentinels() {
    return sentinels;
  }

  /** host:port,... as --store-endpoints takes them. */
  String endpoints() {
    return peers.stream().map(p -> p.host() + ":" + p.port()).collect(Collectors.joining(","));
  }

  StoreClient store() {
    return store;
  }

  @Override
  public void close() {
    store.close();
    stopAll(sentinels);
  }

  private static void stopAll(List<SentinelProcess> sentinels) {
    for (int i = sentinels.size() - 1; i >= 0; i--) {
      try {
        sentinels.get(i).close();
      } catch (Exception e) {
        System.err.println("stopping sentinel " + sentinels.get(i).id() + " failed: " + e);
      }
    }
  }
}
