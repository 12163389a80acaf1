package io.rhizome.cli.demo;

import com.google.protobuf.InvalidProtocolBufferException;
import io.rhizome.cli.Main;
import io.rhizome.cluster.ClusterKeys;
import io.rhizome.node.common.DurationText;
import io.rhizome.node.common.RefusedException;
import io.rhizome.node.common.UsageException;
import io.rhizome.node.keeper.PgBinaries;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.store.KeyValue;
import io.rhizome.store.PeerAddress;
import io.rhizome.store.StoreClient;
import io.rhizome.store.StoreClientConfig;
import io.rhizome.store.StoreException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rhizome demo}: a whole cluster on loopback in one command, for trying Rhizome out. It
 * owns every process it starts and stops them all on Ctrl-C or SIGTERM.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Starts a whole cluster on 127.0.0.1 (3 sentinels, 2 keepers with PostgreSQL, 1 proxy), "
        + "initialises it, waits until a master is routed and a standby streams, and prints how to connect "
        + "and what to try. Ctrl-C or SIGTERM stops every process it started, PostgreSQL included.",
        "Run as root, the daemons run as an unprivileged account (--run-as, default postgres).",
        "Every flag can also be set as RHIZOME_<FLAG>, e.g. RHIZOME_BASE_PORT."})
public final class DemoCommand implements Callable<Integer> {
  private static final String ROOT_DEFAULT_DIR = "/var/lib/rhizome-demo";
  private static final Duration POLL = Duration.ofMillis(500);

  @Option(names = "--dir", paramLabel = "DIR",
      description = "where everything lives; a second run reuses it (default: ./rhizome-demo, as root " + ROOT_DEFAULT_DIR + ")")
  Path dir;

  @Option(names = "--fresh", description = "delete the demo dir's previous cluster first")
  boolean fresh;

  @Option(names = "--base-port", defaultValue = "" + DemoPorts.DEFAULT_BASE,
      description = "sentinels listen on base+1..3, PostgreSQL on base+11..12, the proxy on base+32 (reads base+33); "
          + "default ${DEFAULT-VALUE}")
  int basePort;

  @Option(names = "--cluster-name", defaultValue = "demo", description = "default ${DEFAULT-VALUE}")
  String clusterName;

  @Option(names = "--run-as", paramLabel = "USER", defaultValue = "postgres",
      description = "as root only: the account the daemons run as; default ${DEFAULT-VALUE}")
  String runAs;

  @Option(names = "--timeout", defaultValue = "5m",
      description = "how long to wait for the cluster to be ready; default ${DEFAULT-VALUE}")
  String timeout;

  /** Handed to the daemons: their logs (in DIR/logs) use this level and format. */
  @CommandLine.Mixin io.rhizome.node.common.LogOptions log;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    StopSignal stop = StopSignal.install();
    PrintWriter out = spec.commandLine().getOut();
    DemoPorts ports = usage(() -> new DemoPorts(basePort));
    Duration readyWithin = usage(() -> DurationText.parse(timeout, "--timeout"));
    boolean root = RootCheck.isRoot();
    DaemonUser user = DaemonUser.decide(root, runAs, Accounts::lookup);
    if (user.isSwitching() && !Tools.onPath("setpriv")) {
      throw new RefusedException("running as root needs setpriv (util-linux) to start the daemons as " + runAs
          + "; install util-linux or run the demo as an unprivileged user");
    }
    PgBinaries pg = usage(() -> PgBinaries.locate(Optional.empty(), Path.of("/usr/lib/postgresql")));
    PortCheck.requireFree(DemoCluster.HOST, ports, dir());
    DemoDir demoDir = new DemoDir(dir());
    boolean reused = demoDir.prepare(fresh);
    out.println("demo: " + (reused ? "reusing " : "new demo in ") + demoDir.root
        + (user.isSwitching() ? "; daemons run as " + user.describe() : ""));
    String classpath = RootAccess.prepare(user, demoDir, System.getProperty("java.class.path"));

