package io.rhizome.chaos;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.rhizome.chaos.ChaosCluster.Node;
import io.rhizome.chaos.WriteChecker.Expectation;
import io.rhizome.chaos.WriteChecker.Verdict;
import io.rhizome.cluster.EffectiveSpec;
import io.rhizome.proto.cluster.ClusterSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos scenarios (issue #7), each a method: a fresh cluster of real processes, clients
 * writing through the proxy, one fault story, and the {@link WriteChecker} at the end. Test
 * classes pick which run by default ({@link ChaosScenariosTest}, in CI) and which only in the
 * {@code chaos} profile ({@link ChaosExtendedScenariosTest}).
 */
abstract class ChaosScenarios {
  static final Duration SOON = Duration.ofSeconds(60);
  /**
   * How long before a fault an acknowledged write may still be lost in async mode: the commit
   * lease's term with the default timings the scenarios run (failInterval - max(sleepInterval,
   * failInterval/4) = 1.5 s). A promoted async standby lacks what had not reached it when the
   * fault cut it off; async replication bounds that lag in bytes (maxStandbyLag), not in time,
   * so the window is a judgement: a term is the longest the cluster lets a master acknowledge
   * without confirming it is still master, while a standby streaming over loopback trails by
   * milliseconds. A lost write acknowledged more than a term before the fault was missing from a
   * standby that had had ample time to receive it. (What the old master acknowledges after the
   * fault is excused until the new master's first acknowledgement: the lease ends it there.) A
   * time, not a count: a bound in writes can exceed all a scenario writes, and then checks nothing.
   */
  static final Duration ASYNC_LOSS_WINDOW = EffectiveSpec.of(ClusterSpec.getDefaultInstance()).selfFenceAfter();
  /** Default failInterval (2 s) and proxyTimeout (3 s) plus room for a loaded machine. */
  static final Duration WRITES_STOP_WITHIN = Duration.ofSeconds(6);

  enum Replication {
    SYNC("\"synchronousReplication\": true"),
    ASYNC("\"synchronousReplication\": false");

    final String field;

    Replication(String field) {
      this.field = field;
    }

    boolean synchronous() {
      return this == SYNC;
    }

    String spec(String... more) {
      List<String> fields = new ArrayList<>(List.of("\"initMode\": \"new\"", field));
      fields.addAll(List.of(more));
      return "{" + String.join(", ", fields) + "}";
    }

    Expectation expectation() {
      return this == SYNC ? Expectation.sync() : Expectation.async(ASYNC_LOSS_WINDOW);
    }
  }

  @TempDir Path tmp;
  ChaosCluster cluster;
  WriteWorkload writes;
  final List<WriteWorkload> extraWorkloads = new ArrayList<>();
  /** Every write of the scenario, once {@link #finish} stopped the clients. */
  List<WriteRecord> history = List.of();
  /** When each fault began ({@link System#nanoTime()}, the clock of {@link WriteRecord}). */
  final List<Long> faults = new ArrayList<>();

  @BeforeEach
  void notRoot() {
    assumeFalse("root".equals(System.getProperty("user.name")),
        "PostgreSQL refuses to run as root; run .ci/run or mvn as an unprivileged user");
    // clients reconnect after every fault; pgjdbc's warnings about it are noise in the report
    java.util.logging.Logger.getLogger("org.postgresql").setLevel(java.util.logging.Level.OFF);
  }

  @AfterEach
  void stopAll() throws Exception {
    for (WriteWorkload w : extraWorkloads) {
      w.stop();
    }
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

  /**
   * Records that a fault begins now: call it right before applying each one. The checker judges
   * async loss around these times and wants writes to resume after the last.
   */
  long faultBegins() {
    long now = System.nanoTime();
    faults.add(now);
    return now;
  }

  /**
   * Lets the cluster settle with the writers still running, stops them and judges everything
   * with the faults recorded. A cluster that does not settle, or writes that do not resume, fail
   * the scenario: every fault here leaves a majority and a standby.
   */
  Verdict finish(Expectation expectation) throws InterruptedException {
    String unsettled = settleUnderWrites();
    history = new ArrayList<>(writes.stop());
    for (WriteWorkload w : extraWorkloads) {
      history.addAll(w.stop());
    }
    Verdict v = cluster.check(history, expectation.withFaults(faults));
    if (unsettled != null) {
      fail(unsettled + "; " + v.summary());
    }
    assertTrue(v.ok(), v.summary());
    assertTrue(v.acked() > 0, "some writes were acknowledged");
    return v;
  }

  /** Null once the cluster is steady and writes go through; else what did not happen. */
  private String settleUnderWrites() {
    try {
      cluster.awaitSteady(ChaosCluster.CONVERGE);
    } catch (ConditionTimeoutException e) {
      return "the cluster did not settle within " + ChaosCluster.CONVERGE.toSeconds()
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

  /** Something that brings the failed master's keeper back. */
  interface Rejoin {
    void run() throws Exception;
  }

  /**
   * After a failover with no other standby: in sync mode the new master must not acknowledge a
   * commit until a synchronous standby exists (the placeholder holds them), so the old master
   * rejoins first; in async mode writes go on at once.
   */
  void writesAfterFailover(Replication mode, Rejoin rejoin) throws Exception {
    if (mode.synchronous()) {
      long promoted = System.nanoTime();
      hold(Duration.ofSeconds(3));
      assertEquals(0, writes.ackedSince(promoted), "sync mode: no commit acknowledged without a synchronous standby");
      rejoin.run();
      awaitAcks(30);
    } else {
      awaitAcks(30);
      rejoin.run();
    }
  }

  static void killHost(Node n) throws InterruptedException {
    n.keeper().kill();
    n.keeper().killPostgres();
  }

  /** Acknowledged writes that began after {@code from} and ended before {@code to} (nanoTime). */
  static long acksBetween(List<WriteRecord> history, long from, long to) {
    return history.stream().filter(r -> r.outcome() == WriteRecord.Outcome.ACK
        && r.startNanos() > from && r.endNanos() < to).count();
  }

  // ---- the scenarios ----

  /** kill -9 of the master's keeper and PostgreSQL: the standby takes over, the old master rejoins. */
  void masterKeeperAndPostgresKilled(Replication mode) throws Exception {
    start(2, mode.spec());
    Node old = cluster.master();
    Node next = cluster.standbys().get(0);
    faultBegins();
    killHost(old);
    cluster.awaitMasterOn(next.id(), SOON);
    writesAfterFailover(mode, () -> old.keeper().start());
    Verdict v = finish(mode.expectation());
    assertEquals(1, cluster.failovers(), "one failover");
    assertEquals(2, v.reigns().size(), "the old reign and the new: " + v.reigns());
  }

  /** PostgreSQL alone crashes (every process of it): its keeper restarts it, nobody fails over. */
  void postgresCrashIsRestartedWithoutFailover(Replication mode) throws Exception {
    start(2, mode.spec());
    Node master = cluster.master();
    long pid = master.keeper().postmasterPid();
    faultBegins();
    master.keeper().killPostgres();
    await("PostgreSQL restarted by its keeper").atMost(SOON).pollInterval(Duration.ofMillis(100))
        .until(() -> master.keeper().postmasterPid() != 0 && master.keeper().postmasterPid() != pid);
    awaitAcks(30);
    Verdict v = finish(mode.expectation());
    assertEquals(0, cluster.failovers(), "no failover");
    assertEquals(master.id(), cluster.master().id());
    assertEquals(1, v.reigns().size(), "crash recovery keeps the timeline: " + v.reigns());
  }

  /**
   * The master hangs (SIGSTOP of its keeper and PostgreSQL) long enough to be replaced, then
   * wakes up (PostgreSQL first, the harsher order): it must not take one more write as a primary,
   * and rejoins as a standby. With {@code directClients}, clients also write to its PostgreSQL
   * directly, bypassing the proxy.
   */
  void frozenMasterThawedDoesNotServeWrites(Replication mode, boolean directClients) throws Exception {
    start(2, mode.spec());
    Node old = cluster.master();
    Node next = cluster.standbys().get(0);
    if (directClients) {
      WriteWorkload direct = new WriteWorkload(old.pgPort(), ChaosCluster.SU_PASSWORD, 1, Duration.ofMillis(10),
          1_000_000_000L);
      extraWorkloads.add(direct);
      direct.start(SOON);
    }
    faultBegins();
    old.keeper().freeze();
    long pg = old.keeper().freezePostgres();
    cluster.awaitMasterOn(next.id(), SOON);
    writesAfterFailover(mode, () -> {
      KeeperProcess.thawPostgres(pg);
      old.keeper().thaw();
    });
    Verdict v = finish(mode.expectation());
    assertEquals(1, cluster.failovers(), "one failover");
    assertEquals(2, v.reigns().size(), v.reigns().toString());
  }

  /**
   * The master's keeper dies (kill -9) and its PostgreSQL runs on, with clients connected to it
   * directly: once the standby is promoted the orphan must not acknowledge one more commit (the
   * commit lease: nobody confirms them any more); the restarted keeper stops it and it rejoins.
   */
  void masterKeeperKilledAloneItsPostgresAcknowledgesNothingAfterFailover(Replication mode) throws Exception {
    start(2, mode.spec());
    Node old = cluster.master();
    Node next = cluster.standbys().get(0);
    WriteWorkload direct = new WriteWorkload(old.pgPort(), ChaosCluster.SU_PASSWORD, 1, Duration.ofMillis(10),
        1_000_000_000L);
    extraWorkloads.add(direct);
    direct.start(SOON);
    faultBegins();
    old.keeper().kill();
    cluster.awaitMasterOn(next.id(), SOON);
    writesAfterFailover(mode, () -> old.keeper().start());
    Verdict v = finish(mode.expectation());
    assertEquals(1, cluster.failovers(), "one failover");
    assertEquals(2, v.reigns().size(), v.reigns().toString());
  }

  /**
   * The master loses the store (every sentinel) but its clients still reach it, through the proxy
   * and directly: it fences itself before the standby is promoted; the proxy is fenced too.
   */
  void masterPartitionedFromStore(Replication mode) throws Exception {
    start(2, mode.spec());
    Node old = cluster.master();
    Node next = cluster.standbys().get(0);
    WriteWorkload direct = new WriteWorkload(old.pgPort(), ChaosCluster.SU_PASSWORD, 1, Duration.ofMillis(10),
        1_000_000_000L);
    extraWorkloads.add(direct);
    direct.start(SOON);
    faultBegins();
    old.storeLink().blackhole();
    cluster.awaitMasterOn(next.id(), SOON);
    writesAfterFailover(mode, () -> old.storeLink().pass());
    Verdict v = finish(mode.expectation());
    assertEquals(1, cluster.failovers(), "one failover");
    assertEquals(2, v.reigns().size(), v.reigns().toString());
  }

  /**
   * Two of three sentinels hang (the Raft leader among them): no quorum. No failover and no
   * second primary; writes stop once self-fencing and proxyTimeout apply, and resume by
   * themselves with the same master when the quorum returns.
   */
  void storeQuorumLostAndRestored(Replication mode) throws Exception {
    start(2, mode.spec());
    Node master = cluster.master();
    String leader = cluster.store.status().getLeaderId();
    List<SentinelProcess> frozen = new ArrayList<>();
    cluster.sentinels.stream().filter(s -> s.id().equals(leader)).forEach(frozen::add);
    cluster.sentinels.stream().filter(s -> !s.id().equals(leader)).limit(1).forEach(frozen::add);
    long lostAt = faultBegins();
    frozen.forEach(SentinelProcess::freeze);
    // several failIntervals without a quorum: long enough for a wrong failover or a write to show
    hold(WRITES_STOP_WITHIN.plusSeconds(5));
    long restoredAt = System.nanoTime();
    frozen.forEach(SentinelProcess::thaw);
    awaitAcks(30);
    Verdict v = finish(mode.expectation());
    assertEquals(0, acksBetween(history, lostAt + WRITES_STOP_WITHIN.toNanos(), restoredAt),
        "no write acknowledged from " + WRITES_STOP_WITHIN.toSeconds() + " s after the quorum was lost until it returned");
    assertEquals(0, cluster.failovers(), "no failover without a quorum, none after");
    assertEquals(master.id(), cluster.master().id(), "the same master");
    assertEquals(1, v.reigns().size(), "one reign: " + v.reigns());
  }

  /** A standby dies and comes back: no failover; in sync mode writes wait for it, then resume. */
  void standbyKilledAndReturned(Replication mode) throws Exception {
    start(2, mode.spec());
    Node master = cluster.master();
    Node standby = cluster.standbys().get(0);
    faultBegins();
    killHost(standby);
    if (!mode.synchronous()) {
      awaitAcks(30); // async: the master goes on alone
    }
    standby.keeper().start();
    awaitAcks(30);
    Verdict v = finish(mode.expectation());
    assertEquals(0, cluster.failovers(), "no failover");
    assertEquals(master.id(), cluster.master().id());
    assertEquals(1, v.reigns().size(), v.reigns().toString());
  }

  /** A planned switchover while clients write: zero loss, in async mode too. */
  void switchoverUnderLoad(Replication mode) throws Exception {
    start(2, mode.spec());
    Node old = cluster.master();
    Node next = cluster.standbys().get(0);
    faultBegins();
    String out = cluster.ctl("switchover", "--to", next.id(), "--timeout", "60s");
    assertTrue(out.startsWith("switched over to keeper " + next.id()), out);
    awaitAcks(30);
    Verdict v = finish(Expectation.noLoss());
    assertEquals(1, cluster.failovers());
    assertEquals(next.id(), cluster.master().id());
    assertEquals(2, v.reigns().size(), v.reigns().toString() + " (old master " + old.id() + ")");
  }

  /**
   * Async: the standby's replication stalls (its walreceiver's packets to the master vanish)
   * while the master takes more WAL than maxStandbyLag; the master then dies. The standby must
   * not be promoted; the master comes back and nothing is lost.
   */
  void laggingStandbyNotElected() throws Exception {
    start(2, Replication.ASYNC.spec("\"maxStandbyLag\": 65536"));
    Node master = cluster.master();
    Node standby = cluster.standbys().get(0);
    Link replication = cluster.replicationLink(master, standby);
    faultBegins();
    replication.blackhole();
    // more than maxStandbyLag of WAL
    ChaosCluster.execute(master.pgPort(), "CREATE TABLE IF NOT EXISTS filler (pad text)");
    ChaosCluster.execute(master.pgPort(), "INSERT INTO filler SELECT repeat('x', 1000) FROM generate_series(1, 1000)");
    // the controller knows the standby is behind when the master reports its new position
    await("the master's position reported past maxStandbyLag").atMost(SOON).pollInterval(Duration.ofMillis(100))
        .until(() -> {
          long m = cluster.dbOf(master).map(d -> d.getStatus().getXlogPos()).orElse(0L);
          long s = cluster.dbOf(standby).map(d -> d.getStatus().getXlogPos()).orElse(0L);
          // a standby between two reports shows no position (0): that is not lag
          return s > 0 && m - s > 65536;
        });
    System.out.println("chaos: before the kill, master " + cluster.dbOf(master).map(d -> d.getStatus().getXlogPos())
        .orElse(0L) + ", standby " + cluster.dbOf(standby).map(d -> d.getStatus().getXlogPos()).orElse(0L));
    faultBegins();
    killHost(master);
    await("the controller refusing to promote the lagging standby").atMost(SOON).pollInterval(Duration.ofMillis(200))
        .until(() -> !cluster.clusterData().getCluster().getStatus().getNoMasterReason().isEmpty()
            || cluster.failovers() > 0);
    assertEquals(0, cluster.failovers(), "the lagging standby was promoted: " + cluster.ctl("history") + " "
        + cluster.clusterData().getDbsMap());
    String reason = cluster.clusterData().getCluster().getStatus().getNoMasterReason();
    assertTrue(reason.contains("maxStandbyLag") || reason.contains("behind"), reason);
    hold(Duration.ofSeconds(5)); // several more failIntervals: still nobody promoted
    assertEquals(0, cluster.failovers(), "the lagging standby was not promoted");
    // the master returns while the standby is still behind: the failover is called off. (Healing
    // the replication first would deliver the WAL the relay still buffers from before the kill,
    // and the standby would then rightly be close enough to promote.)
    master.keeper().start();
    await("the old master routed again").atMost(SOON).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
        .until(() -> cluster.routedMaster().map(n -> n == master).orElse(false));
    replication.pass();
    Verdict v = finish(Expectation.noLoss());
    assertEquals(0, cluster.failovers());
    assertEquals(master.id(), cluster.master().id());
    assertEquals(1, v.reigns().size(), v.reigns().toString());
  }

  /** The new master dies before the old one returns: the third keeper takes over, then both rejoin. */
  void twoFaultsInARow(Replication mode) throws Exception {
    start(3, mode.spec());
    Node first = cluster.master();
    faultBegins();
    killHost(first);
    await("a new master").atMost(SOON).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
        .until(() -> cluster.routedMaster().map(n -> n != first).orElse(false));
    Node second = cluster.master();
    Node third = cluster.keepers.values().stream().filter(n -> n != first && n != second).findFirst().orElseThrow();
    awaitAcks(30);
    await(third.id() + " electable under " + second.id()).atMost(SOON).pollInterval(Duration.ofMillis(100))
        .ignoreExceptions().until(() -> cluster.electable(third, mode.synchronous()));
    faultBegins();
    killHost(second);
    cluster.awaitMasterOn(third.id(), SOON);
    writesAfterFailover(mode, () -> {
      first.keeper().start();
      second.keeper().start();
    });
    Verdict v = finish(mode.expectation());
    assertEquals(2, cluster.failovers(), "two failovers");
    assertEquals(3, v.reigns().size(), v.reigns().toString());
  }

  /** The proxy loses the store: it stops routing within proxyTimeout, and routes again once healed. */
  void proxyPartitionedFromStore() throws Exception {
    start(2, Replication.ASYNC.spec());
    Node master = cluster.master();
    long cutAt = faultBegins();
    cluster.proxyStoreLink.blackhole();
    hold(WRITES_STOP_WITHIN.plusSeconds(3));
    long healedAt = System.nanoTime();
    cluster.proxyStoreLink.pass();
    awaitAcks(30);
    Verdict v = finish(Expectation.noLoss());
    assertEquals(0, acksBetween(history, cutAt + WRITES_STOP_WITHIN.toNanos(), healedAt),
        "no write through a proxy cut from the store for longer than proxyTimeout");
    assertEquals(0, cluster.failovers());
    assertEquals(master.id(), cluster.master().id());
    assertEquals(1, v.reigns().size());
  }

  /**
   * The master's host dies and its PostgreSQL data dir is wiped before its keeper returns: the
   * keeper must not initialise a new cluster; the standby takes over and the keeper rejoins
   * with a copy of it.
   */
  void wipedDataDirDoesNotInitialiseASecondCluster(Replication mode) throws Exception {
    start(2, mode.spec());
    Node old = cluster.master();
    Node next = cluster.standbys().get(0);
    faultBegins();
    killHost(old);
    deleteTree(old.keeper().pgData());
    old.keeper().start();
    cluster.awaitMasterOn(next.id(), SOON);
    awaitAcks(30);
    Verdict v = finish(mode.expectation());
    assertEquals(1, cluster.failovers());
    assertEquals(2, v.reigns().size(), v.reigns().toString());
  }

  /** The leader sentinel dies in the middle of a failover: the next leader finishes it. */
  void leaderSentinelKilledDuringFailover(Replication mode) throws Exception {
    start(2, mode.spec());
    Node old = cluster.master();
    Node next = cluster.standbys().get(0);
    faultBegins();
    killHost(old);
    await("a failover in progress").atMost(SOON).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
        .until(() -> cluster.clusterData().getCluster().getStatus().hasFailover());
    String leader = cluster.store.status().getLeaderId();
    SentinelProcess s = cluster.sentinels.stream().filter(x -> x.id().equals(leader)).findFirst().orElseThrow();
    faultBegins();
    s.kill();
    cluster.awaitMasterOn(next.id(), SOON);
    s.start();
    writesAfterFailover(mode, () -> old.keeper().start());
    Verdict v = finish(mode.expectation());
    assertEquals(1, cluster.failovers());
    assertEquals(2, v.reigns().size(), v.reigns().toString());
  }

  /**
   * Calm under load (issue #18): no fault at all while pgbench (16 clients through the proxy) and
   * two busy loops saturate both cores, with the default timings and the daemons' own JVM options.
   * Nothing may disturb the cluster: no aborted client, no failover, no store election, no
   * self-fence, no proxy-wide drop of connections, and every write of the checker's clients there.
   */
  void calmUnderSaturatedCpu(Duration length) throws Exception {
    start(2, "{\"initMode\": \"new\"}");
    Path pgbench = pgBinary("pgbench");
    run("pgbench-init", List.of(pgbench.toString(), "-i", "-s", "5", "-q", "-h", "127.0.0.1", "-p",
        Integer.toString(cluster.clientPort()), "-U", "postgres", "postgres"), Duration.ofMinutes(3));
    long term = cluster.store.status().getTerm();
    java.time.Instant from = java.time.Instant.now();
    List<Process> busy = new ArrayList<>();
    int exit;
    try {
      for (int i = 0; i < 2; i++) {
        busy.add(new ProcessBuilder("/bin/sh", "-c", "while :; do :; done").start());
      }
      exit = run("pgbench", List.of(pgbench.toString(), "-c", "16", "-j", "2", "-T", Long.toString(length.toSeconds()),
          "-P", "10", "-h", "127.0.0.1", "-p", Integer.toString(cluster.clientPort()), "-U", "postgres", "postgres"),
          length.plusMinutes(2));
    } finally {
      busy.forEach(Process::destroyForcibly);
    }
    java.time.Instant to = java.time.Instant.now();
    var disruptions = io.rhizome.testsupport.DisruptionLog.read(cluster.dir).between(from, to);
    var pauses = io.rhizome.testsupport.JvmPauses.longerThan(cluster.dir, Duration.ofMillis(100));
    System.out.println("chaos: JVM stops of 100 ms or more: " + pauses);
    assertEquals(List.of(), disruptions, "nothing disturbed the cluster (see the daemon logs); JVM stops of 100 ms"
        + " or more, longest first: " + pauses.subList(0, Math.min(10, pauses.size())));
    assertEquals(term, cluster.store.status().getTerm(), "no store election");
    assertEquals(0, exit, "pgbench ran through without an aborted client (see its output)");
    Verdict v = finish(Expectation.noLoss());
    assertEquals(0, cluster.failovers(), "no false failover under load: " + cluster.ctl("history"));
    assertEquals(1, v.reigns().size());
    assertEquals(0, v.failed() + v.unknown(), "no write failed: " + v.summary());
  }

  // ---- helpers ----

  /** Runs a program the test owns to its end (bounded); its output is printed afterwards. */
  int run(String name, List<String> command, Duration limit) throws IOException, InterruptedException {
    Path log = tmp.resolve(name + ".out");
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("PGPASSWORD", ChaosCluster.SU_PASSWORD);
    Process p = pb.start();
    try {
      if (!p.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
        throw new IllegalStateException(String.join(" ", command) + " still runs after " + limit);
      }
      return p.exitValue();
    } finally {
      p.destroyForcibly();
      System.out.println(Files.readString(log));
    }
  }

  static Path pgBinary(String name) throws IOException {
    try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
      return versions.map(v -> v.resolve("bin").resolve(name)).filter(Files::isExecutable)
          .max(Comparator.comparing(p -> Integer.parseInt(p.getParent().getParent().getFileName().toString())))
          .orElseThrow(() -> new IllegalStateException("no " + name + " under /usr/lib/postgresql/*/bin"));
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Keeps a fault in place for a fixed time: not a wait for a condition, so not an await. */
  static void hold(Duration d) throws InterruptedException {
    Thread.sleep(d.toMillis());
  }
}
