package io.rhizome.proxy;

import io.rhizome.store.StoreClientConfig;
import java.net.InetSocketAddress;
import java.util.Optional;

/** Everything {@code rhizome proxy} needs, checked. {@code http}: where /health and /metrics listen, if anywhere. */
public record ProxySettings(String clusterName, String proxyId, StoreClientConfig store,
    EngineConfig engine, Optional<InetSocketAddress> http) {

  public ProxySettings(String clusterName, String proxyId, StoreClientConfig store, EngineConfig engine) {
    this(clusterName, proxyId, store, engine, Optional.empty());
  }
}
