package io.rhizome.cli.demo;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One daemon of the demo in its own JVM: started, watched, stopped with SIGTERM. Its output is
 * appended to its log file. Only the PID it started is ever signalled.
 */
final class DemoProcess {
  final String name;
  private final List<String> command;
  private final Path log;
  private final Path workDir;
  private final Map<String, String> environment;
  private Process process;

  DemoProcess(String name, List<String> command, Path log, Path workDir, Map<String, String> environment) {
    this.name = name;
    this.command = List.copyOf(command);
    this.log = log;
    this.workDir = workDir;
    this.environment = Map.copyOf(environment);
  }

  /** Starts it; {@code onExit} hears of its end, whoever caused it. */
  synchronized void start(Consumer<DemoProcess> onExit) throws IOException {
    List<String> full = new ArrayList<>();
    // its own session: the terminal's Ctrl-C reaches only the demo, which then stops everything in
    // order (proxy, keepers and their PostgreSQL, sentinels) instead of all at once
    if (Tools.onPath("setsid")) {
      full.add("setsid");
    }
    full.addAll(command);
    ProcessBuilder builder = new ProcessBuilder(full)
        .directory(workDir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(Redirect.appendTo(log.toFile()));
    builder.environment().putAll(environment);
    Process started = builder.start();
    process = started;
    started.onExit().thenRun(() -> onExit.accept(this));
  }

  synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  synchronized long pid() {
    return process == null ? 0 : process.pid();
  }

  synchronized int exitCode() {
    return process.exitValue();
  }

  /** SIGTERM, then SIGKILL after {@code graceSeconds}; returns whether it stopped by itself. */
  boolean stop(long graceSeconds) throws InterruptedException {
    Process p;
    synchronized (this) {
      p = process;
    }
    if (p == null || !p.isAlive()) {
      return true;
    }
    p.destroy();
    if (p.waitFor(graceSeconds, TimeUnit.SECONDS)) {
      return true;
    }
    p.destroyForcibly();
    p.waitFor(graceSeconds, TimeUnit.SECONDS);
    return false;
  }

  Path log() {
    return log;
  }
}
