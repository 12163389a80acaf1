package io.rhizome.node.sentinel;

import io.rhizome.node.common.DurationText;
import io.rhizome.node.common.Signals;
import io.rhizome.node.common.UsageException;
import io.rhizome.store.PeerAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import io.rhizome.node.common.TlsOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code rhizome sentinel}: one peer of the store (and, when leader, the controller). */
@Command(name = "sentinel", mixinStandardHelpOptions = true,
    description = {"Runs one sentinel: a peer of the Raft group that stores the cluster data.",
        "Every flag can also be set as RHIZOME_<FLAG>, e.g. RHIZOME_CLUSTER_NAME."})
public final class SentinelCommand implements Callable<Integer> {

  @Option(names = "--cluster-name", description = "cluster name (required)")
  String clusterName;

  @Option(names = "--id", description = "this sentinel's id, as in --peers (required)")
  String id;

  @Option(names = "--data-dir", description = "where the Raft log and snapshots live (required)")
  Path dataDir;

  @Option(names = "--peers", description = "every sentinel as ID=HOST:PORT, comma-separated (required)")
  String peers;

  @Option(names = "--listen-address", description = "address to bind (default: this sentinel's host in --peers)")
  String listenAddress;

  @Option(names = "--port", description = "port to bind (default: this sentinel's port in --peers)")
  Integer port;

  @Option(names = "--listen-port", description = "port to bind when the others reach this sentinel on another port "
      + "(NAT, a relay): they dial its port in --peers (default: that port)")
  Integer listenPort;

  @Option(names = "--join", description = "start as a new member that waits to be added with 'rhizomectl sentinel add'")
  boolean join;

  @Option(names = "--election-timeout", defaultValue = "150ms",
      description = "minimum Raft election timeout (max is twice it); default ${DEFAULT-VALUE}; use 300ms-500ms across hosts")
  String electionTimeout;

  @Option(names = "--snapshot-threshold", defaultValue = "10000",
      description = "take a snapshot every N log entries; default ${DEFAULT-VALUE}")
  long snapshotThreshold;

  @Option(names = "--initial-cluster-spec",
      description = "cluster spec JSON file: the leader initialises the cluster with it when the store has no cluster data")
  Path initialClusterSpec;

  @Mixin TlsOptions tls;

  @Mixin io.rhizome.node.common.HttpOptions http;

  @Mixin io.rhizome.node.common.LogOptions log;

  @Override
  public Integer call() throws Exception {
    SentinelSettings settings = settings();
    try (Sentinel sentinel = Sentinel.start(settings)) {
      String signal = Signals.awaitTermination();
      org.slf4j.LoggerFactory.getLogger(SentinelCommand.class)
          .info("received {}: stopping sentinel id={}", signal, settings.self().id());
    }
    return 0;
  }

  SentinelSettings settings() {
    require(clusterName, "--cluster-name");
    require(id, "--id");
    require(dataDir, "--data-dir");
    require(peers, "--peers");
    if (dataDir.toAbsolutePath().toString().contains(",")) {
      // Ratis keeps its storage directories as one comma-separated property: a comma in the path
      // splits it into two directories, neither of which exists (docs/store.md)
      throw new UsageException("--data-dir " + dataDir.toAbsolutePath()
          + " contains a comma, which the Raft library reads as a list of directories; choose a path without one");
    }
    List<PeerAddress> peerList = parse(() -> PeerAddress.parsePeers(peers, "--peers"));
    PeerAddress listed = peerList.stream().filter(p -> p.id().equals(id)).findFirst()
        .orElseThrow(() -> new UsageException("--id " + id + " is not in --peers (" + peers
            + "); add " + id + "=HOST:PORT to --peers"));
    PeerAddress self = listed;
    if (port != null && port != listed.port()) {
      throw new UsageException("--port " + port + " differs from " + id + "'s port in --peers ("
          + listed.port() + "); the other sentinels dial the address in --peers");
    }
    if (listenPort != null && (listenPort < 1 || listenPort > 65535)) {
      throw new UsageException("--listen-port " + listenPort + " is not a port (use 1-65535)");
    }
    Duration election = parse(() -> DurationText.parse(electionTimeout, "--election-timeout"));
    if (election.compareTo(Duration.ofMillis(100)) < 0) {
      throw new UsageException("--election-timeout " + electionTimeout
          + " is too short: under load it causes election storms (use 150ms or more)");
    }
    if (snapshotThreshold < 10) {
      throw new UsageException("--snapshot-threshold " + snapshotThreshold + " is too small (use 10 or more)");
    }
    var httpListen = http.listen();
    java.util.Optional<io.rhizome.proto.cluster.ClusterSpec> initialSpec = java.util.Optional.empty();
    if (initialClusterSpec != null) {
      String text;
      try {
        text = java.nio.file.Files.readString(initialClusterSpec);
      } catch (java.io.IOException e) {
        throw new UsageException("--initial-cluster-spec: cannot read " + initialClusterSpec + ": " + e.getMessage());
      }
      try {
        initialSpec = java.util.Optional.of(io.rhizome.node.cluster.SpecJson.parse(text));
      } catch (IllegalArgumentException e) {
        throw new UsageException("--initial-cluster-spec " + initialClusterSpec + ": " + e.getMessage());
      }
    }
    return new SentinelSettings(clusterName, self, peerList,
        listenAddress == null ? listed.host() : listenAddress,
        listenPort == null ? listed.port() : listenPort,
        dataDir.toAbsolutePath(), election, snapshotThreshold, join,
        tls.files(), initialSpec,
        spec -> io.rhizome.node.cluster.ClusterInit.fresh(spec,
            java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 8)), httpListen);
  }

  static void require(Object value, String flag) {
    if (value == null || value.toString().isBlank()) {
      throw new UsageException(flag + " is required (or set "
          + io.rhizome.node.common.EnvironmentDefaults.variableFor(flag) + ")");
    }
  }

  static <T> T parse(java.util.function.Supplier<T> parser) {
    try {
      return parser.get();
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }
}
