package io.rhizome.proxy;

import static io.rhizome.testsupport.LoopbackPorts.freePort;

import io.rhizome.cluster.ClusterKeys;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.ProxyInfo;
import io.rhizome.store.PeerAddress;
import io.rhizome.store.StoreClient;
import io.rhizome.store.StoreClientConfig;
import io.rhizome.store.StoreServer;
import io.rhizome.store.StoreServerConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A one-peer store in this JVM, and a client that writes the cluster data as the controller
 * would. Stopping it and starting it again on the same dir and port simulates store loss.
 */
final class TestStore implements AutoCloseable {
  static final ClusterKeys KEYS = new ClusterKeys("c1");
  final PeerAddress peer;
  private final Path dir;
  private StoreServer server;
  final StoreClient client;

  TestStore(Path dir) throws IOException {
    this.dir = dir;
    this.peer = new PeerAddress("s1", "127.0.0.1", freePort());
    start();
    this.client = StoreClient.connect(StoreClientConfig.of(List.of(peer))
        .withRequestTimeout(Duration.ofSeconds(10)));
  }

  void start() throws IOException {
    server = StoreServer.start(StoreServerConfig.of(peer, List.of(peer), dir));
  }

  void stop() throws IOException {
    server.close();
    server = null;
  }

  /** The settings of a proxy on free loopback ports, using this store. */
  ProxySettings proxySettings(String id, boolean readOnly) {
    return proxySettings(id, readOnly, Duration.ofMillis(500));
  }

  ProxySettings proxySettings(String id, boolean readOnly, Duration drainTimeout) {
    return proxySettings(id, readOnly, drainTimeout, peer.port());
  }

  /** A proxy that reaches this store on {@code storePort} (a relay in front of it, say). */
  ProxySettings proxySettings(String id, boolean readOnly, Duration drainTimeout, int storePort) {
    InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    PeerAddress via = new PeerAddress(peer.id(), peer.host(), storePort);
    return new ProxySettings(KEYS.clusterName(), id,
        StoreClientConfig.of(List.of(via)).withRequestTimeout(Duration.ofSeconds(1)),
        new EngineConfig(any, readOnly ? Optional.of(any) : Optional.empty(), false,
            Duration.ofSeconds(5), drainTimeout, Duration.ofSeconds(5),
            EngineConfig.KeepAlive.OS_DEFAULTS, 2));
  }

  /** Writes the cluster data; returns once the store has committed it. */
  void write(ClusterData data) {
    client.put(KEYS.clusterData(), data.toByteArray());
  }

  Optional<ProxyInfo> proxyInfo(String id) {
    return client.get(KEYS.proxy(id)).map(kv -> {
      try {
        return ProxyInfo.parseFrom(kv.getValue());
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  /** The store's revision of the proxy's info key, 0 when there is none. */
  long proxyInfoRevision(String id) {
    return client.get(KEYS.proxy(id)).map(io.rhizome.proto.store.KeyValue::getModRevision).orElse(0L);
  }

  long proxyGeneration(String id) {
    return proxyInfo(id).map(ProxyInfo::getGeneration).orElse(-1L);
  }

  @Override
  public void close() throws IOException {
    client.close();
    if (server != null) {
      server.close();
    }
  }
}
