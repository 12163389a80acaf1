package io.rhizome.node.keeper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the --on-role-change command on its own thread, so a slow or failing command never holds
 * up the keeper loop. One runs at a time; a change that arrives while one runs waits, and a newer
 * change replaces a waiting one (only the latest role matters to a script that, say, moves a
 * virtual IP). Output is logged line by line; a command still running after its timeout is
 * killed, with everything it started.
 */
final class RoleCallbackRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RoleCallbackRunner.class);

  /** One call: {@code CMD ROLE CLUSTER DBUID}. */
  record Call(PgRole role, String cluster, String dbUid) {}

  private final RoleHook hook;
  private final Thread worker;
  private Call pending;
  private boolean closing;
  private boolean busy;

  RoleCallbackRunner(RoleHook hook) {
    this.hook = hook;
    this.worker = new Thread(this::work, "on-role-change");
    worker.setDaemon(true);
    worker.start();
  }

  /** Queues a call; replaces one that has not started yet. Never blocks. */
  synchronized void submit(Call call) {
    if (closing) {
      return;
    }
    if (pending != null) {
      LOG.info("on-role-change superseded role={} by role={} (not run)", pending.role().word(), call.role().word());
    }
    pending = call;
    notifyAll();
  }

  private void work() {
    while (true) {
      Call call;
      synchronized (this) {
        while (pending == null && !closing) {
          try {
            wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (pending == null) {
          return;
        }
        call = pending;
        pending = null;
        busy = true;
      }
      try {
        run(call);
      } finally {
        synchronized (this) {
          busy = false;
          notifyAll();
        }
      }
    }
  }

  /** The command line: through sh, so CMD may carry its own arguments and quoting. */
  List<String> commandLine(Call call) {
    return List.of("/bin/sh", "-c", hook.command() + " \"$@\"", "on-role-change",
        call.role().word(), call.cluster(), call.dbUid());
  }

  private void run(Call call) {
    long started = System.nanoTime();
    Process p;
    try {
      p = new ProcessBuilder(commandLine(call)).redirectErrorStream(true).start();
    } catch (IOException e) {
      LOG.warn("on-role-change could not start role={} command={}: {}", call.role().word(), hook.command(), e.getMessage());
      return;
    }
    Thread output = new Thread(() -> logOutput(p, call), "on-role-change-output");
    output.setDaemon(true);
    output.start();
    try {
      if (!p.waitFor(hook.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        LOG.warn("on-role-change killed after timeout={} role={} cluster={} db={}", durationText(hook.timeout()),
            call.role().word(), call.cluster(), call.dbUid());
        return;
      }
      output.join(1000);
      long ms = Duration.ofNanos(System.nanoTime() - started).toMillis();
      if (p.exitValue() == 0) {
        LOG.info("on-role-change done role={} cluster={} db={} exit=0 ms={}", call.role().word(), call.cluster(),
            call.dbUid(), ms);
      } else {
        LOG.warn("on-role-change failed role={} cluster={} db={} exit={} ms={}", call.role().word(), call.cluster(),
            call.dbUid(), p.exitValue(), ms);
      }
    } catch (InterruptedException e) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static String durationText(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  private static void logOutput(Process p, Call call) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        LOG.info("on-role-change output role={}: {}", call.role().word(), line);
      }
    } catch (IOException e) {
      // the command ended or was killed
    }
  }

  /** Waits up to {@code within} for a queued or running call to finish (the "stopped" call at shutdown). */
  synchronized void drain(Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while ((pending != null || busy) && System.nanoTime() < deadline) {
      wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      closing = true;
      notifyAll();
    }
  }
}
