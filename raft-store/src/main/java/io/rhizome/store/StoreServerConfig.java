package io.rhizome.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything one sentinel's store peer needs.
 *
 * @param self this peer (its address is what the others dial)
 * @param peers the initial voting members, self included; ignored once the data dir holds a
 *     configuration, and when {@code join} is set (a new peer waits to be added)
 * @param listenHost the local address to bind
 * @param listenPort the local port to bind: {@code self.port()} unless the others reach this peer
 *     on another port (NAT, a relay)
 * @param storageDir where the Raft log and snapshots live
 * @param electionTimeoutMin lower bound of the randomized election timeout (upper = 2x)
 */
public record StoreServerConfig(
    PeerAddress self,
    List<PeerAddress> peers,
    String listenHost,
    int listenPort,
    Path storageDir,
    Duration electionTimeoutMin,
    boolean join,
    StoreTuning tuning,
    Optional<TlsFiles> tls) {

  /** 150 ms re-elects in about 0.7 s after a kill -9 on loopback; never go below it (election storms). */
  public static final Duration DEFAULT_ELECTION_TIMEOUT = Duration.ofMillis(150);

  public StoreServerConfig {
    if (electionTimeoutMin.toMillis() < 100) {
      throw new IllegalArgumentException("--election-timeout " + electionTimeoutMin.toMillis()
          + "ms is too short: under CPU load it causes election storms (use 150ms or more)");
    }
    peers = List.copyOf(peers);
  }

  public static StoreServerConfig of(PeerAddress self, List<PeerAddress> peers, Path storageDir) {
    return new StoreServerConfig(self, peers, self.host(), self.port(), storageDir, DEFAULT_ELECTION_TIMEOUT,
        false, StoreTuning.defaults(), Optional.empty());
  }

  public StoreServerConfig withTuning(StoreTuning t) {
    return new StoreServerConfig(self, peers, listenHost, listenPort, storageDir, electionTimeoutMin, join, t, tls);
  }

  public StoreServerConfig withJoin(boolean j) {
    return new StoreServerConfig(self, peers, listenHost, listenPort, storageDir, electionTimeoutMin, j, tuning, tls);
  }

  public StoreServerConfig withTls(Optional<TlsFiles> t) {
    return new StoreServerConfig(self, peers, listenHost, listenPort, storageDir, electionTimeoutMin, join, tuning, t);
  }

  public StoreServerConfig withElectionTimeout(Duration min) {
    return new StoreServerConfig(self, peers, listenHost, listenPort, storageDir, min, join, tuning, tls);
  }
}
