package io.rhizome.cli;

import io.rhizome.node.common.DurationText;
import io.rhizome.node.common.UsageException;
import io.rhizome.store.PeerAddress;
import io.rhizome.store.StoreClient;
import io.rhizome.store.StoreClientConfig;
import io.rhizome.node.common.TlsOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** How rhizomectl reaches the store: the flags every client program shares. */
final class StoreOptions {
  @Option(names = "--cluster-name", scope = ScopeType.INHERIT, description = "cluster name (or RHIZOME_CLUSTER_NAME)")
  String clusterName;

  @Option(names = "--store-endpoints", scope = ScopeType.INHERIT,
      description = "sentinels as HOST:PORT[,HOST:PORT...] (or RHIZOME_STORE_ENDPOINTS)")
  String storeEndpoints;

  @Option(names = "--store-timeout", defaultValue = "3s", scope = ScopeType.INHERIT,
      description = "how long one store request may take, retries included; default ${DEFAULT-VALUE}")
  String storeTimeout;

  @Mixin TlsOptions tls;

  @Mixin io.rhizome.node.common.LogOptions log;

  StoreClient connect() {
    if (storeEndpoints == null || storeEndpoints.isBlank()) {
      throw new UsageException("--store-endpoints is required (or set RHIZOME_STORE_ENDPOINTS), "
          + "e.g. 127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003");
    }
    try {
      StoreClientConfig config = StoreClientConfig.of(
              PeerAddress.parseEndpoints(storeEndpoints, "--store-endpoints"))
          .withRequestTimeout(DurationText.parse(storeTimeout, "--store-timeout"))
          .withTls(tls.files())
          // a command makes a few requests: it must not spend its timeout on a sentinel that
          // has just restarted and knows no leader yet while the others answer
          .withReadsMovingPastLeaderlessPeers();
      return StoreClient.connect(config);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }
}
