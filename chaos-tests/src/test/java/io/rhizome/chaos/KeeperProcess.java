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
      Path suPasswordFile, Path replPasswordFile) {
    this(clusterName, id, root, storeEndpoints, pgPort, suPasswordFile, replPasswordFile, List.of());
  }

  /** With {@code extraArgs}, e.g. {@code --pg-advertise-port} of a relay in front of PostgreSQL. */
  KeeperProcess(String clusterName, String id, Path root, String storeEndpoints, int pgPort,
      Path suPasswordFile, Path replPasswordFile, List<String> extraArgs) {
    this.id = id;
    this.dataDir = root.resolve(id);
    this.pgPort = pgPort;
    List<String> all = new java.util.ArrayList<>(List.of("keeper", "--cluster-name", clusterName, "--id", id,
        "--data-dir", dataDir.toString(), "--store-endpoints", storeEndpoints,
        "--pg-listen-address", "127.0.0.1", "--pg-port", Integer.toString(pgPort),
        "--pg-su-username", "postgres", "--pg-su-passwordfile", suPasswordFile.toString(),
        "--pg-repl-passwordfile", replPasswordFile.toString()));
    all.addAll(extraArgs);
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

  /** The keeper JVM's PID while it runs, else 0. */
  long pid() {
    return daemon.pidIfAlive();
  }

  void kill() throws InterruptedException {
    daemon.kill();
  }

  int terminate() throws InterruptedException {
    return daemon.terminate();
  }

  /** SIGSTOP of the keeper's JVM. */
  void freeze() {
    daemon.freeze();
  }

  void thaw() {
    daemon.thaw();
  }

  /** kill -9 of PostgreSQL: its postmaster and every process it forked, as a crash takes them all. */
  void killPostgres() {
    long pid = postmasterPid();
    ProcessSignals.tree(pid, ProcessSignals.Signal.KILL);
    awaitGone(pid);
  }

  /** SIGSTOP of PostgreSQL, its postmaster and every backend: a hung server with open sockets. */
  long freezePostgres() {
    long pid = postmasterPid();
    ProcessSignals.tree(pid, ProcessSignals.Signal.STOP);
    return pid;
  }

  /** SIGCONT of the PostgreSQL frozen by {@link #freezePostgres()} (its pid: the file may have changed). */
  static void thawPostgres(long pid) {
    ProcessSignals.tree(pid, ProcessSignals.Signal.CONT);
  }

  private static void awaitGone(long pid) {
    ProcessHandle.of(pid).ifPresent(h -> {
      try {
        h.onExit().get(20, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("PostgreSQL pid " + pid + " still runs 20 s after SIGKILL", e);
      }
    });
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
    long pid = postmasterPid();
    // a frozen PostgreSQL would hold the keeper's fast shutdown up: thaw it first
    ProcessSignals.tree(pid, ProcessSignals.Signal.CONT);
    daemon.stop();
    // a keeper killed by the test leaves its PostgreSQL behind: it is ours to stop
    pid = postmasterPid();
    if (pid != 0) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
    }
  }

  @Override
  public String toString() {
    return daemon + " pg :" + pgPort;
  }
}
