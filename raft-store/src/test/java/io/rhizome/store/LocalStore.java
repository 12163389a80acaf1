package io.rhizome.store;

import static io.rhizome.testsupport.LoopbackPorts.freePort;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A store group of real Ratis peers in this JVM, on loopback ports, for tests. */
final class LocalStore implements AutoCloseable {
  private final Path root;
  private final StoreTuning tuning;
  private final List<PeerAddress> peers = new ArrayList<>();
  private final Map<String, StoreServer> running = new LinkedHashMap<>();
  private final List<StoreClient> clients = new ArrayList<>();

  LocalStore(Path root, int size, StoreTuning tuning) throws IOException {
    this.root = root;
    this.tuning = tuning;
    for (int i = 1; i <= size; i++) {
      peers.add(new PeerAddress("s" + i, "127.0.0.1", freePort()));
    }
    for (PeerAddress p : peers) {
      start(p.id());
    }
  }

  List<PeerAddress> peers() {
    return peers;
  }

  PeerAddress peer(String id) {
    return peers.stream().filter(p -> p.id().equals(id)).findFirst().orElseThrow();
  }

  StoreServerConfig config(PeerAddress p) {
    return StoreServerConfig.of(p, peers, root.resolve(p.id())).withTuning(tuning);
  }

  StoreServer start(String id) throws IOException {
    StoreServer s = StoreServer.start(config(peer(id)));
    running.put(id, s);
    return s;
  }

  StoreServer startJoining(PeerAddress p) throws IOException {
    StoreServer s = StoreServer.start(StoreServerConfig.of(p, List.of(p), root.resolve(p.id()))
        .withTuning(tuning).withJoin(true));
    running.put(p.id(), s);
    return s;
  }

  void stop(String id) throws IOException {
    StoreServer s = running.remove(id);
    if (s != null) {
      s.close();
    }
  }

  StoreServer server(String id) {
    return running.get(id);
  }

  /** The id of the peer that leads, or null. */
  String leader() {
    return running.values().stream().filter(StoreServer::isLeaderReady)
        .map(StoreServer::id).findFirst().orElse(null);
  }

  StoreClient client() {
    return client(Duration.ofSeconds(5));
  }

  StoreClient client(Duration timeout) {
    StoreClient c = StoreClient.connect(StoreClientConfig.of(peers).withRequestTimeout(timeout));
    clients.add(c);
    return c;
  }

  @Override
  public void close() {
    clients.forEach(StoreClient::close);
    for (StoreServer s : running.values()) {
      try {
        s.close();
      } catch (IOException ignored) {
        // shutting the test down
      }
    }
    running.clear();
  }
}
