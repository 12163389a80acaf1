package io.rhizome.node.keeper;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real PostgreSQL whose every process is stopped (SIGSTOP) answers nothing: the observer reports
 * it as it last answered for requestTimeout + failInterval, then unhealthy; thawed, it is healthy
 * again. A stopped server is reported at once (SilenceGrace).
 */
class InstanceObserverSilenceTest {
  static final Duration REQUEST = Duration.ofSeconds(1);
  static final Duration FAIL = Duration.ofSeconds(2);

  @TempDir Path tmp;
  TestPostgres pg;
  InstanceObserver observer;
  final List<ProcessHandle> frozen = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    TestPostgres.assumeNotRoot();
    pg = new TestPostgres(tmp, "pg").initAndStart();
    observer = new InstanceObserver(pg.server, pg.connInfo(), TestPostgres.SU_PASSWORD);
  }

  @AfterEach
  void stop() {
    thaw();
    if (observer != null) {
      observer.close();
    }
    if (pg != null) {
      pg.stopImmediately();
    }
  }

  @Test
  void aSilentServerIsReportedAsItLastAnsweredUntilTheGraceRunsOut() throws Exception {
    assertTrue(observe().reported().getHealthy(), "answers before the freeze");
    long answered = System.nanoTime();
    freeze();

    InstanceObserver.Observation first = observe();
    assertTrue(observer.silent(), "no answer is silence");
    assertFalse(first.observed().healthy(), "the planner sees a server that does not answer");
    assertTrue(first.reported().getHealthy(), "one timed-out probe is not a failure: " + first.reported());
    assertTrue(first.reported().getLastError().contains("has not answered"), first.reported().getLastError());

    AtomicReference<InstanceObserver.Observation> last = new AtomicReference<>();
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      last.set(observe());
      return !last.get().reported().getHealthy();
    });
    long reportedAfter = System.nanoTime() - answered;
    assertTrue(reportedAfter >= REQUEST.plus(FAIL).toNanos(),
        "unhealthy only after requestTimeout + failInterval of silence, not after " + reportedAfter / 1_000_000 + " ms");
    assertTrue(last.get().reported().getRunning());

    thaw();
    await().atMost(Duration.ofSeconds(20)).until(() -> observe().reported().getHealthy());
    assertFalse(observer.silent());
  }

  @Test
  void aStoppedServerIsReportedAtOnce() throws Exception {
    assertTrue(observe().reported().getHealthy());
    pg.server.stop(PgServer.StopMode.FAST, TestPostgres.TIMEOUT);
    InstanceObserver.Observation o = observe();
    assertFalse(o.reported().getRunning());
    assertFalse(o.reported().getHealthy());
    assertFalse(observer.silent());
  }

  private InstanceObserver.Observation observe() {
    return observer.observe(REQUEST, FAIL);
  }

  /** SIGSTOP to the postmaster and every process it started: this test's own server only. */
  private void freeze() throws IOException, InterruptedException {
    ProcessHandle postmaster = ProcessHandle.of(pg.server.postmasterPid().orElseThrow()).orElseThrow();
    List<ProcessHandle> all = new ArrayList<>(postmaster.descendants().toList());
    all.add(0, postmaster);
    for (ProcessHandle p : all) {
      signal("STOP", p);
      frozen.add(p);
    }
  }

  private void thaw() {
    for (ProcessHandle p : frozen) {
      try {
        signal("CONT", p);
      } catch (IOException | InterruptedException e) {
        System.err.println("could not thaw " + p.pid() + ": " + e);
      }
    }
    frozen.clear();
  }

  private static void signal(String sig, ProcessHandle p) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill -" + sig + " " + p.pid() + " failed");
    }
  }
}
