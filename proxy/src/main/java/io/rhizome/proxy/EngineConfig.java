package io.rhizome.proxy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * How the forwarding engine listens and treats connections.
 *
 * @param listen the master port's address (port 0 = any free port, for tests)
 * @param readOnlyListen the read-only port's address, if enabled
 * @param readOnlyStrict the read-only port never falls back to the master
 * @param holdTimeout how long a connection waits for a master during a planned switchover
 * @param drainTimeout during a planned switchover, how long a connection to the old master may
 *     finish by itself before it is closed
 * @param connectTimeout how long connecting to a backend may take
 * @param keepAlive TCP keepalive on both sides of every connection
 * @param threads event loops (each a thread with its own selector)
 */
public record EngineConfig(
    InetSocketAddress listen,
    Optional<InetSocketAddress> readOnlyListen,
    boolean readOnlyStrict,
    Duration holdTimeout,
    Duration drainTimeout,
    Duration connectTimeout,
    KeepAlive keepAlive,
    int threads) {

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  public EngineConfig {
    if (threads < 1) {
      throw new IllegalArgumentException("the engine needs at least one thread");
    }
  }

  /** Two event loops on a two-core machine, at most four anywhere: forwarding is cheap. */
  public static int defaultThreads() {
    return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
  }

  /**
   * TCP keepalive: always on; each value 0 = the operating system's default.
   *
   * @param idle idle time before the first probe
   * @param interval time between probes
   * @param count unanswered probes before the connection is dropped
   */
  public record KeepAlive(Duration idle, Duration interval, int count) {
    public static final KeepAlive OS_DEFAULTS = new KeepAlive(Duration.ZERO, Duration.ZERO, 0);
  }
}
