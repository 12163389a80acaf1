package io.rhizome.chaos;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * N hosts on this machine for one test, as Linux network namespaces joined by a bridge, and
 * silent faults between them: what users run Rhizome on (three or more hosts, where a host that
 * loses its link or its power answers nothing), rather than loopback, where a dead process
 * answers at once with a reset.
 *
 * <p>Address plan: host {@code i} (1..N, at most 20) has {@code 10.231.0.(10+i)/24} on its own
 * {@code eth0} and its own loopback; the addresses exist only inside the bed's namespaces
 * ({@code rzh-<run>-h<i>}, the bridge in {@code rzh-<run>-br}), nothing is added to the
 * machine's own network, and each bed has its own bridge. Ports are per host, so every host may
 * use the same ones; the filesystem is shared, so data dirs and socket dirs must differ.
 *
 * <p>Faults are nftables rules inside the host's namespace that drop and never reject: peers see
 * no RST and no ICMP, their connects time out and open connections go quiet. {@link #isolate},
 * {@link #cutIn} and {@link #cutOut} (one direction), {@link #cut} (two chosen hosts only, a
 * partial partition) add up until {@link #heal}. {@link #powerOff} isolates the host and
 * SIGKILLs everything in it at once (heal, then start its daemons again, is power on with disks
 * intact); {@link #freeze}/{@link #thaw} SIGSTOP/SIGCONT everything in it.
 *
 * <p>Privilege: creating namespaces and rules needs root, the tests run unprivileged. Everything
 * goes through one root helper ({@code .ci/netns-hosts}, installed by {@code .ci/run} as
 * {@value NetnsHelper#INSTALLED}) run with {@code sudo -n}; commands started in a host run as
 * the test's own user ({@link #start}). Without that capability a test using the bed is skipped
 * with the reason printed, except when the environment variable {@code CI} is set: CI installs
 * the helper, so there its absence fails the test. To run locally: as root {@code .ci/run setup}
 * once, then the tests as {@code rhizome-ci}.
 *
 * <p>{@link #close} removes the namespaces and kills whatever still runs in them; opening a bed
 * first removes the namespaces of runs whose test process is gone (a crashed run).
 */
final class HostBed implements AutoCloseable {
  private static final AtomicInteger RUNS = new AtomicInteger();
  private static final Path NETNS_DIR = Path.of("/run/netns");
  private static final String PREFIX = "rzh-";

  private final String runId;
  private final List<String> addresses;
  private final Thread downAtExit;
  private boolean closed;

  private HostBed(String runId, List<String> addresses) {
    this.runId = runId;
    this.addresses = List.copyOf(addresses);
    // no namespace may outlive the test JVM, even when the test is cut short
    this.downAtExit = new Thread(this::downQuietly, "bed-down-" + runId);
    Runtime.getRuntime().addShutdownHook(downAtExit);
  }

  /**
   * Brings {@code hosts} hosts up, or skips the test (fails it when {@code CI} is set) when this
   * machine or user cannot have them.
   */
  static HostBed up(int hosts) {
    requireCapability();
    String removed = NetnsHelper.call("gc").strip();
    if (!removed.isEmpty()) {
      System.out.println("bed: gc of crashed runs: " + removed.replace('\n', ';'));
    }
    // unique per JVM and per bed, letters and digits only (the helper's rule for a run id)
    String run = "t" + Long.toString(ProcessHandle.current().pid(), 36) + "x" + RUNS.incrementAndGet();
    List<String> addresses = new ArrayList<>();
    for (String line : NetnsHelper.call("up", run, Integer.toString(hosts)).strip().split("\n")) {
      String[] hostAndAddress = line.strip().split(" ");
      if (hostAndAddress.length != 2 || Integer.parseInt(hostAndAddress[0]) != addresses.size() + 1) {
        throw new IllegalStateException("unexpected line from the helper's up: " + line);
      }
      addresses.add(hostAndAddress[1]);
    }
    HostBed bed = new HostBed(run, addresses);
    System.out.println("bed: run " + run + " up, hosts " + addresses);
    return bed;
  }

  /** Skips the calling test, with the reason printed, or fails it under CI, when there is no bed to have. */
  static void requireCapability() {
    Optional<String> missing = NetnsHelper.unavailableReason();
    if (missing.isEmpty()) {
      return;
    }
    String ci = System.getenv("CI");
    if (ci != null && !ci.isBlank() && !"false".equalsIgnoreCase(ci)) {
      fail("CI is set but this machine cannot host the test bed (.ci/run installs it): " + missing.get());
    }
    System.out.println("bed: skipped: " + missing.get());
    assumeTrue(false, missing.get());
  }

  int size() {
    return addresses.size();
  }

  /** Host {@code host}'s address, e.g. 10.231.0.11 for host 1. */
  String address(int host) {
    return addresses.get(index(host));
  }

  /** The run id: the bed's namespaces are {@code rzh-<runId>-...}. */
  String runId() {
    return runId;
  }

  /** The names of this bed's namespaces that exist now (none once it is closed). */
  List<String> namespaces() throws IOException {
    if (!Files.isDirectory(NETNS_DIR)) {
      return List.of();
    }
    try (var names = Files.list(NETNS_DIR)) {
      return names.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(PREFIX + runId + "-")).sorted().toList();
    }
  }

  /**
   * Starts {@code command} in {@code host} as this user, output appended to {@code log}; returns
   * once the command itself runs (its PID is then the daemon's, not sudo's).
   */
  HostProcess start(int host, String name, List<String> command, Path log) throws IOException {
    return HostProcess.start(name, execCommand(host, command), log);
  }

  /** Runs {@code command} in {@code host} as this user to its end (e.g. a client's probe). */
  NetnsHelper.Result run(int host, List<String> command, Duration timeout) {
    return NetnsHelper.runToEnd(execCommand(host, command), timeout);
  }

  /** The launcher: a prefix that runs {@code command} in {@code host} (for a DaemonProcess-like caller). */
  List<String> execCommand(int host, List<String> command) {
    List<String> args = new ArrayList<>(List.of("exec", runId, hostArg(host), System.getProperty("user.name"), "--"));
    args.addAll(command);
    return NetnsHelper.command(args);
  }

  /** Drops everything in and out of {@code host} but its loopback. */
  void isolate(int host) {
    onHost("isolate", host);
  }

  /** Drops everything {@code host} receives: it still sends, nobody's answer arrives. */
  void cutIn(int host) {
    onHost("cut-in", host);
  }

  /** Drops everything {@code host} sends. */
  void cutOut(int host) {
    onHost("cut-out", host);
  }

  /** Drops traffic between {@code host} and {@code peer} only; both still reach every other host. */
  void cut(int host, int peer) {
    NetnsHelper.call("cut", runId, hostArg(host), hostArg(peer));
  }

  /**
   * Drops TCP between {@code host} and {@code peer}'s {@code port} only: e.g. a proxy's host cut
   * off from a host's sentinel while it still reaches that host's PostgreSQL.
   */
  void cut(int host, int peer, int port) {
    NetnsHelper.call("cut", runId, hostArg(host), hostArg(peer), Integer.toString(port));
  }

  /** Lifts every fault rule of {@code host} (also powers a powered-off host back on). */
  void heal(int host) {
    onHost("heal", host);
  }

  /** Isolates {@code host}, then SIGKILLs every process in it at once. */
  void powerOff(int host) {
    onHost("poweroff", host);
  }

  /** SIGSTOPs every process in {@code host}: a hung host, its sockets open. */
  void freeze(int host) {
    onHost("freeze", host);
  }

  void thaw(int host) {
    onHost("thaw", host);
  }

  /** One of the helper's verbs that act on a single host of this bed. */
  private void onHost(String verb, int host) {
    NetnsHelper.call(verb, runId, hostArg(host));
  }

  private int index(int host) {
    if (host < 1 || host > addresses.size()) {
      throw new IllegalArgumentException("host " + host + " is not 1.." + addresses.size());
    }
    return host - 1;
  }

  private String hostArg(int host) {
    return Integer.toString(index(host) + 1);
  }

  private synchronized void downQuietly() {
    if (!closed) {
      NetnsHelper.run(List.of("down", runId));
      closed = true;
    }
  }

  /** Kills what still runs in the hosts and removes the bed's namespaces. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    NetnsHelper.call("down", runId);
    closed = true;
    Runtime.getRuntime().removeShutdownHook(downAtExit);
    System.out.println("bed: run " + runId + " down");
  }

  @Override
  public String toString() {
    return "bed " + runId + " " + addresses;
  }
}
