package io.rhizome.chaos;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * SIGSTOP, SIGCONT and SIGKILL for processes a test started itself (a daemon's JVM, or the
 * PostgreSQL a keeper of the test started, found by its data dir's postmaster.pid) and their
 * descendants. Never by name: only a PID the caller owns.
 */
final class ProcessSignals {
  private ProcessSignals() {}

  enum Signal { STOP, CONT, KILL }

  /** Signals {@code pid} and then every descendant it has (a frozen postmaster forks no more). */
  static void tree(long pid, Signal signal) {
    if (pid <= 0) {
      return;
    }
    List<Long> pids = new ArrayList<>();
    pids.add(pid);
    ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
    if (signal == Signal.CONT) {
      // children first: a thawed postmaster sees its children alive, not stopped
      java.util.Collections.reverse(pids);
    }
    send(pids, signal);
  }

  static void one(long pid, Signal signal) {
    if (pid > 0) {
      send(List.of(pid), signal);
    }
  }

  private static void send(List<Long> pids, Signal signal) {
    List<String> command = new ArrayList<>(List.of("kill", "-" + signal.name()));
    pids.forEach(p -> command.add(Long.toString(p)));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not return");
      }
      // a process that exited meanwhile is not an error: the signal had nothing left to do
    } catch (IOException e) {
      throw new IllegalStateException(String.join(" ", command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted sending " + signal, e);
    }
  }
}
