package io.rhizome.chaos;

import static io.rhizome.chaos.NetnsCluster.PROXY_HOST;
import static io.rhizome.chaos.NetnsCluster.SENTINEL_PORT;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.rhizome.chaos.ChaosScenarios.Replication;
import io.rhizome.chaos.WriteChecker.Expectation;
import io.rhizome.chaos.WriteChecker.Verdict;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chaos scenarios on real hosts (issue #19): a {@link NetnsCluster} of five network-namespace
 * hosts laid out as the README's several-hosts section says, clients writing through the proxy
 * from their own host and one writing directly to the first master's PostgreSQL from that
 * master's own host, one silent fault story (nftables drops, power-off, freeze), and the
 * {@link WriteChecker} at the end over both clients' writes. {@link HostScenariosTest} runs a subset in CI,
 * {@link HostExtendedScenariosTest} the rest under {@code -Pchaos}.
 */
abstract class HostScenarios {
  static final Duration SOON = Duration.ofSeconds(60);

  @TempDir Path tmp;
  NetnsCluster cluster;
  HostWriter writes;
  /** A client on the master's own host writing to its PostgreSQL directly (ids from 1,000,000,000). */
  HostWriter direct;
  /** Every write of the scenario, once {@link #finish} stopped the clients. */
  List<WriteRecord> history = List.of();
  /** When each fault began ({@link System#nanoTime()}, the clock of {@link WriteRecord}). */
  final List<Long> faults = new ArrayList<>();

  @BeforeEach
  void canRun() {
    assumeFalse("root".equals(System.getProperty("user.name")),
        "PostgreSQL refuses to run as root; run .ci/run or mvn as an unprivileged user");
    HostBed.requireCapability();
  }

  @AfterEach
  void stopAll() throws Exception {
    if (writes != null) {
      writes.close();
    }
    if (direct != null) {
      direct.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  /** A cluster of three database hosts, writes flowing through the proxy. */
  void start(Replication mode) throws Exception {
    cluster = NetnsCluster.start(tmp, mode.spec());
    awaitLeaderOffTheMastersHost();
    writes = cluster.writer(2, Duration.ofMillis(10), 1, "writer");
    awaitAcks(30);
    direct = cluster.directWriter(cluster.master(), 1_000_000_000L);
    await("writes by the client on the master's host").atMost(SOON).pollInterval(Duration.ofMillis(100))
        .until(() -> direct.ackedSince(Long.MIN_VALUE) >= 10);
  }

  /**
   * The store's leader hands its leadership on when it sits on the master's host (docs/store.md):
   * otherwise losing that host would cost an election and a full TTL before the failover.
   */
  void awaitLeaderOffTheMastersHost() {
    int master = cluster.master();
    await("the store's leader on another host than the master's (" + master + ")").atMost(SOON)
        .pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
        .until(cluster::storeLeaderHost, h -> h.isPresent() && h.get() != master);
  }

  /** At least {@code n} more acknowledged writes from now on. */
  void awaitAcks(int n) {
    long from = System.nanoTime();
    await(n + " acknowledged writes").atMost(SOON).pollInterval(Duration.ofMillis(100))
        .until(() -> writes.ackedSince(from) >= n);
  }

  /** Records that a fault begins now: call it right before applying each one. */
  long faultBegins() {
    long now = System.nanoTime();
    faults.add(now);
    // the daemons' logs carry wall-clock times: this line places the fault among them
    System.out.println("hosts: fault " + faults.size() + " begins at " + java.time.Instant.now());
    return now;
  }

  /**
   * Lets the cluster settle with the writers running, stops them and judges every write. A
   * cluster that does not settle, or writes that do not resume, fail the scenario: every fault
   * here is healed before the end.
   */
  Verdict finish(Expectation expectation) throws InterruptedException {
    String unsettled = settleUnderWrites();
    history = new ArrayList<>(writes.stop());
    history.addAll(direct.stop());
    Verdict v = cluster.check(history, expectation.withFaults(faults));
    if (unsettled != null) {
      fail(unsettled + "; " + v.summary());
    }
    assertTrue(v.ok(), v.summary());
    assertTrue(v.acked() > 0, "some writes were acknowledged");
    return v;
  }

  private String settleUnderWrites() {
    try {
      cluster.awaitSteady(NetnsCluster.CONVERGE);
    } catch (ConditionTimeoutException e) {
      return "the cluster did not settle within " + NetnsCluster.CONVERGE.toSeconds()
          + " s (a routed master, every keeper healthy and streaming from it)";
    }
    try {
      awaitAcks(20);
    } catch (ConditionTimeoutException e) {
      return "writes did not resume: fewer than 20 acknowledged within " + SOON.toSeconds()
          + " s of the cluster settling";
    }
    return null;
  }

  /** Waits until a master other than host {@code old}'s is routed; returns its host. */
  int awaitMasterMovedFrom(int old) {
    return await("a master on another host than " + old).atMost(SOON).pollInterval(Duration.ofMillis(500))
        .ignoreExceptions().until(() -> cluster.masterHost().orElse(old), h -> h != old);
  }

  // ---- the scenarios ----

  /**
   * The master's host loses its link (every packet in and out dropped): its sentinel, keeper
   * and PostgreSQL go silent at once. Another host's standby takes over; when the link returns,
   * the old master rejoins as a standby of it.
   */
  void masterHostIsolated(Replication mode) throws Exception {
    start(mode);
    int old = cluster.master();
    faultBegins();
    cluster.bed.isolate(old);
    int next = awaitMasterMovedFrom(old);
    awaitAcks(30);
    cluster.bed.heal(old);
    Verdict v = finish(mode.expectation());
    assertNotEquals(old, next);
    assertEquals(1, ClusterView.failovers(cluster.clusterData()), "one failover");
    assertEquals(2, v.reigns().size(), "the old reign and the new: " + v.reigns());
  }

  /**
   * The master's host loses power: silent first, then every process in it gone at once. Another
   * host's standby takes over; powered on (the same disks), the host's sentinel and keeper start
   * again and the old master rejoins.
   */
  void masterHostPoweredOff(Replication mode) throws Exception {
    start(mode);
    int old = cluster.master();
    faultBegins();
    cluster.bed.powerOff(old);
    awaitMasterMovedFrom(old);
    awaitAcks(30);
    cluster.powerOn(old);
    Verdict v = finish(mode.expectation());
    assertEquals(1, ClusterView.failovers(cluster.clusterData()), "one failover");
    assertEquals(2, v.reigns().size(), "the old reign and the new: " + v.reigns());
  }

  /**
   * Two silent failures in a row: the master's host loses its link, and once the old master has
   * rejoined, the new master's host loses power; each time another host takes over, and the
   * failed host rejoins when it comes back.
   */
  void masterHostIsolatedThenNextMasterHostPoweredOff(Replication mode) throws Exception {
    start(mode);
    int first = cluster.master();
    faultBegins();
    cluster.bed.isolate(first);
    int second = awaitMasterMovedFrom(first);
    awaitAcks(30);
    cluster.bed.heal(first);
    cluster.awaitSteady(NetnsCluster.CONVERGE);
    awaitLeaderOffTheMastersHost();
    awaitAcks(30);
    faultBegins();
    cluster.bed.powerOff(second);
    awaitMasterMovedFrom(second);
    awaitAcks(30);
    cluster.powerOn(second);
    Verdict v = finish(mode.expectation());
    assertEquals(2, ClusterView.failovers(cluster.clusterData()), "two failovers");
    assertEquals(3, v.reigns().size(), "three reigns: " + v.reigns());
  }

  /**
   * The proxy's host loses the sentinels (their port only: it still reaches PostgreSQL): the
   * proxy must stop routing writes within proxyTimeout, since it can no longer learn of a
   * failover; nobody fails over, and it routes again once healed.
   */
  void proxyHostCutFromSentinels() throws Exception {
    start(Replication.ASYNC);
    int master = cluster.master();
    long cutAt = faultBegins();
    NetnsCluster.databaseHosts().forEach(h -> cluster.bed.cut(PROXY_HOST, h, SENTINEL_PORT));
    ChaosScenarios.hold(ChaosScenarios.WRITES_STOP_WITHIN.plusSeconds(3));
    long healedAt = System.nanoTime();
    cluster.bed.heal(PROXY_HOST);
    awaitAcks(30);
    Verdict v = finish(Expectation.noLoss());
    assertEquals(0, ChaosScenarios.acksBetween(history, cutAt + ChaosScenarios.WRITES_STOP_WITHIN.toNanos(), healedAt),
        "no write through a proxy cut from the sentinels for longer than proxyTimeout");
    assertEquals(0, ClusterView.failovers(cluster.clusterData()), "no failover");
    assertEquals(master, cluster.master(), "the same master");
    assertEquals(1, v.reigns().size(), v.reigns().toString());
  }

  /**
   * The master's host loses the other database hosts (their sentinels, a majority, and its
   * standbys) but still reaches the proxy's host and the clients': the proxy could go on routing
   * to it. Its keeper, seeing only a minority, stops it; the commit lease holds its commits
   * first; the others fail over and the proxy follows them.
   */
  void masterCutFromSentinelMajority(Replication mode) throws Exception {
    start(mode);
    int old = cluster.master();
    faultBegins();
    NetnsCluster.otherDatabaseHosts(old).forEach(h -> cluster.bed.cut(old, h));
    awaitMasterMovedFrom(old);
    awaitAcks(30);
    cluster.bed.heal(old);
    Verdict v = finish(mode.expectation());
    assertEquals(1, ClusterView.failovers(cluster.clusterData()), "one failover");
    assertEquals(2, v.reigns().size(), "the old reign and the new: " + v.reigns());
  }

  /**
   * The opposite: the master's host loses the proxy's host only; the sentinels and the standbys
   * still reach it. Nothing is wrong with the master, so nobody fails over: writes through that
   * proxy stop until the link returns, then go on with the same master.
   */
  void masterCutFromProxyOnly() throws Exception {
    start(Replication.SYNC);
    int master = cluster.master();
    faultBegins();
    cluster.bed.cut(master, PROXY_HOST);
    ChaosScenarios.hold(ChaosScenarios.WRITES_STOP_WITHIN);
    cluster.bed.heal(master);
    awaitAcks(30);
    Verdict v = finish(Expectation.sync());
    assertEquals(0, ClusterView.failovers(cluster.clusterData()), "no failover");
    assertEquals(master, cluster.master(), "the same master");
    assertEquals(1, v.reigns().size(), v.reigns().toString());
  }

  /**
   * A synchronous standby's host loses its link: nobody fails over, and the controller moves the
   * synchronous set to the other standby, so writes go on while the host is still away.
   */
  void synchronousStandbyHostIsolated() throws Exception {
    start(Replication.SYNC);
    int master = cluster.master();
    int standby = await("a synchronous standby").atMost(SOON).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
        .until(cluster::synchronousStandbyHosts, hosts -> !hosts.isEmpty()).get(0);
    faultBegins();
    cluster.bed.isolate(standby);
    awaitAcks(30); // with the host still cut off
    await("another synchronous standby").atMost(SOON).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
        .until(cluster::synchronousStandbyHosts, hosts -> !hosts.isEmpty() && !hosts.contains(standby));
    cluster.bed.heal(standby);
    Verdict v = finish(Expectation.sync());
    assertEquals(0, ClusterView.failovers(cluster.clusterData()), "no failover");
    assertEquals(master, cluster.master(), "the same master");
    assertEquals(1, v.reigns().size(), v.reigns().toString());
  }

  /**
   * The master's host hangs (every process in it SIGSTOPped: its sentinel, keeper and
   * PostgreSQL, sockets open) longer than failInterval, then wakes: another host's standby has
   * taken over, and the woken master takes no write before it rejoins as a standby.
   */
  void masterHostFrozen(Replication mode) throws Exception {
    start(mode);
    int old = cluster.master();
    faultBegins();
    cluster.bed.freeze(old);
    awaitMasterMovedFrom(old);
    awaitAcks(30);
    cluster.bed.thaw(old);
    Verdict v = finish(mode.expectation());
    assertEquals(1, ClusterView.failovers(cluster.clusterData()), "one failover");
    assertEquals(2, v.reigns().size(), "the old reign and the new: " + v.reigns());
  }

  /**
   * The host of the store's leader sentinel loses power. A new leader is elected among the
   * other two; if the master was on that host too, it fails over, otherwise nothing else moves.
   * Powered on, the host's sentinel rejoins (its Raft log intact) and its keeper too.
   */
  void leaderSentinelHostPoweredOff(Replication mode) throws Exception {
    start(mode);
    int master = cluster.master();
    int leader = await("the store's leader").atMost(SOON).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
        .until(cluster::storeLeaderHost, h -> h.isPresent()).orElseThrow();
    faultBegins();
    cluster.bed.powerOff(leader);
    if (leader == master) {
      awaitMasterMovedFrom(master);
    }
    awaitAcks(30);
    cluster.powerOn(leader);
    Verdict v = finish(mode.expectation());
    int expected = leader == master ? 1 : 0;
    assertEquals(expected, ClusterView.failovers(cluster.clusterData()),
        "failovers with the leader on host " + leader + " and the master on host " + master);
    assertEquals(expected + 1, v.reigns().size(), v.reigns().toString());
  }
}
