package io.rhizome.chaos;

import io.rhizome.store.PeerAddress;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One {@code rhizome sentinel} in its own JVM, owned by a test: start, kill -9, restart on the
 * same data dir, stop with SIGTERM. Its output goes to {@code <root>/<id>.log} (appended across
 * restarts).
 */
final class SentinelProcess implements AutoCloseable {
  /** The launcher, as bin/rhizome runs it. */
  static final String MAIN_CLASS = "io.rhizome.cli.Main";
  private static final long STOP_GRACE_SECONDS = 10;

  private final String clusterName;
  private final PeerAddress self;
  private final List<PeerAddress> peers;
  private final Path dataDir;
  private final Path log;
  private Process process;

  SentinelProcess(String clusterName, PeerAddress self, List<PeerAddress> peers, Path root) {
    this.clusterName = clusterName;
    this.self = self;
    this.peers = List.copyOf(peers);
    this.dataDir = root.resolve(self.id());
    this.log = root.resolve(self.id() + ".log");
    // no sentinel may outlive the test JVM, even when the test is cut short
    Runtime.getRuntime().addShutdownHook(new Thread(this::destroyNow, "stop-sentinel-" + self.id()));
  }

  private synchronized void destroyNow() {
    if (process != null) {
      process.destroyForcibly();
    }
  }

  String id() {
    return self.id();
  }

  synchronized void start() throws IOException {
    start(false);
  }

  /** With {@code join}, an empty sentinel waits to be added by 'rhizomectl sentinel add'. */
  synchronized void start(boolean join) throws IOException {
    if (isAlive()) {
      throw new IllegalStateException("sentinel " + id() + " is already running");
    }
    Files.createDirectories(dataDir);
    List<String> command = new ArrayList<>(List.of(
        Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        // a small heap and quick start: several JVMs share two cores
        "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"),
        MAIN_CLASS, "sentinel",
        "--cluster-name", clusterName,
        "--id", self.id(),
        "--data-dir", dataDir.toString(),
        "--listen-address", self.host(),
        "--port", Integer.toString(self.port()),
        "--peers", peers.stream().map(PeerAddress::toString).collect(Collectors.joining(","))));
    if (join) {
      command.add("--join");
    }
    process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(Redirect.appendTo(log.toFile()))
        .start();
  }

  synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** kill -9: no shutdown hook runs, nothing is flushed. Returns once the process is gone. */
  synchronized void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      if (!process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
        throw new IllegalStateException("sentinel " + id() + " (pid " + process.pid()
            + ") still runs " + STOP_GRACE_SECONDS + "s after SIGKILL");
      }
    }
  }

  /** SIGTERM; returns the exit code, or -1 if it had to be killed. */
  synchronized int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
      return -1;
    }
    return process.exitValue();
  }

  Path log() {
    return log;
  }

  /** SIGTERM, then kill -9 if it does not exit in time. */
  synchronized void stop() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.destroy();
    if (!process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  @Override
  public String toString() {
    return self + (isAlive() ? " pid " + process.pid() : " (not running)");
  }
}
