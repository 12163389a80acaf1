package io.rhizome.bench;

import static io.rhizome.testsupport.LoopbackPorts.freePort;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The baseline for the failover benchmark: Patroni (Debian's package) with one etcd and two
 * PostgreSQL nodes, behind HAProxy checking Patroni's REST API, as Patroni's documentation sets it
 * up. Every process is a child of the benchmark; only their PIDs are signalled.
 */
final class PatroniCluster implements AutoCloseable {
  /** Patroni's timing: defaults, or the most aggressive the installed version accepts. */
  record Timing(String name, int ttl, int loopWait, int retryTimeout) {}

  static final String SU_PASSWORD = "bench-su";
  private final Path dir;
  private final Timing timing;
  private final Path pgBin;
  private final int etcdPort = freePort();
  private final int etcdPeerPort = freePort();
  final int haproxyPort = freePort();
  private final int[] pgPorts = {freePort(), freePort()};
  private final int[] restPorts = {freePort(), freePort()};
  private final Process[] patroni = new Process[2];
  private final List<Process> others = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

  PatroniCluster(Path dir, Timing timing, Path pgBin) throws IOException {
    this.dir = dir;
    this.timing = timing;
    this.pgBin = pgBin;
  }

  void start() throws IOException {
    Files.createDirectories(dir);
    others.add(spawn("etcd", List.of("etcd", "--name", "e0", "--data-dir", dir.resolve("etcd").toString(),
        "--listen-client-urls", "http://127.0.0.1:" + etcdPort, "--advertise-client-urls", "http://127.0.0.1:" + etcdPort,
        "--listen-peer-urls", "http://127.0.0.1:" + etcdPeerPort,
        "--initial-advertise-peer-urls", "http://127.0.0.1:" + etcdPeerPort,
        "--initial-cluster", "e0=http://127.0.0.1:" + etcdPeerPort)));
    for (int i = 0; i < 2; i++) {
      Files.writeString(config(i), yaml(i));
      startNode(i);
    }
    Files.writeString(dir.resolve("haproxy.cfg"), haproxyConfig());
    others.add(spawn("haproxy", List.of(haproxy(), "-f", dir.resolve("haproxy.cfg").toString(), "-db")));
  }

  void startNode(int i) throws IOException {
    patroni[i] = spawn("p" + i, List.of("patroni", config(i).toString()));
  }

  /** The node whose REST API answers /primary with 200, if any. */
  Optional<Integer> leader() {
    for (int i = 0; i < 2; i++) {
      if (status(i, "/primary") == 200) {
        return Optional.of(i);
      }
    }
    return Optional.empty();
  }

  /**
   * A leader and a replica within 64 KiB of it that is streaming: what a failover or switchover
   * needs. /replica?lag= alone is not enough: Patroni compares the replica with the leader's
   * position as last written to etcd (every loop_wait), and answered 200 for a replica that had
   * never streamed (its slot did not exist on the leader yet), which a kill then promoted
   * without the table the benchmark had just created.
   */
  boolean ready() {
    Optional<Integer> l = leader();
    return l.isPresent() && status(1 - l.get(), "/replica?lag=65536") == 200 && streaming(1 - l.get());
  }

  /** The node's PostgreSQL has a WAL receiver streaming from its primary. */
  private boolean streaming(int node) {
    java.util.Properties props = new java.util.Properties();
    props.setProperty("user", "postgres");
    props.setProperty("password", SU_PASSWORD);
    props.setProperty("connectTimeout", "2");
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(
            "jdbc:postgresql://127.0.0.1:" + pgPorts[node] + "/postgres", props);
        java.sql.ResultSet r = c.createStatement().executeQuery("SELECT status FROM pg_stat_wal_receiver")) {
      return r.next() && "streaming".equals(r.getString(1));
    } catch (java.sql.SQLException e) {
      return false;
    }
  }

  /** kill -9 of a node's Patroni and its PostgreSQL postmaster: a host dying. */
  void killNode(int i) throws IOException {
    long pg = postmasterPid(i);
    patroni[i].destroyForcibly();
    if (pg != 0) {
      ProcessHandle.of(pg).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  /** patronictl switchover to the replica; true when it says it succeeded. */
  boolean switchover(int leader) throws Exception {
    Process p = new ProcessBuilder("patronictl", "-c", config(leader).toString(), "switchover",
        "--leader", "p" + leader, "--candidate", "p" + (1 - leader), "--force")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    boolean ok = p.waitFor() == 0;
    if (!ok) {
      System.err.println("patronictl switchover: " + out.trim());
    }
    return ok;
  }

  private int status(int node, String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPorts[node] + path))
          .timeout(Duration.ofMillis(500)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  private long postmasterPid(int i) throws IOException {
    Path pidFile = dir.resolve("p" + i).resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return 0;
    }
    return Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
  }

  private Path config(int i) {
    return dir.resolve("p" + i + ".yml");
  }

  private String yaml(int i) {
    return """
        scope: bench
        name: p%1$d
        restapi:
          listen: 127.0.0.1:%2$d
          connect_address: 127.0.0.1:%2$d
        etcd3:
          hosts: 127.0.0.1:%3$d
        bootstrap:
          dcs:
            ttl: %4$d
            loop_wait: %5$d
            retry_timeout: %6$d
            maximum_lag_on_failover: 1048576
            postgresql:
              use_pg_rewind: true
              parameters:
                wal_level: replica
                hot_standby: 'on'
          initdb:
            - encoding: UTF8
            - data-checksums
          pg_hba:
            - host replication replicator 127.0.0.1/32 scram-sha-256
            - host all all 127.0.0.1/32 scram-sha-256
        postgresql:
          listen: 127.0.0.1:%7$d
          connect_address: 127.0.0.1:%7$d
          data_dir: %8$s
          bin_dir: %9$s
          pgpass: %10$s
          authentication:
            replication:
              username: replicator
              password: bench-repl
            superuser:
              username: postgres
              password: %11$s
          parameters:
            unix_socket_directories: '%12$s'
        """.formatted(i, restPorts[i], etcdPort, timing.ttl(), timing.loopWait(), timing.retryTimeout(),
        pgPorts[i], dir.resolve("p" + i), pgBin, dir.resolve("p" + i + ".pgpass"), SU_PASSWORD, dir);
  }

  /** Patroni's documented HAProxy setup, with checks every 500 ms (faster than its example's 3 s). */
  private String haproxyConfig() {
    StringBuilder s = new StringBuilder("""
        global
          maxconn 200
        defaults
          mode tcp
          timeout connect 2s
          timeout client 30m
          timeout server 30m
        listen primary
          bind 127.0.0.1:%d
          option httpchk GET /primary
          http-check expect status 200
          default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions
        """.formatted(haproxyPort));
    for (int i = 0; i < 2; i++) {
      s.append("  server p").append(i).append(" 127.0.0.1:").append(pgPorts[i])
          .append(" check port ").append(restPorts[i]).append('\n');
    }
    return s.toString();
  }

  private static String haproxy() {
    return Files.isExecutable(Path.of("/usr/sbin/haproxy")) ? "/usr/sbin/haproxy" : "haproxy";
  }

  private Process spawn(String name, List<String> cmd) throws IOException {
    return new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".log").toFile())).start();
  }

  @Override
  public void close() throws Exception {
    for (int i = 0; i < 2; i++) {
      if (patroni[i] != null && patroni[i].isAlive()) {
        patroni[i].destroy();
        patroni[i].waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
      }
      long pg = postmasterPid(i);
      if (pg != 0) {
        ProcessHandle.of(pg).ifPresent(ProcessHandle::destroyForcibly);
      }
      patroni[i].destroyForcibly();
    }
    for (Process p : others) {
      p.destroy();
      if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }
}
