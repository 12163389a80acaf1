package io.rhizome.node.sentinel;

import io.rhizome.store.PeerAddress;
import io.rhizome.store.TlsFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A sentinel's validated settings (from flags and environment). */
record SentinelSettings(
    String clusterName,
    PeerAddress self,
    List<PeerAddress> peers,
    String listenAddress,
    int listenPort,
    Path dataDir,
    Duration electionTimeout,
    long snapshotThreshold,
    boolean join,
    Optional<TlsFiles> tls,
    Optional<io.rhizome.proto.cluster.ClusterSpec> initialClusterSpec,
    java.util.function.Function<io.rhizome.proto.cluster.ClusterSpec, io.rhizome.proto.cluster.ClusterData> freshCluster,
    Optional<java.net.InetSocketAddress> http) {

  SentinelSettings(String clusterName, PeerAddress self, List<PeerAddress> peers, String listenAddress, Path dataDir,
      Duration electionTimeout, long snapshotThreshold, boolean join, Optional<TlsFiles> tls,
      Optional<io.rhizome.proto.cluster.ClusterSpec> initialClusterSpec,
      java.util.function.Function<io.rhizome.proto.cluster.ClusterSpec, io.rhizome.proto.cluster.ClusterData> freshCluster) {
    this(clusterName, self, peers, listenAddress, self.port(), dataDir, electionTimeout, snapshotThreshold, join, tls,
        initialClusterSpec, freshCluster, Optional.empty());
  }

  SentinelSettings(String clusterName, PeerAddress self, List<PeerAddress> peers, String listenAddress, Path dataDir,
      Duration electionTimeout, long snapshotThreshold, boolean join, Optional<TlsFiles> tls) {
    this(clusterName, self, peers, listenAddress, self.port(), dataDir, electionTimeout, snapshotThreshold, join, tls,
        Optional.empty(), spec -> {
          throw new IllegalStateException("no initial cluster spec");
        }, Optional.empty());
  }
}
