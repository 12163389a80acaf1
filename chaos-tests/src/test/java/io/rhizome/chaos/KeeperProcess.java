package io.rhizome.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** One {@code rhizome keeper} in its own JVM, owned by a test. */
final class KeeperProcess implements AutoCloseable {
  final String id;
  final Path dataDir;
  final int pgPort;
  private final List<String> args;
  private final DaemonProcess daemon;
  /** --http-port, when the test asks for HTTP. */
  private Integer httpPort;

  KeeperProcess(String clusterName, String id, Path root, String storeEndpoints, int pgPort,
      Path suPasswordFile, Path replPasswordFile, String... extraArgs) {
    this.id = id;
    this.dataDir = root.resolve(id);
    this.pgPort = pgPort;
    List<String> all = new java.util.ArrayList<>(List.of("keeper", "--cluster-name", clusterName, "--id", id,
        "--data-dir", dataDir.toString(), "--store-endpoints", storeEndpoints,
        "--pg-listen-address", "127.0.0.1", "--pg-port", Integer.toString(pgPort),
        "--pg-su-username", "postgres", "--pg-su-passwordfile", suPasswordFile.toString(),
        "--pg-repl-passwordfile", replPasswordFile.toString()));
    all.addAll(List.of(extraArgs));
    this.args = List.copyOf(all);
    this.daemon = new DaemonProcess("keeper " + id, root.resolve(id + ".log"));
  }

  /** Serve /health, /primary, /replica, /status and /metrics on {@code port} from the next start. */
  KeeperProcess withHttpPort(int port) {
    this.httpPort = port;
    return this;
  }

  Integer httpPort() {
    return httpPort;
  }

  void start() throws IOException {
    List<String> all = new java.util.ArrayList<>(args);
    if (httpPort != null) {
      all.addAll(List.of("--http-port", Integer.toString(httpPort)));
    }
    daemon.start(all);
  }

  boolean isAlive() {
    return daemon.isAlive();
  }

  void kill() throws InterruptedException {
    daemon.kill();
  }

  int terminate() throws InterruptedException {
    return daemon.terminate();
  }

  Path log() {
    return daemon.log();
  }

  Path pgData() {
    return dataDir.resolve("postgres");
  }

  /** The running postmaster's pid, from postmaster.pid; 0 when there is none or it is dead. */
  long postmasterPid() {
    try {
      Path pidFile = pgData().resolve("postmaster.pid");
      if (!Files.exists(pidFile)) {
        return 0;
      }
      long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) ? pid : 0;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  @Override
  public void close() throws InterruptedException {
    daemon.stop();
    // a keeper killed by the test leaves its PostgreSQL behind: it is ours to stop
    long pid = postmasterPid();
    if (pid != 0) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
    }
  }
}
