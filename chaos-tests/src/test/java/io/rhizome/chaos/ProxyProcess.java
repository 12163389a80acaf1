package io.rhizome.chaos;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** One {@code rhizome proxy} in its own JVM, owned by a test. */
final class ProxyProcess implements AutoCloseable {
  final String id;
  final int port;
  final int httpPort;
  private final List<String> args;
  private final DaemonProcess daemon;

  ProxyProcess(String clusterName, String id, Path root, String storeEndpoints, int port, int httpPort) {
    this.id = id;
    this.port = port;
    this.httpPort = httpPort;
    this.args = List.of("proxy", "--cluster-name", clusterName, "--id", id, "--store-endpoints", storeEndpoints,
        "--listen-address", "127.0.0.1", "--port", Integer.toString(port), "--http-port", Integer.toString(httpPort));
    this.daemon = new DaemonProcess("proxy " + id, root.resolve(id + ".log"));
  }

  void start() throws IOException {
    daemon.start(args);
  }

  @Override
  public void close() throws InterruptedException {
    daemon.stop();
  }
}
