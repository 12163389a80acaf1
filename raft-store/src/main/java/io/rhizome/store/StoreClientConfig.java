package io.rhizome.store;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How a keeper, proxy, CLI or test reaches the store.
 *
 * @param endpoints sentinels to try; the client follows the leader and learns the real member
 *     list from the store
 * @param requestTimeout the whole budget of one call, retries included
 */
public record StoreClientConfig(List<PeerAddress> endpoints, Duration requestTimeout,
    Optional<TlsFiles> tls) {

  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(3);

  public StoreClientConfig {
    endpoints = List.copyOf(endpoints);
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("--store-endpoints is empty (e.g. 127.0.0.1:7001,127.0.0.1:7002)");
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("--store-timeout must be positive (e.g. 3s)");
    }
  }

  public static StoreClientConfig of(List<PeerAddress> endpoints) {
    return new StoreClientConfig(endpoints, DEFAULT_REQUEST_TIMEOUT, Optional.empty());
  }

  public StoreClientConfig withRequestTimeout(Duration timeout) {
    return new StoreClientConfig(endpoints, timeout, tls);
  }

  public StoreClientConfig withTls(Optional<TlsFiles> t) {
    return new StoreClientConfig(endpoints, requestTimeout, t);
  }
}
