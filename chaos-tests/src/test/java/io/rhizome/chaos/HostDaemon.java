package io.rhizome.chaos;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One Rhizome daemon ({@code rhizome sentinel|keeper|proxy ...}) in one host of a
 * {@link HostBed}, owned by a test: started as bin/rhizome would start it, and started again
 * with the same arguments (and so the same data dir) after a kill or a power-off. Its output goes
 * to {@code log}, appended across restarts.
 */
final class HostDaemon implements AutoCloseable {
  private final HostBed bed;
  private final int host;
  private final String name;
  private final List<String> args;
  private final Path log;
  private HostProcess process;

  HostDaemon(HostBed bed, int host, String name, List<String> args, Path log) {
    this.bed = bed;
    this.host = host;
    this.name = name;
    this.args = List.copyOf(args);
    this.log = log;
  }

  int host() {
    return host;
  }

  String name() {
    return name;
  }

  synchronized void start() throws IOException {
    if (isAlive()) {
      throw new IllegalStateException(name + " is already running");
    }
    process = bed.start(host, name, DaemonProcess.javaCommand(args, log), log);
  }

  synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** The daemon's own PID while it runs, else 0. */
  synchronized long pid() {
    return isAlive() ? process.pid() : 0;
  }

  /** kill -9; returns once it is gone. */
  synchronized void kill() throws InterruptedException {
    if (isAlive()) {
      process.kill();
    }
  }

  /** SIGTERM; the exit code, or -1 when it had to be killed. */
  synchronized int terminate() throws InterruptedException {
    return process == null ? -1 : process.terminate();
  }

  Path log() {
    return log;
  }

  @Override
  public synchronized void close() throws InterruptedException {
    if (isAlive()) {
      process.terminate();
    }
  }

  @Override
  public String toString() {
    return name + " in host " + host + (isAlive() ? " pid " + pid() : " (not running)");
  }
}
