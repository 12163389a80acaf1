package io.rhizome.chaos;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A command a test started in one host of a {@link HostBed}. The test's own child is
 * {@code sudo}; the helper under it execs through {@code ip netns exec} and {@code setpriv}
 * into the command, so the command is sudo's child, runs as the test's user, and is signalled
 * here directly by its PID (never by name, never through the helper): SIGKILL, SIGSTOP and
 * SIGTERM reach the daemon itself, as they would on a host of its own.
 */
final class HostProcess implements AutoCloseable {
  /** From sudo's start to the command's exec: a fork, a few execs, one nss lookup. */
  private static final Duration EXEC_WAIT = Duration.ofSeconds(30);
  private static final Duration EXIT_WAIT = Duration.ofSeconds(20);

  private final String name;
  private final Process sudo;
  private final ProcessHandle command;

  private HostProcess(String name, Process sudo, ProcessHandle command) {
    this.name = name;
    this.sudo = sudo;
    this.command = command;
  }

  /** Starts {@code launcher} (the helper's exec through sudo), output appended to {@code log}. */
  static HostProcess start(String name, List<String> launcher, Path log) throws IOException {
    Process sudo = new ProcessBuilder(launcher)
        .redirectInput(Redirect.from(Path.of("/dev/null").toFile()))
        .redirectErrorStream(true)
        .redirectOutput(Redirect.appendTo(log.toFile()))
        .start();
    HostProcess started = new HostProcess(name, sudo, awaitCommand(name, sudo, log));
    // no command may outlive the test JVM, even when the test is cut short (the bed's down also kills it)
    Runtime.getRuntime().addShutdownHook(new Thread(started::killNow, "stop-" + name));
    return started;
  }

  /**
   * The command under sudo, once it runs as this user: until then the PID belongs to the helper
   * (root), and a signal would hit ip or setpriv. sudo with a pty would put a monitor (also sudo)
   * in between, hence the walk down to the first process of this user.
   */
  private static ProcessHandle awaitCommand(String name, Process sudo, Path log) {
    String user = System.getProperty("user.name");
    AtomicReference<ProcessHandle> found = new AtomicReference<>();
    try {
      await().atMost(EXEC_WAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
        found.set(runningAs(sudo.toHandle(), user).orElse(null));
        return found.get() != null || !sudo.isAlive();
      });
    } catch (ConditionTimeoutException e) {
      sudo.destroyForcibly();
      throw new IllegalStateException(name + ": the command did not start as " + user + " within " + EXEC_WAIT
          + " (see " + log + ")", e);
    }
    if (found.get() == null) {
      throw new IllegalStateException(name + ": sudo exited with " + sudo.exitValue()
          + " before the command ran (see " + log + ")");
    }
    return found.get();
  }

  private static Optional<ProcessHandle> runningAs(ProcessHandle sudo, String user) {
    if (isUser(sudo, user)) {
      return Optional.of(sudo); // a sudo that execs the command itself, without a fork
    }
    for (ProcessHandle child : sudo.children().toList()) {
      if (isUser(child, user)) {
        return Optional.of(child);
      }
      // a root process (sudo's pty monitor) whose /proc this user cannot read: look below it
      Optional<ProcessHandle> below = runningAs(child, user);
      if (below.isPresent()) {
        return below;
      }
    }
    return Optional.empty();
  }

  private static boolean isUser(ProcessHandle p, String user) {
    return p.isAlive() && p.info().user().map(user::equals).orElse(false);
  }

  /** The command's own PID (not sudo's). */
  long pid() {
    return command.pid();
  }

  ProcessHandle handle() {
    return command;
  }

  boolean isAlive() {
    return command.isAlive();
  }

  /** The state letter of {@code /proc/PID/stat}: R, S, D, T (stopped), Z; '?' once gone. */
  char state() {
    try {
      String stat = java.nio.file.Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2);
    } catch (IOException e) {
      return '?';
    }
  }

  /** kill -9 of the command; returns once it and sudo are gone. */
  void kill() throws InterruptedException {
    command.destroyForcibly();
    continueSudo(); // a stopped sudo would not reap it
    awaitExit();
  }

  /** SIGSTOP: the process hangs with its sockets open. */
  void freeze() {
    ProcessSignals.one(pid(), ProcessSignals.Signal.STOP);
  }

  void thaw() {
    ProcessSignals.one(pid(), ProcessSignals.Signal.CONT);
    continueSudo();
  }

  /**
   * sudo stops itself when its command stops (job control, as in a terminal) and then neither
   * reaps nor exits until continued. It runs as root, but SIGCONT may be sent within a session,
   * and the test started it.
   */
  private void continueSudo() {
    if (sudo.isAlive()) {
      ProcessSignals.one(sudo.pid(), ProcessSignals.Signal.CONT);
    }
  }

  /** SIGTERM (after SIGCONT: a stopped process would not act on it); -1 if it had to be killed. */
  int terminate() throws InterruptedException {
    if (!command.isAlive()) {
      return exitCode();
    }
    thaw();
    command.destroy();
    if (!sudo.waitFor(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
      kill();
      return -1;
    }
    return exitCode();
  }

  /** sudo's exit code, which is the command's (128 + N when a signal N ended it). */
  int exitCode() throws InterruptedException {
    awaitExit();
    return sudo.exitValue();
  }

  private void awaitExit() throws InterruptedException {
    if (!sudo.waitFor(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(this + " still runs " + EXIT_WAIT + " after it was stopped");
    }
  }

  private void killNow() {
    command.destroyForcibly();
    sudo.destroyForcibly();
  }

  @Override
  public void close() throws InterruptedException {
    if (command.isAlive()) {
      terminate();
    }
  }

  @Override
  public String toString() {
    return name + (isAlive() ? " pid " + pid() : " (not running)");
  }
}
