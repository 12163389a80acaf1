package io.rhizome.bench;

import static io.rhizome.testsupport.LoopbackPorts.freePort;

import io.rhizome.cluster.ClusterKeys;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.store.PeerAddress;
import io.rhizome.store.StoreClient;
import io.rhizome.store.StoreClientConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Calm under load (issue #18): a healthy cluster with default settings, pgbench TPC-B through the
 * proxy saturating the cores, plus busy loops, for a stated time; optionally stop-the-world pauses
 * (SIGSTOP, then SIGCONT) of chosen daemons. Counts every disruption a user would notice or that
 * shows the cluster was near one: aborted pgbench clients, failovers, store leader changes, keeper
 * self-fences, PostgreSQL restarts, the proxy dropping every connection, and the longest time the
 * store did not answer a reader. Prints one {@code RESULT key=value ...} line.
 *
 * <p>Usage: CalmSoak JAR WORKDIR SECONDS. Environment: CALM_CLIENTS (16), CALM_HOGS (2),
 * CALM_SCALE (10), CALM_SPEC_PATCH (JSON merged into the spec after init), CALM_SENTINEL_ARGS
 * (extra sentinel flags, e.g. "--election-timeout 500ms"), CALM_PAUSES (comma-separated
 * TARGET:MILLIS, TARGET one of sentinel-leader, sentinel-follower, keeper-master,
 * keeper-standby, postgres-master, proxy), CALM_PAUSE_EVERY (seconds between pauses, 15).
 */
public final class CalmSoak {
  private static final Pattern PROCESSED = Pattern.compile("number of transactions actually processed: (\\d+)");
  private static final Pattern ABORTED = Pattern.compile("client \\d+ aborted");

  public static void main(String[] args) throws Exception {
    java.util.logging.Logger.getLogger("org.postgresql").setLevel(java.util.logging.Level.OFF);
    Path jar = Path.of(args[0]);
    Path dir = Path.of(args[1]);
    Duration length = Duration.ofSeconds(Long.parseLong(args[2]));
    int clients = intEnv("CALM_CLIENTS", 16);
    int hogs = intEnv("CALM_HOGS", 2);
    int scale = intEnv("CALM_SCALE", 10);
    List<String> sentinelArgs = words(System.getenv().getOrDefault("CALM_SENTINEL_ARGS", ""));
    List<String> jvmOptions = words(System.getenv().getOrDefault("RHIZOME_JAVA_OPTS", ""));
    List<Pause> pauses = Pause.parseAll(System.getenv().getOrDefault("CALM_PAUSES", ""));
    Duration pauseEvery = Duration.ofSeconds(intEnv("CALM_PAUSE_EVERY", 15));
    Path pgbench = pgBinary("pgbench");

    try (SentinelProcesses sentinels = new SentinelProcesses(jar, dir, 3, jvmOptions, sentinelArgs);
         DaemonSet daemons = new DaemonSet(jar, dir, jvmOptions)) {
      sentinels.startAll();
      String endpoints = sentinels.peers().stream().map(PeerAddress::address).collect(Collectors.joining(","));
      Path su = FailoverBench.secret(dir, "su.pw", FailoverBench.SU_PASSWORD);
      Path repl = FailoverBench.secret(dir, "repl.pw", "bench-repl");
      for (int i = 0; i < 2; i++) {
        daemons.keeper("k" + i, endpoints, freePort(), su, repl);
      }
      int proxyPort = freePort();
      daemons.proxy(endpoints, proxyPort);
      try (StoreClient store = StoreClient.connect(StoreClientConfig.of(sentinels.peers()))) {
        ClusterKeys keys = new ClusterKeys(FailoverBench.CLUSTER);
        FailoverBench.waitFor("rhizomectl init", 60_000, () -> FailoverBench.ctl(endpoints, "init") == 0);
        String patch = System.getenv("CALM_SPEC_PATCH");
        if (patch != null && !patch.isBlank() && FailoverBench.ctl(endpoints, "update", "--patch", patch) != 0) {
          throw new IllegalStateException("rhizomectl update --patch " + patch + " failed");
        }
        FailoverBench.waitFor("a master and a streaming standby", 180_000, () -> FailoverBench.ready(store, keys));
        int init = run(dir.resolve("pgbench-init.out"), pgbench.toString(), "-i", "-s", Integer.toString(scale), "-q",
            "-h", "127.0.0.1", "-p", Integer.toString(proxyPort), "-U", "postgres", "postgres");
        if (init != 0) {
          throw new IllegalStateException("pgbench -i failed: " + Files.readString(dir.resolve("pgbench-init.out")));
        }
        FailoverBench.waitFor("the standby caught up after pgbench -i", 180_000, () -> FailoverBench.ready(store, keys));

        java.time.Instant soakStart = java.time.Instant.now();
        List<Process> busy = new ArrayList<>();
        StoreProbe probe = new StoreProbe(store, keys);
        PostmasterWatch postmasters = new PostmasterWatch(daemons, List.of("k0", "k1"));
        Pauser pauser = new Pauser(pauses, pauseEvery, sentinels, daemons, store, keys);
        String out;
        try {
          for (int i = 0; i < hogs; i++) {
            busy.add(new ProcessBuilder("/bin/sh", "-c", "while :; do :; done").start());
          }
          probe.start();
          postmasters.start();
          pauser.start();
          out = pgbenchUntil(dir, pgbench, proxyPort, clients, System.nanoTime() + length.toNanos());
        } finally {
          pauser.stop();
          probe.stop();
          postmasters.stop();
          busy.forEach(Process::destroyForcibly);
        }
        java.time.Instant soakEnd = java.time.Instant.now();
        // the daemons' last lines about what happened at the end are written by now
        Thread.sleep(2_000);
        io.rhizome.testsupport.DisruptionLog disruptions = io.rhizome.testsupport.DisruptionLog.read(dir);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("seconds", length.toSeconds());
        r.put("pauses", pauser.done());
        long transactions = PROCESSED.matcher(out).results().mapToLong(m -> Long.parseLong(m.group(1))).sum();
        r.put("tps", transactions / Math.max(1, length.toSeconds()));
        r.put("abortedClients", ABORTED.matcher(out).results().count());
        r.put("pgbenchRuns", PROCESSED.matcher(out).results().count());
        r.putAll(disruptions.counts(soakStart, soakEnd));
        r.put("pgRestarts", postmasters.restarts());
        r.put("storeGapMaxMs", probe.longestGapMillis());
        r.put("storeGapsOver1s", probe.gapsOver(Duration.ofSeconds(1)));
        r.put("sentinelRssMiB", sentinels.runningIds().stream().map(sentinels::process)
            .mapToLong(p -> rssMiB(p.map(ProcessHandle::pid).orElse(0L))).max().orElse(0));
        r.put("keeperRssMiB", Stream.of("k0", "k1").map(daemons::process)
            .mapToLong(p -> rssMiB(p.map(ProcessHandle::pid).orElse(0L))).max().orElse(0));
        r.put("proxyRssMiB", rssMiB(daemons.process("proxy").map(ProcessHandle::pid).orElse(0L)));
        System.out.println("RESULT " + r.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(" ")));
        for (String line : pauser.report(disruptions)) {
          System.out.println("PAUSE " + line);
        }
        if (ABORTED.matcher(out).find()) {
          System.err.println(out.lines().filter(l -> l.contains("aborted")).limit(5).collect(Collectors.joining("\n")));
        }
      }
    }
  }

  /**
   * Runs pgbench through the proxy until the deadline. pgbench gives up on a client whose
   * connection breaks and ends when every client has: it is started again for the time left, so
   * that one disruption does not end the soak and later ones are counted too. Returns every
   * run's output.
   */
  static String pgbenchUntil(Path dir, Path pgbench, int port, int clients, long deadlineNanos)
      throws IOException, InterruptedException {
    StringBuilder all = new StringBuilder();
    for (int i = 1; ; i++) {
      long left = (deadlineNanos - System.nanoTime()) / 1_000_000_000L;
      if (left < 5) {
        return all.toString();
      }
      Path log = dir.resolve("pgbench-" + i + ".out");
      run(log, pgbench.toString(), "-c", Integer.toString(clients), "-j", "2", "-T", Long.toString(left), "-P", "30",
          "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres", "postgres");
      all.append(Files.readString(log));
    }
  }

  /** Reads the cluster data every 100 ms; the longest time between two answers is the store's worst blip. */
  static final class StoreProbe {
    private final StoreClient store;
    private final ClusterKeys keys;
    private final Thread thread = new Thread(this::run, "store-probe");
    private final List<Long> gaps = new ArrayList<>();
    private volatile boolean stopping;

    StoreProbe(StoreClient store, ClusterKeys keys) {
      this.store = store;
      this.keys = keys;
      thread.setDaemon(true);
    }

    void start() {
      thread.start();
    }

    private volatile long lastOk;

    private void run() {
      lastOk = System.nanoTime();
      while (!stopping) {
        try {
          store.get(keys.clusterData());
          long now = System.nanoTime();
          synchronized (gaps) {
            gaps.add(now - lastOk);
          }
          lastOk = now;
        } catch (RuntimeException e) {
          // counted as part of the gap until the next answer
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    void stop() throws InterruptedException {
      stopping = true;
      thread.interrupt();
      thread.join();
      synchronized (gaps) {
        gaps.add(System.nanoTime() - lastOk); // a read still unanswered counts too
      }
    }

    long longestGapMillis() {
      synchronized (gaps) {
        return gaps.stream().max(Comparator.naturalOrder()).orElse(0L) / 1_000_000;
      }
    }

    long gapsOver(Duration d) {
      synchronized (gaps) {
        return gaps.stream().filter(g -> g > d.toNanos()).count();
      }
    }
  }

  /** Samples each keeper's postmaster pid: a new pid while the keeper runs is a restart of PostgreSQL. */
  static final class PostmasterWatch {
    private final DaemonSet daemons;
    private final List<String> keepers;
    private final Map<String, Long> last = new LinkedHashMap<>();
    private final Thread thread = new Thread(this::run, "postmaster-watch");
    private volatile boolean stopping;
    private volatile int restarts;

    PostmasterWatch(DaemonSet daemons, List<String> keepers) {
      this.daemons = daemons;
      this.keepers = keepers;
      thread.setDaemon(true);
    }

    void start() {
      keepers.forEach(k -> last.put(k, daemons.postmasterPid(k)));
      thread.start();
    }

    private void run() {
      while (!stopping) {
        for (String k : keepers) {
          long pid = daemons.postmasterPid(k);
          Long before = last.put(k, pid);
          if (before != null && before != pid) {
            restarts++;
          }
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    void stop() throws InterruptedException {
      stopping = true;
      thread.interrupt();
      thread.join();
    }

    /** Every change of pid, a stop (pid 0) and a start each counting. */
    int restarts() {
      return restarts;
    }
  }

  /** One stop-the-world pause: SIGSTOP a daemon, SIGCONT it after {@code length}. */
  record Pause(String target, Duration length) {
    static List<Pause> parseAll(String spec) {
      List<Pause> all = new ArrayList<>();
      for (String part : spec.split(",")) {
        if (part.isBlank()) {
          continue;
        }
        String[] f = part.trim().split(":");
        all.add(new Pause(f[0], Duration.ofMillis(Long.parseLong(f[1]))));
      }
      return all;
    }
  }

  /** Applies the pauses in turn, one every {@code every}, to the processes this run owns. */
  static final class Pauser {
    private final List<Pause> pauses;
    private final Duration every;
    private final SentinelProcesses sentinels;
    private final DaemonSet daemons;
    private final StoreClient store;
    private final ClusterKeys keys;
    private final Thread thread = new Thread(this::run, "pauser");
    private volatile boolean stopping;
    private volatile int done;
    /** Each pause made: what, how long, when it began and ended. */
    private final List<Made> made = new java.util.concurrent.CopyOnWriteArrayList<>();

    record Made(Pause pause, java.time.Instant from, java.time.Instant to) {}

    Pauser(List<Pause> pauses, Duration every, SentinelProcesses sentinels, DaemonSet daemons, StoreClient store,
        ClusterKeys keys) {
      this.pauses = pauses;
      this.every = every;
      this.sentinels = sentinels;
      this.daemons = daemons;
      this.store = store;
      this.keys = keys;
      thread.setDaemon(true);
    }

    void start() {
      if (!pauses.isEmpty()) {
        thread.start();
      }
    }

    private void run() {
      int i = 0;
      while (!stopping) {
        try {
          Thread.sleep(every.toMillis());
          Pause p = pauses.get(i++ % pauses.size());
          long pid = resolve(p.target());
          if (pid <= 0) {
            continue;
          }
          java.time.Instant from = java.time.Instant.now();
          signal("STOP", pid);
          try {
            Thread.sleep(p.length().toMillis());
          } finally {
            signal("CONT", pid);
          }
          made.add(new Made(p, from, java.time.Instant.now()));
          done++;
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          System.err.println("pause failed: " + e);
        }
      }
    }

    private long resolve(String target) {
      ClusterData cd = FailoverBench.clusterData(store, keys);
      String masterDb = cd.getProxy().getSpec().getMasterDbUid();
      String masterKeeper = cd.getDbsMap().containsKey(masterDb)
          ? cd.getDbsOrThrow(masterDb).getSpec().getKeeperId() : "";
      String leader = store.status().getLeaderId();
      return switch (target) {
        case "sentinel-leader" -> pidOf(sentinels.process(leader));
        case "sentinel-follower" -> sentinels.runningIds().stream().filter(id -> !id.equals(leader)).findFirst()
            .map(id -> pidOf(sentinels.process(id))).orElse(0L);
        case "keeper-master" -> pidOf(daemons.process(masterKeeper));
        case "keeper-standby" -> pidOf(daemons.process(masterKeeper.equals("k0") ? "k1" : "k0"));
        case "postgres-master" -> daemons.postmasterPid(masterKeeper);
        case "proxy" -> pidOf(daemons.process("proxy"));
        default -> throw new IllegalArgumentException("CALM_PAUSES: unknown target " + target);
      };
    }

    private static long pidOf(java.util.Optional<ProcessHandle> p) {
      return p.map(ProcessHandle::pid).orElse(0L);
    }

    private static void signal(String sig, long pid) throws IOException, InterruptedException {
      new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).start().waitFor(5, TimeUnit.SECONDS);
    }

    void stop() throws InterruptedException {
      stopping = true;
      thread.interrupt();
      thread.join();
    }

    int done() {
      return done;
    }

    /**
     * One line per kind of pause: how many were made and the disruptions that began during one
     * of them or within {@link #SETTLE} after it ended.
     */
    List<String> report(io.rhizome.testsupport.DisruptionLog log) {
      Map<Pause, Map<String, Long>> byPause = new LinkedHashMap<>();
      Map<Pause, Integer> count = new LinkedHashMap<>();
      for (Made m : made) {
        count.merge(m.pause(), 1, Integer::sum);
        Map<String, Long> sum = byPause.computeIfAbsent(m.pause(), k -> new LinkedHashMap<>());
        log.counts(m.from(), m.to().plus(SETTLE)).forEach((k, v) -> sum.merge(k, v, Long::sum));
      }
      List<String> lines = new ArrayList<>();
      byPause.forEach((p, sum) -> lines.add("target=" + p.target() + " ms=" + p.length().toMillis() + " n="
          + count.get(p) + " " + sum.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
          .collect(Collectors.joining(" "))));
      return lines;
    }

    static final Duration SETTLE = Duration.ofSeconds(5);
  }

  /** Resident memory of a process from /proc, 0 when it is gone. */
  static long rssMiB(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone
    }
    return 0;
  }

  static int run(Path log, String... command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
    pb.environment().put("PGPASSWORD", FailoverBench.SU_PASSWORD);
    return pb.start().waitFor();
  }

  static Path pgBinary(String name) throws IOException {
    try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
      return versions.map(v -> v.resolve("bin").resolve(name)).filter(Files::isExecutable)
          .max(Comparator.comparing(p -> Integer.parseInt(p.getParent().getParent().getFileName().toString())))
          .orElseThrow(() -> new IllegalStateException("no " + name + " under /usr/lib/postgresql/*/bin"));
    }
  }

  private static int intEnv(String name, int fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : Integer.parseInt(v.trim());
  }

  private static List<String> words(String s) {
    return Stream.of(s.trim().split("\\s+")).filter(w -> !w.isBlank()).toList();
  }

  private CalmSoak() {}
}
