package io.rhizome.chaos;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One Rhizome daemon ({@code rhizome sentinel|keeper|...}) in its own JVM, owned by a test:
 * start, kill -9, SIGTERM. Output goes to a log file, appended across restarts. Only the PIDs it
 * started are ever signalled.
 */
final class DaemonProcess {
  /** The launcher, as bin/rhizome runs it. */
  static final String MAIN_CLASS = "io.rhizome.cli.Main";
  private static final long STOP_GRACE_SECONDS = 20;

  private final String name;
  private final Path log;
  private Process process;
  private boolean frozen;

  DaemonProcess(String name, Path log) {
    this.name = name;
    this.log = log;
    // no daemon may outlive the test JVM, even when the test is cut short
    Runtime.getRuntime().addShutdownHook(new Thread(this::destroyNow, "stop-" + name));
  }

  private synchronized void destroyNow() {
    if (process != null) {
      process.destroyForcibly();
    }
  }

  synchronized void start(List<String> programArgs) throws IOException {
    if (isAlive()) {
      throw new IllegalStateException(name + " is already running");
    }
    process = new ProcessBuilder(javaCommand(programArgs, log))
        .redirectErrorStream(true)
        .redirectOutput(Redirect.appendTo(log.toFile()))
        .start();
  }

  /**
   * The command line that runs {@code rhizome <programArgs>} as bin/rhizome would, with the JVM
   * options users' daemons run with (bin/jvm.options: the collector decides calm under load) and
   * the JVM's stops of the world logged beside {@code log} (a daemon that went silent may have
   * been stopped).
   */
  static List<String> javaCommand(List<String> programArgs, Path log) {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(io.rhizome.testsupport.DaemonJvmOptions.get());
    command.addAll(io.rhizome.testsupport.JvmPauses.loggingOptions(log));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), MAIN_CLASS));
    command.addAll(programArgs);
    return command;
  }

  synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  synchronized long pid() {
    return process.pid();
  }

  /** The PID while it runs, else 0. */
  synchronized long pidIfAlive() {
    return isAlive() ? process.pid() : 0;
  }

  /** kill -9: no shutdown hook runs, nothing is flushed. Returns once the process is gone. */
  synchronized void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      frozen = false;
      if (!process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
        throw new IllegalStateException(name + " (pid " + process.pid()
            + ") still runs " + STOP_GRACE_SECONDS + "s after SIGKILL");
      }
    }
  }

  /** SIGSTOP: the JVM is frozen, its sockets stay open (a hung host, not a dead one). */
  synchronized void freeze() {
    ProcessSignals.one(process.pid(), ProcessSignals.Signal.STOP);
    frozen = true;
  }

  /** SIGCONT after {@link #freeze()}. */
  synchronized void thaw() {
    if (process != null) {
      ProcessSignals.one(process.pid(), ProcessSignals.Signal.CONT);
    }
    frozen = false;
  }

  synchronized boolean isFrozen() {
    return frozen && isAlive();
  }

  /** SIGTERM; returns the exit code, or -1 if it had to be killed. */
  synchronized int terminate() throws InterruptedException {
    if (frozen) {
      thaw(); // a stopped JVM would not act on SIGTERM
    }
    process.destroy();
    if (!process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
      return -1;
    }
    return process.exitValue();
  }

  /** SIGTERM, then kill -9 if it does not exit in time. */
  synchronized void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      terminate();
    }
  }

  Path log() {
    return log;
  }

  @Override
  public String toString() {
    return name + (isAlive() ? " pid " + process.pid() : " (not running)");
  }
}
