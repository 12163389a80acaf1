package io.rhizome.node.common;

import java.net.InetSocketAddress;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The HTTP flags every daemon shares (a picocli mixin): health checks, /metrics and, on a
 * sentinel, the status page. HTTP is off unless {@code --http-port} is given, so nothing listens
 * that the operator did not ask for.
 */
public final class HttpOptions {
  @Option(names = "--http-address", defaultValue = "127.0.0.1",
      description = "address for health checks and /metrics; default ${DEFAULT-VALUE}")
  String address;

  @Option(names = "--http-port", description = "port for health checks and /metrics (default: no HTTP)")
  Integer port;

  /** Where to listen, when HTTP is asked for. @throws UsageException on a bad port or address */
  public Optional<InetSocketAddress> listen() {
    if (port == null) {
      return Optional.empty();
    }
    if (port < 1 || port > 65535) {
      throw new UsageException("--http-port " + port + " is not a port (use 1-65535)");
    }
    if (address == null || address.isBlank()) {
      throw new UsageException("--http-address is empty (use e.g. 127.0.0.1 or 0.0.0.0)");
    }
    InetSocketAddress a = new InetSocketAddress(address.trim(), port);
    if (a.isUnresolved()) {
      throw new UsageException("--http-address '" + address + "' does not resolve to an address");
    }
    return Optional.of(a);
  }
}
