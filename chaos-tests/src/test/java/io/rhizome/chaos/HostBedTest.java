package io.rhizome.chaos;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host bed itself: three hosts, a server in one, clients in the others, and each fault seen
 * from the clients' side. A silent fault must look like a dead link (a connect times out), never
 * like a dead process (a connect refused at once).
 */
class HostBedTest {
  static final int PORT = 7100;
  /** A port nobody listens on: a host that is up answers it with a RST ("refused"). */
  static final int CLOSED_PORT = 7199;
  /** How long a probe waits for a connect and a greeting; a silent fault shows as this much silence. */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
  /** A JVM start in a host, on a busy two-core machine, plus the server's bind. */
  static final Duration REACHABLE = Duration.ofSeconds(60);

  @TempDir static Path logs;
  static HostBed bed;
  private final List<HostProcess> started = new ArrayList<>();

  @BeforeAll
  static void up() {
    bed = HostBed.up(3);
  }

  @AfterAll
  static void down() throws IOException {
    if (bed != null) {
      bed.close();
      assertEquals(List.of(), bed.namespaces(), "namespaces left behind by " + bed.runId());
    }
    DaemonLogs.printTails(logs);
  }

  @AfterEach
  void stopAndHeal() throws InterruptedException {
    for (HostProcess p : started) {
      p.close();
    }
    // the next test starts from hosts that are up, running and connected
    for (int host = 1; host <= bed.size(); host++) {
      bed.heal(host);
      bed.thaw(host);
    }
  }

  @Test
  void aServerInOneHostIsReachableFromTheOthersByItsAddress() throws Exception {
    startServer(1);
    awaitGreeted(2, 1);
    awaitGreeted(3, 1);
    assertTrue(probe(2, 3, CLOSED_PORT).startsWith("refused"), "a closed port of a live host answers at once");
  }

  @Test
  void anIsolatedHostIsSilentBothWaysUntilHealed() throws Exception {
    startServer(1);
    awaitGreeted(2, 1);
    bed.isolate(1);
    assertSilent(2, 1, PORT);
    assertSilent(1, 2, CLOSED_PORT); // without the fault: refused
    assertTrue(probe(2, 3, CLOSED_PORT).startsWith("refused"), "hosts 2 and 3 still meet");
    bed.heal(1);
    awaitGreeted(2, 1);
  }

  @Test
  void oneWayCutsDropOnlyTheirDirection() throws Exception {
    startServer(2);
    awaitGreeted(1, 2);
    bed.cutOut(1);
    assertSilent(1, 2, PORT);
    assertFalse(synReceived(2, 1), "host 1 sends nothing, so no SYN of it reached host 2");
    bed.heal(1);
    bed.cutIn(1);
    assertSilent(1, 2, PORT);
    // host 1's SYN went out and arrived; only host 2's SYN-ACKs were dropped on the way back
    assertTrue(synReceived(2, 1), "host 2 holds a half-open connection from host 1");
    bed.heal(1);
    awaitGreeted(1, 2);
  }

  @Test
  void aCutBetweenTwoHostsLeavesTheirLinksToTheThirdAlone() throws Exception {
    startServer(1);
    awaitGreeted(2, 1);
    awaitGreeted(3, 1);
    bed.cut(1, 2);
    assertSilent(2, 1, PORT);
    assertSilent(1, 2, CLOSED_PORT);
    assertTrue(probe(3, 1, PORT).startsWith("greeted"), "host 3 still reaches host 1");
    assertTrue(probe(1, 3, CLOSED_PORT).startsWith("refused"), "host 1 still reaches host 3");
    bed.heal(1);
    awaitGreeted(2, 1);
  }

  @Test
  void aCutOfOnePortLeavesTheHostsOtherPortsReachable() throws Exception {
    startServer(1);
    awaitGreeted(2, 1);
    bed.cut(2, 1, PORT);
    assertSilent(2, 1, PORT);
    assertTrue(probe(2, 1, CLOSED_PORT).startsWith("refused"), "host 2 still reaches host 1's other ports");
    assertTrue(probe(3, 1, PORT).startsWith("greeted"), "host 3 still reaches host 1's port");
    bed.heal(2);
    awaitGreeted(2, 1);
  }

  @Test
  void powerOffKillsEveryProcessOfTheHostAndLeavesItSilent() throws Exception {
    HostProcess server = startServer(1);
    HostProcess other = start(1, "sleeper", List.of("sleep", "600"));
    awaitGreeted(2, 1);
    bed.powerOff(1);
    // sudo reports each command's SIGKILL (and has reaped it, so no zombie counts as alive)
    assertEquals(128 + 9, server.exitCode());
    assertEquals(128 + 9, other.exitCode());
    assertFalse(server.isAlive(), "server after poweroff");
    assertFalse(other.isAlive(), "sleeper after poweroff");
    assertSilent(2, 1, PORT); // a dead host sends no RST
    bed.heal(1); // power on: the host is back, its daemons are not
    assertTrue(probe(2, 1, PORT).startsWith("refused"), "host 1 is up with nothing listening");
    startServer(1);
    awaitGreeted(2, 1);
  }

