package io.rhizome.chaos;

import io.rhizome.store.PeerAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One {@code rhizome sentinel} in its own JVM, owned by a test: start, kill -9, restart on the
 * same data dir, stop with SIGTERM. Its output goes to {@code <root>/<id>.log} (appended across
 * restarts).
 */
final class SentinelProcess implements AutoCloseable {
  private final String clusterName;
  private final PeerAddress self;
  private final List<PeerAddress> peers;
  private final Path dataDir;
  private final DaemonProcess daemon;
  /** --http-port, when the test asks for HTTP. */
  private Integer httpPort;
  private int listenPort;

  SentinelProcess(String clusterName, PeerAddress self, List<PeerAddress> peers, Path root) {
    this.clusterName = clusterName;
    this.self = self;
    this.peers = List.copyOf(peers);
    this.dataDir = root.resolve(self.id());
    this.daemon = new DaemonProcess("sentinel " + self.id(), root.resolve(self.id() + ".log"));
  }

  String id() {
    return self.id();
  }

  /** Serve health checks, /metrics and the status page on {@code port} from the next start. */
  SentinelProcess withHttpPort(int port) {
    this.httpPort = port;
    return this;
  }

  Integer httpPort() {
    return httpPort;
  }

  /** Binds {@code port} while the others dial its address in --peers (a relay in front of it). */
  SentinelProcess listenOn(int port) {
    this.listenPort = port;
    return this;
  }

  long pid() {
    return daemon.pidIfAlive();
  }

  void start() throws IOException {
    start(false);
  }

  /** With {@code join}, an empty sentinel waits to be added by 'rhizomectl sentinel add'. */
  void start(boolean join) throws IOException {
    Files.createDirectories(dataDir);
    List<String> args = new ArrayList<>(List.of("sentinel",
        "--cluster-name", clusterName,
        "--id", self.id(),
        "--data-dir", dataDir.toString(),
        "--listen-address", self.host(),
        "--peers", peers.stream().map(PeerAddress::toString).collect(Collectors.joining(","))));
    if (join) {
      args.add("--join");
    }
    if (httpPort != null) {
      args.addAll(List.of("--http-port", Integer.toString(httpPort)));
    }
    if (listenPort != 0) {
      args.addAll(List.of("--listen-port", Integer.toString(listenPort)));
    }
    daemon.start(args);
  }

  boolean isAlive() {
    return daemon.isAlive();
  }

  /** kill -9: no shutdown hook runs, nothing is flushed. Returns once the process is gone. */
  void kill() throws InterruptedException {
    daemon.kill();
  }

  /** SIGSTOP: a hung sentinel whose sockets stay open. */
  void freeze() {
    daemon.freeze();
  }

  void thaw() {
    daemon.thaw();
  }

  /** SIGTERM; returns the exit code, or -1 if it had to be killed. */
  int terminate() throws InterruptedException {
    return daemon.terminate();
  }

  Path log() {
    return daemon.log();
  }

  /** SIGTERM, then kill -9 if it does not exit in time. */
  void stop() throws InterruptedException {
    daemon.stop();
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  @Override
  public String toString() {
    return self + " " + daemon;
  }
}
