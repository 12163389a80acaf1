package io.rhizome.chaos;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.rhizome.chaos.ChaosCluster.Node;
import io.rhizome.chaos.WriteChecker.Expectation;
import io.rhizome.chaos.WriteChecker.Verdict;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Faults against a whole cluster of real processes while clients write through the proxy; the
 * {@link WriteChecker} judges every scenario at the end. Scenarios that stolon's integration
 * suite (and our own {@link FailoverTest}) cover, with the checker added.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ChaosScenariosTest {
  static final Duration SOON = Duration.ofSeconds(60);
  /**
   * Async mode may lose what the standby had not received. A transaction here writes at least
   * 150 bytes of WAL, so maxStandbyLag (1 MiB by default) bounds the count.
   */
  static final long ASYNC_LOSS_BOUND = 1024 * 1024 / 150;

  enum Replication {
    SYNC("{\"initMode\": \"new\", \"synchronousReplication\": true}"),
    ASYNC("{\"initMode\": \"new\"}");

    final String spec;

    Replication(String spec) {
      this.spec = spec;
    }

    Expectation expectation() {
      return this == SYNC ? Expectation.sync() : Expectation.async(ASYNC_LOSS_BOUND);
    }
  }

  @TempDir Path tmp;
  ChaosCluster cluster;
  WriteWorkload writes;

  @BeforeEach
  void notRoot() {
    assumeFalse("root".equals(System.getProperty("user.name")),
        "PostgreSQL refuses to run as root; run .ci/run or mvn as an unprivileged user");
  }

  @AfterEach
  void stopAll() throws Exception {
    if (writes != null) {
      writes.stop();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  void start(int keepers, String spec) throws Exception {
    cluster = ChaosCluster.start(tmp, keepers, spec);
    writes = cluster.workload(2, Duration.ofMillis(10));
    writes.start(SOON);
    awaitAcks(30);
  }

  /** At least {@code n} more acknowledged writes from now on. */
  void awaitAcks(int n) {
    long from = System.nanoTime();
    await(n + " acknowledged writes").atMost(SOON).pollInterval(Duration.ofMillis(50))
        .until(() -> writes.ackedSince(from) >= n);
  }

  Verdict finish(Expectation expectation) throws InterruptedException {
    List<WriteRecord> history = writes.stop();
    Verdict v = cluster.check(history, expectation);
    assertTrue(v.ok(), v.summary());
    assertTrue(v.acked() > 0, "some writes were acknowledged");
    return v;
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Replication.class)
  void masterKeeperAndPostgresKilled(Replication mode) throws Exception {
    start(2, mode.spec);
    Node old = cluster.master();
    Node next = cluster.standbys().get(0);
    old.keeper().kill();
    old.keeper().killPostgres();
    cluster.awaitMasterOn(next.id(), SOON);
    awaitAcks(30);
    old.keeper().start();
    Verdict v = finish(mode.expectation());
    assertEquals(1, cluster.failovers(), "one failover");
    assertEquals(2, v.reigns().size(), "the old reign and the new: " + v.reigns());
  }
}
