package io.rhizome.cli.demo;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The demo's daemons: 3 sentinels, 2 keepers, 1 proxy, each a child JVM of the same jar. It
 * starts them, restarts one that dies (so a killed master's keeper comes back and rejoins as a
 * standby), and stops them all in order, PostgreSQL included.
 */
final class DemoCluster {
  static final String HOST = "127.0.0.1";
  static final String SUPERUSER = "postgres";
  private static final long RESTART_DELAY_SECONDS = 5;
  private static final long KEEPER_STOP_SECONDS = 90;
  private static final long STOP_SECONDS = 30;
  private static final long POSTMASTER_EXIT_SECONDS = 5;

  private final DemoDir dir;
  private final DemoPorts ports;
  private final String clusterName;
  private final io.rhizome.node.common.LogOptions log;
  private final PrintWriter out;
  private final Map<String, DemoProcess> daemons = new LinkedHashMap<>();
  private final ScheduledExecutorService restarter = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "demo-restarter");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean stopping;
  /** Off during start-up: a daemon that exits then refused to start, and restarting it would hide why. */
  private volatile boolean supervising;

  DemoCluster(DemoDir dir, DemoPorts ports, String clusterName, io.rhizome.node.common.LogOptions log, DaemonUser user, List<String> javaCommand,
      PrintWriter out) {
    this.dir = dir;
    this.ports = ports;
    this.clusterName = clusterName;
    this.log = log;
    this.out = out;
    List<String> base = new ArrayList<>(user.commandPrefix());
    base.addAll(javaCommand);
    Map<String, String> env = user.account()
        .map(a -> Map.of("HOME", a.home(), "USER", a.name(), "LOGNAME", a.name()))
        .orElse(Map.of());
    String endpoints = ports.endpoints(HOST);
    for (String s : DemoPorts.SENTINELS) {
      add(s, base, env, List.of("sentinel", "--cluster-name", clusterName, "--id", s,
          "--data-dir", dir.sentinel(s).toString(), "--peers", ports.peers(HOST)));
    }
    for (String k : DemoPorts.KEEPERS) {
      add(k, base, env, List.of("keeper", "--cluster-name", clusterName, "--id", k,
          "--data-dir", dir.keeper(k).toString(), "--store-endpoints", endpoints,
          "--pg-listen-address", HOST, "--pg-port", Integer.toString(ports.postgres(k)),
          "--pg-su-username", SUPERUSER, "--pg-su-passwordfile", dir.suPasswordFile().toString(),
          "--pg-repl-passwordfile", dir.replPasswordFile().toString()));
    }
    add("proxy", base, env, List.of("proxy", "--cluster-name", clusterName, "--id", "demo",
        "--store-endpoints", endpoints, "--listen-address", HOST,
        "--port", Integer.toString(ports.proxy()), "--read-only-port", Integer.toString(ports.proxyReadOnly())));
  }

  private void add(String name, List<String> base, Map<String, String> env, List<String> args) {
    List<String> command = new ArrayList<>(base);
    command.addAll(args);
    command.addAll(List.of("--log-level", log.level(), "--log-format", log.format()));
    daemons.put(name, new DemoProcess(name, command, dir.log(name), dir.root, env));
  }

  String endpoints() {
    return ports.endpoints(HOST);
  }

  String clusterName() {
    return clusterName;
  }

  /** Starts every daemon, sentinels first (the others wait for the store anyway). */
  void start() throws IOException {
    for (DemoProcess d : daemons.values()) {
      d.start(this::exited);
    }
    writePids();
  }

  /** From now on a daemon that exits is restarted. */
  void supervise() {
    supervising = true;
    // a restarted keeper's PostgreSQL comes up later: keep demo.pids current
    restarter.scheduleWithFixedDelay(this::writePids, 2, 2, TimeUnit.SECONDS);
  }

  private void exited(DemoProcess d) {
    if (stopping || !supervising) {
      return;
    }
    out.printf("demo: %s exited (code %d); restarting it in %d s (log: %s)%n",
        label(d.name), d.exitCode(), RESTART_DELAY_SECONDS, d.log());
    restarter.schedule(() -> {
      if (stopping) {
        return;
      }
      try {
        d.start(this::exited);
        out.printf("demo: %s restarted, pid %d%n", label(d.name), d.pid());
        writePids();
      } catch (IOException e) {
        out.printf("demo: cannot restart %s: %s%n", label(d.name), e.getMessage());
      }
    }, RESTART_DELAY_SECONDS, TimeUnit.SECONDS);
  }

  /** Whether every daemon still runs (during start-up, one that dies means it refused to start). */
  Optional<DemoProcess> firstDead() {
    return daemons.values().stream().filter(d -> !d.isAlive()).findFirst();
  }

  static String label(String name) {
    if (DemoPorts.SENTINELS.contains(name)) {
      return "sentinel " + name;
    }
    if (DemoPorts.KEEPERS.contains(name)) {
      return "keeper " + name;
    }
    return name;
  }

  /** Every process the demo owns, by name: the daemons and the keepers' postmasters. */
  Map<String, Long> pids() {
    Map<String, Long> pids = new LinkedHashMap<>();
    daemons.forEach((name, d) -> {
      if (d.isAlive()) {
        pids.put(label(name), d.pid());
      }
    });
    for (String k : DemoPorts.KEEPERS) {
      postmasterPid(k).ifPresent(pid -> pids.put("postgres " + k, pid));
    }
    return pids;
  }

  long pid(String name) {
    return daemons.get(name).pid();
  }

  /** The running postmaster of a keeper, from its postmaster.pid. */
  Optional<Long> postmasterPid(String keeperId) {
    try {
      Path file = dir.postmasterPidFile(keeperId);
      if (!Files.exists(file)) {
        return Optional.empty();
      }
      long pid = Long.parseLong(Files.readAllLines(file).get(0).strip());
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(ProcessHandle::pid);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** demo.pids: one {@code NAME PID} per line, for scripts and tests that check nothing is left. */
  void writePids() {
    StringBuilder b = new StringBuilder();
    pids().forEach((name, pid) -> b.append(name.replace(' ', '-')).append(' ').append(pid).append('\n'));
    try {
      if (Files.exists(dir.pids()) && Files.readString(dir.pids()).contentEquals(b)) {
        return;
      }
      Files.writeString(dir.pids(), b.toString());
    } catch (IOException e) {
      out.println("demo: cannot write " + dir.pids() + ": " + e.getMessage());
    }
  }

  /**
   * Stops everything: the proxy first (clients go), then the standbys' keepers and last the
   * master's (each stops its PostgreSQL; in this order the controller never sees a master vanish
   * while a standby could be promoted, so stopping the demo is not a failover), then the
   * sentinels. A postmaster still running after its keeper ended (its keeper was killed) gets a
   * fast shutdown from the demo itself. Returns what had to be killed, if anything.
   */
  List<String> stop() throws InterruptedException {
    stopping = true;
    restarter.shutdownNow();
    Map<String, Long> postmasters = new LinkedHashMap<>();
    for (String k : DemoPorts.KEEPERS) {
      postmasterPid(k).ifPresent(pid -> postmasters.put(k, pid));
    }
    List<String> killed = new ArrayList<>();
    stopOne("proxy", STOP_SECONDS, killed);
    for (String k : standbysFirst()) {
      stopOne(k, KEEPER_STOP_SECONDS, killed);
    }
    for (String k : DemoPorts.KEEPERS) {
      postmasterPid(k).ifPresent(pid -> postmasters.putIfAbsent(k, pid));
    }
    postmasters.forEach((k, pid) -> stopPostmaster(k, pid, killed));
    for (String s : DemoPorts.SENTINELS) {
      stopOne(s, STOP_SECONDS, killed);
    }
    return killed;
  }

  /** Keepers whose PostgreSQL is a standby (standby.signal in its data dir) come first. */
  private List<String> standbysFirst() {
    List<String> order = new ArrayList<>();
    for (boolean standby : new boolean[] {true, false}) {
      for (String k : DemoPorts.KEEPERS) {
        if (Files.exists(dir.keeper(k).resolve("postgres").resolve("standby.signal")) == standby) {
          order.add(k);
        }
      }
    }
    return order;
  }

  private void stopOne(String name, long grace, List<String> killed) throws InterruptedException {
    if (!daemons.get(name).stop(grace)) {
      killed.add(label(name) + " (no exit " + grace + " s after SIGTERM)");
    }
  }

  private void stopPostmaster(String keeperId, long pid, List<String> killed) {
    Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    if (handle.isEmpty()) {
      return;
    }
    try {
      // its keeper's pg_ctl returns once postmaster.pid is gone, a moment before the process exits
      handle.get().onExit().get(POSTMASTER_EXIT_SECONDS, TimeUnit.SECONDS);
      return;
    } catch (Exception stillRunning) {
      // left behind by a keeper that was killed: ours to stop
    }
    try {
      // SIGINT is PostgreSQL's fast shutdown (SIGTERM would wait for every client to leave)
      new ProcessBuilder("kill", "-INT", Long.toString(pid)).inheritIO().start().waitFor();
      handle.get().onExit().get(STOP_SECONDS, TimeUnit.SECONDS);
      out.printf("demo: stopped PostgreSQL of keeper %s (pid %d) left running by its keeper%n", keeperId, pid);
    } catch (Exception e) {
      handle.get().destroyForcibly();
      killed.add("PostgreSQL of keeper " + keeperId + " (pid " + pid + ")");
    }
  }
}
