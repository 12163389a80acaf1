package io.rhizome.proxy;

import io.rhizome.node.common.DurationText;
import io.rhizome.node.common.EnvironmentDefaults;
import io.rhizome.node.common.HttpOptions;
import io.rhizome.node.common.RefusedException;
import io.rhizome.node.common.Signals;
import io.rhizome.node.common.TlsOptions;
import io.rhizome.node.common.UsageException;
import io.rhizome.store.PeerAddress;
import io.rhizome.store.StoreClientConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code rhizome proxy}: forwards PostgreSQL clients to the current master. */
@Command(name = "proxy", mixinStandardHelpOptions = true,
    description = {"Runs one proxy: clients connect to it and reach the current master (and, on "
        + "--read-only-port, a healthy standby).",
        "Every flag can also be set as RHIZOME_<FLAG>, e.g. RHIZOME_STORE_ENDPOINTS."})
public final class ProxyCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyCommand.class);
  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

  @Option(names = "--cluster-name", description = "cluster name (required)")
  String clusterName;

  @Option(names = "--store-endpoints", description = "sentinels as HOST:PORT[,HOST:PORT...] (required)")
  String storeEndpoints;

  @Option(names = "--store-timeout", defaultValue = "1s",
      description = "how long one store request may take, retries included; default ${DEFAULT-VALUE}")
  String storeTimeout;

  @Mixin TlsOptions tls;

  @Mixin HttpOptions http;

  @Option(names = "--id", description = "this proxy's id: lowercase letters, digits, '_' and '-' (default: random 8 hex digits)")
  String id;

  @Option(names = "--listen-address", defaultValue = "127.0.0.1",
      description = "address to listen on; default ${DEFAULT-VALUE}")
  String listenAddress;

  @Option(names = "--port", defaultValue = "25432", description = "port for the master; default ${DEFAULT-VALUE}")
  int port;

  @Option(names = "--read-only-port", description = "port for reads on healthy standbys (default: none)")
  Integer readOnlyPort;

  @Option(names = "--read-only-strict", description = "the read-only port never falls back to the master")
  boolean readOnlyStrict;

  @Option(names = "--hold-timeout", defaultValue = "5s",
      description = "during a planned switchover, how long a new connection waits for the new master; default ${DEFAULT-VALUE}")
  String holdTimeout;

  @Option(names = "--drain-timeout", defaultValue = "500ms",
      description = "during a planned switchover, how long an open connection to the old master may take "
          + "to finish its transaction (it is closed as soon as it is between transactions); "
          + "keep it under half of proxyTimeout; default ${DEFAULT-VALUE}")
  String drainTimeout;

  @Option(names = "--tcp-keepalive-idle", defaultValue = "0",
      description = "TCP keepalive idle time (e.g. 30s; a bare number is seconds; 0 = OS default)")
  String keepAliveIdle;

  @Option(names = "--tcp-keepalive-interval", defaultValue = "0",
      description = "TCP keepalive probe interval (e.g. 10s; 0 = OS default)")
  String keepAliveInterval;

  @Option(names = "--tcp-keepalive-count", defaultValue = "0",
      description = "TCP keepalive probes before a connection is dropped (0 = OS default)")
  int keepAliveCount;

  @Option(names = "--event-loops",
      description = "threads forwarding bytes, each with its own selector (default: the number of cores, at most 4)")
  Integer eventLoops;

  @Mixin io.rhizome.node.common.LogOptions log;

  @Override
  public Integer call() throws Exception {
    ProxySettings settings = settings();
    Proxy proxy;
    try {
      proxy = Proxy.start(settings);
    } catch (ProxyEngine.PortInUseException e) {
      throw new RefusedException(e.getMessage(), e);
    }
    try (proxy) {
      Optional<String> signal = Signals.awaitTerminationOr(proxy.engine().failure());
      if (signal.isEmpty()) {
        // a proxy that can no longer forward must not linger refusing everyone: exit, and let the
        // service manager start a fresh one
        LOG.error("stopping proxy id={} with exit status 1: {}", settings.proxyId(),
            proxy.engine().failure().handle((v, e) -> e == null ? "" : e.getMessage()).join());
        return 1;
      }
      LOG.info("received {}: stopping proxy id={} (closing every connection)", signal.get(), settings.proxyId());
    }
    return 0;
  }

  ProxySettings settings() {
    require(clusterName, "--cluster-name");
    require(storeEndpoints, "--store-endpoints");
    String proxyId = id == null || id.isBlank()
        ? String.format("%08x", ThreadLocalRandom.current().nextInt()) : id;
    if (!ID.matcher(proxyId).matches()) {
      throw new UsageException("--id '" + proxyId + "' is not valid: use lowercase letters, digits, '_' and '-', "
          + "starting with a letter or digit, e.g. proxy1");
    }
    checkPort(port, "--port");
    if (readOnlyPort != null) {
      checkPort(readOnlyPort, "--read-only-port");
      if (readOnlyPort == port) {
        throw new UsageException("--read-only-port " + readOnlyPort + " is the same as --port; choose another");
      }
    }
    if (readOnlyStrict && readOnlyPort == null) {
      throw new UsageException("--read-only-strict needs --read-only-port");
    }
    Duration hold = parse(() -> DurationText.parse(holdTimeout, "--hold-timeout"));
    Duration drain = parse(() -> DurationText.parse(drainTimeout, "--drain-timeout"));
    Duration idle = parse(() -> seconds(keepAliveIdle, "--tcp-keepalive-idle"));
    Duration interval = parse(() -> seconds(keepAliveInterval, "--tcp-keepalive-interval"));
    if (keepAliveCount < 0) {
      throw new UsageException("--tcp-keepalive-count " + keepAliveCount + " is negative (use 0 for the OS default)");
    }
    int loops = eventLoops == null ? EngineConfig.defaultThreads() : eventLoops;
    if (loops < 1 || loops > 64) {
      throw new UsageException("--event-loops " + loops + " is out of range (use 1-64; about one per core)");
    }
    StoreClientConfig store = parse(() -> StoreClientConfig.of(PeerAddress.parseEndpoints(storeEndpoints, "--store-endpoints"))
        .withRequestTimeout(DurationText.parse(storeTimeout, "--store-timeout"))
        .withTls(tls.files()));
    InetSocketAddress listen = new InetSocketAddress(listenAddress, port);
    if (listen.isUnresolved()) {
      throw new UsageException("--listen-address '" + listenAddress + "' does not resolve to an address");
    }
    Optional<InetSocketAddress> readOnly = Optional.ofNullable(readOnlyPort)
        .map(p -> new InetSocketAddress(listen.getAddress(), p));
    EngineConfig engine = new EngineConfig(listen, readOnly, readOnlyStrict, hold, drain,
        EngineConfig.DEFAULT_CONNECT_TIMEOUT, new EngineConfig.KeepAlive(idle, interval, keepAliveCount),
        loops);
    return new ProxySettings(clusterName, proxyId, store, engine, http.listen());
  }

  /** stolon's keepalive flags are seconds; a duration string works too. */
  static Duration seconds(String text, String flag) {
    String s = text == null ? "" : text.trim();
    if (s.matches("\\d+")) {
      return Duration.ofSeconds(Long.parseLong(s));
    }
    return DurationText.parse(s, flag);
  }

  private static void checkPort(int p, String flag) {
    if (p < 1 || p > 65535) {
      throw new UsageException(flag + " " + p + " is not a port (use 1-65535)");
    }
  }

  static void require(Object value, String flag) {
    if (value == null || value.toString().isBlank()) {
      throw new UsageException(flag + " is required (or set " + EnvironmentDefaults.variableFor(flag) + ")");
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
