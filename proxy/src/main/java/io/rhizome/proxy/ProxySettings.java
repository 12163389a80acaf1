package io.rhizome.proxy;

import io.rhizome.store.StoreClientConfig;

/** Everything {@code rhizome proxy} needs, checked. */
public record ProxySettings(String clusterName, String proxyId, StoreClientConfig store,
    EngineConfig engine) {}