  @Test
  void freezeStopsEveryProcessOfTheHostAndThawResumesThem() throws Exception {
    HostProcess server = startServer(1);
    awaitGreeted(2, 1);
    bed.freeze(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> server.state() == 'T');
    // the kernel still completes the handshake of a frozen server's socket; no greeting comes
    assertSilent(2, 1, PORT);
    bed.thaw(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> server.state() != 'T');
    awaitGreeted(2, 1);
  }

  @Test
  void theHelperRefusesWhatItMustNotTouch() {
    String user = System.getProperty("user.name");
    assertRefused(List.of("exec", bed.runId(), "1", "root", "--", "id"));
    assertRefused(List.of("exec", bed.runId(), "1", "nobody", "--", "id")); // another account than the caller
    assertRefused(List.of("exec", bed.runId(), "4", user, "--", "id"));
    assertRefused(List.of("exec", bed.runId(), "1", user, "id"));
    assertRefused(List.of("isolate", "../" + bed.runId(), "1"));
    assertRefused(List.of("isolate", bed.runId(), "1;reboot"));
    assertRefused(List.of("cut", bed.runId(), "1", "1"));
    assertRefused(List.of("cut", bed.runId(), "1", "2", "70000"));
    assertRefused(List.of("cut", bed.runId(), "1", "2", "7001;x"));
    assertRefused(List.of("up", bed.runId(), "2")); // already up
    assertRefused(List.of("up", "fresh", "21"));
  }

  @Test
  void closingABedKillsWhatRunsInItAndRemovesItsNamespaces() throws Exception {
    HostBed other = HostBed.up(2);
    try {
      HostProcess sleeper = HostProcess.start("other-sleeper", other.execCommand(1, List.of("sleep", "600")),
          logs.resolve("other-sleeper.log"));
      List<String> namespaces = other.namespaces();
      assertEquals(3, namespaces.size(), "a bridge and two hosts: " + namespaces);
      other.close();
      assertEquals(List.of(), other.namespaces());
      assertEquals(128 + 9, sleeper.exitCode(), "the bed's down SIGKILLs what still runs");
    } finally {
      other.close(); // a no-op once closed
    }
  }

  private HostProcess startServer(int host) throws IOException, URISyntaxException {
    return start(host, "server-h" + host, List.of(java(), "-Xmx32m", "-XX:TieredStopAtLevel=1",
        "-cp", testClasses(), GreetingServer.class.getName(), bed.address(host), Integer.toString(PORT)));
  }

  private HostProcess start(int host, String name, List<String> command) throws IOException {
    HostProcess p = bed.start(host, name, command, logs.resolve(name + ".log"));
    started.add(p);
    return p;
  }

  /** What {@link TcpProbe} in host {@code from} saw connecting to host {@code to}. */
  private String probe(int from, int to, int port) throws URISyntaxException {
    NetnsHelper.Result r = bed.run(from, List.of(java(), "-Xmx32m", "-XX:TieredStopAtLevel=1",
        "-cp", testClasses(), TcpProbe.class.getName(), bed.address(to), Integer.toString(port),
        Long.toString(PROBE_TIMEOUT.toMillis())), Duration.ofSeconds(60));
    assertEquals(0, r.exitCode(), "probe from host " + from + ": " + r.stdout() + r.stderr());
    String outcome = r.stdout().strip();
    System.out.println("probe h" + from + " -> h" + to + ":" + port + ": " + outcome);
    return outcome;
  }

  private void awaitGreeted(int from, int to) {
    await("host " + from + " greeted by host " + to).atMost(REACHABLE).pollInterval(Duration.ofMillis(200))
        .until(() -> probe(from, to, PORT).startsWith("greeted"));
  }

  /** A connect that neither succeeds nor fails: it waits out the whole timeout, no RST, no ICMP. */
  private void assertSilent(int from, int to, int port) throws URISyntaxException {
    String outcome = probe(from, to, port);
    assertTrue(outcome.startsWith("timeout"), "host " + from + " -> host " + to + ":" + port
        + " should time out silently, was: " + outcome);
  }

  /** Whether {@code host} holds a half-open (SYN-RECV) connection from {@code peer}'s address. */
  private boolean synReceived(int host, int peer) {
    // ss rather than /proc/net/tcp: a Java server's socket is dual-stack, listed in tcp6 as ::ffff:a.b.c.d
    NetnsHelper.Result r = bed.run(host, List.of("ss", "-H", "-t", "-n", "state", "syn-recv"), Duration.ofSeconds(30));
    assertEquals(0, r.exitCode(), r.stderr());
    String peerAddress = bed.address(peer);
    return r.stdout().lines().anyMatch(l -> l.contains(peerAddress + "]:") || l.contains(" " + peerAddress + ":"));
  }

  private static String java() {
    return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** The test classes alone: the server and the probe need nothing else. */
  private static String testClasses() throws URISyntaxException {
    return Path.of(GreetingServer.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }

  private static void assertRefused(List<String> args) {
    NetnsHelper.Result r = NetnsHelper.run(args);
    assertEquals(2, r.exitCode(), "helper " + args + " should refuse: " + r.stdout() + r.stderr());
  }
}
