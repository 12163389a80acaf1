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

  ProxyProcess(String clusterName, String id, Path root, String storeEndpoints, int port) {
    this(clusterName, id, root, storeEndpoints, port, 0);
  }

  /** {@code httpPort} 0: no HTTP. */
  ProxyProcess(String clusterName, String id, Path root, String storeEndpoints, int port, int httpPort) {
    this.id = id;
    this.port = port;
    this.httpPort = httpPort;
    List<String> a = new java.util.ArrayList<>(List.of("proxy", "--cluster-name", clusterName, "--id", id,
        "--store-endpoints", storeEndpoints, "--listen-address", "127.0.0.1", "--port", Integer.toString(port)));
    if (httpPort != 0) {
      a.addAll(List.of("--http-port", Integer.toString(httpPort)));
    }
    this.args = List.copyOf(a);
    this.daemon = new DaemonProcess("proxy " + id, root.resolve("proxy-" + id + ".log"));
  }

  void start() throws IOException {
    daemon.start(args);
  }

  boolean isAlive() {
    return daemon.isAlive();
  }

  long pid() {
    return daemon.pidIfAlive();
  }

  void kill() throws InterruptedException {
    daemon.kill();
  }

  /** SIGTERM; the exit code, or -1 when it had to be killed. */
  int terminate() throws InterruptedException {
    return daemon.terminate();
  }

  void freeze() {
    daemon.freeze();
  }

  void thaw() {
    daemon.thaw();
  }

  Path log() {
    return daemon.log();
  }

  @Override
  public void close() throws InterruptedException {
    daemon.stop();
  }

  @Override
  public String toString() {
    return daemon + " :" + port;
  }
}