    DemoCluster cluster = new DemoCluster(demoDir, ports, clusterName, log, user, javaCommand(classpath), out);
    Thread backstop = new Thread(() -> stopQuietly(cluster), "demo-stop");
    Runtime.getRuntime().addShutdownHook(backstop);
    try {
      cluster.start();
      out.println("demo: started 3 sentinels, 2 keepers and a proxy; logs in " + demoDir.root.resolve("logs"));
      Optional<Readiness> ready = awaitReady(cluster, demoDir, stop, readyWithin, out);
      if (ready.isPresent()) {
        SqlProbe probe = new SqlProbe(DemoCluster.HOST, ports.proxy(), DemoCluster.SUPERUSER, demoDir.suPassword());
        if (awaitSql(probe, cluster, demoDir, stop, readyWithin, out)) {
          demoDir.writePgpass(DemoCluster.HOST, ports.proxy(), DemoCluster.SUPERUSER);
          cluster.writePids();
          out.print(banner(cluster, demoDir, ports, pg, ready.get()).text());
          out.flush();
          cluster.supervise();
          stop.await();
        }
      }
      out.println("demo: " + stop.name() + ": stopping the proxy, the keepers and their PostgreSQL, the sentinels");
    } finally {
      List<String> killed = cluster.stop();
      Runtime.getRuntime().removeShutdownHook(backstop);
      if (!killed.isEmpty()) {
        throw new RefusedException("stopped, but had to kill: " + String.join(", ", killed));
      }
    }
    out.println("demo: every process stopped; the data stays in " + demoDir.root
        + " ('rhizome demo' reuses it, --fresh starts over)");
    return 0;
  }

  private Path dir() {
    if (dir != null) {
      return dir.toAbsolutePath().normalize();
    }
    return RootCheck.isRoot() ? Path.of(ROOT_DEFAULT_DIR) : Path.of("rhizome-demo").toAbsolutePath();
  }

  /** Polls the cluster data until a master is routed and a standby streams; empty if stopped first. */
  private Optional<Readiness> awaitReady(DemoCluster cluster, DemoDir demoDir, StopSignal stop, Duration within,
      PrintWriter out) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    ClusterKeys keys = new ClusterKeys(clusterName);
    StoreClientConfig config = StoreClientConfig.of(PeerAddress.parseEndpoints(cluster.endpoints(), "--store-endpoints"))
        .withRequestTimeout(Duration.ofSeconds(2));
    String shown = "";
    boolean initialisedHere = false;
    boolean announced = false;
    try (StoreClient client = StoreClient.connect(config)) {
      while (!stop.awaitFor(POLL)) {
        requireAllAlive(cluster);
        Readiness now;
        try {
          Optional<ClusterData> cd = read(client, keys);
          if (cd.isEmpty()) {
            String result = init(cluster);
            initialisedHere = result.startsWith("initialised");
            out.println("demo: " + result);
            continue;
          }
          if (!announced && !initialisedHere) {
            // a second run: the keepers find their data and the cluster goes on where it was
            out.println("demo: cluster '" + clusterName + "' is already initialised (uid "
                + cd.get().getCluster().getUid() + "): reusing it, no init");
          }
          announced = true;
          now = Readiness.of(cd);
        } catch (StoreException e) {
          now = new Readiness(Readiness.Stage.NOT_INITIALISED, "waiting for the sentinels to elect a leader", "", "");
        }
        if (!now.detail().equals(shown)) {
          out.println("demo: " + now.detail());
          shown = now.detail();
        }
        if (now.ready()) {
          return Optional.of(now);
        }
        if (System.nanoTime() > deadline) {
          throw new RefusedException("the cluster was not ready within " + timeout + " (" + now.detail()
              + "); the daemons' logs are in " + demoDir.root.resolve("logs"));
        }
      }
    }
    return Optional.empty();
  }

  /** The proxy answers SQL and the master has a streaming standby: the cluster works, not just its data. */
  private boolean awaitSql(SqlProbe probe, DemoCluster cluster, DemoDir demoDir, StopSignal stop, Duration within,
      PrintWriter out) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    String last = "";
    while (!stop.awaitFor(POLL)) {
      requireAllAlive(cluster);
      SqlProbe.Result r = probe.check();
      if (r.ok()) {
        out.println("demo: the proxy answers SQL; " + r.detail());
        return true;
      }
      last = r.detail();
      if (System.nanoTime() > deadline) {
        throw new RefusedException("the proxy did not answer SQL with a streaming standby within " + timeout
            + " (" + last + "); the daemons' logs are in " + demoDir.root.resolve("logs"));
      }
    }
    return false;
  }

  private static void requireAllAlive(DemoCluster cluster) {
    cluster.firstDead().ifPresent(d -> {
      throw new RefusedException(DemoCluster.label(d.name) + " exited during start-up (code " + d.exitCode()
          + "); the end of " + d.log() + ":\n" + LogTail.of(d.log(), 15));
    });
  }

  private String init(DemoCluster cluster) {
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    int code = Main.run(new String[] {"ctl", "--cluster-name", clusterName, "--store-endpoints", cluster.endpoints(),
        "init"}, "rhizome", new PrintWriter(o, true), new PrintWriter(e, true));
    return code == 0 ? o.toString().strip() : "init: " + e.toString().strip() + " (retrying)";
  }

  private static Optional<ClusterData> read(StoreClient client, ClusterKeys keys) {
    Optional<KeyValue> kv = client.get(keys.clusterData());
    if (kv.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(ClusterData.parseFrom(kv.get().getValue()));
    } catch (InvalidProtocolBufferException e) {
      throw new RefusedException("the cluster data of '" + keys.clusterData() + "' does not parse: " + e.getMessage());
    }
  }

  private DemoBanner banner(DemoCluster cluster, DemoDir demoDir, DemoPorts ports, PgBinaries pg, Readiness ready) {
    StringWriter status = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new String[] {"ctl", "--cluster-name", clusterName, "--store-endpoints", cluster.endpoints(),
        "status"}, "rhizome", new PrintWriter(status, true), new PrintWriter(err, true));
    Map<String, Long> pids = cluster.pids();
    return new DemoBanner(demoDir.root.toString(), demoDir.pgpass().toString(), demoDir.suPasswordFile().toString(),
        psql(pg), ports.proxy(), ports.proxyReadOnly(), DemoCluster.SUPERUSER, clusterName, cluster.endpoints(),
        rhizomectl(), code == 0 ? status.toString() : "(status: " + err.toString().strip() + ")", pids,
        ready.masterKeeper(), ready.standbyKeeper());
  }

  /** psql from the PATH, else the one beside the server binaries. */
  private static String psql(PgBinaries pg) {
    if (Tools.onPath("psql")) {
      return "psql";
    }
    Path besideServer = pg.binDir().resolve("psql");
    return Files.isExecutable(besideServer) ? besideServer.toString() : "psql";
  }

  /** How the user runs rhizomectl: bin/rhizomectl of the checkout that launched us, when known. */
  private static String rhizomectl() {
    String bin = System.getProperty("rhizome.bin");
    if (bin != null && Files.isExecutable(Path.of(bin, "rhizomectl"))) {
      return Path.of(bin, "rhizomectl").toString();
    }
    String cp = System.getProperty("java.class.path");
    return cp.endsWith(".jar") && !cp.contains(java.io.File.pathSeparator) ? "java -jar " + cp + " ctl" : "rhizomectl";
  }

  /** The same java, JVM options and classpath as this process, running the launcher. */
  private List<String> javaCommand(String classpath) {
    List<String> command = new java.util.ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    for (String arg : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      // a debugger or agent meant for the demo must not be started six more times
      if (!arg.startsWith("-agentlib") && !arg.startsWith("-javaagent") && !arg.startsWith("-Xrunjdwp")) {
        command.add(arg);
      }
    }
    command.addAll(List.of("-cp", classpath, "io.rhizome.cli.Main"));
    return List.copyOf(command);
  }

  private void stopQuietly(DemoCluster cluster) {
    try {
      cluster.stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static <T> T usage(java.util.function.Supplier<T> parse) {
    try {
      return parse.get();
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }
}
