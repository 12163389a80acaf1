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
 * @param readsMovePastLeaderlessPeers a read or watch answered by a peer that cannot serve reads
 *     now (it knows no leader, or installs a snapshot) is sent to the next endpoint at once,
 *     instead of Ratis asking that same peer until the budget is spent. For short-lived clients
 *     that make a few requests (rhizomectl), which start at the first endpoint. Off for the
 *     daemons: their clients live long and already follow the leader, and whether their reads,
 *     moved onto followers, slow a restarted sentinel's catch-up is not settled (docs/store.md).
 */
public record StoreClientConfig(List<PeerAddress> endpoints, Duration requestTimeout,
    Optional<TlsFiles> tls, boolean readsMovePastLeaderlessPeers) {

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
    return new StoreClientConfig(endpoints, DEFAULT_REQUEST_TIMEOUT, Optional.empty(), false);
  }

  public StoreClientConfig withRequestTimeout(Duration timeout) {
    return new StoreClientConfig(endpoints, timeout, tls, readsMovePastLeaderlessPeers);
  }

  public StoreClientConfig withTls(Optional<TlsFiles> t) {
    return new StoreClientConfig(endpoints, requestTimeout, t, readsMovePastLeaderlessPeers);
  }

  public StoreClientConfig withReadsMovingPastLeaderlessPeers() {
    return new StoreClientConfig(endpoints, requestTimeout, tls, true);
  }
}
