package io.rhizome.node.keeper;

import static io.rhizome.testsupport.LoopbackPorts.freePort;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.google.protobuf.InvalidProtocolBufferException;
import io.rhizome.cluster.ClusterKeys;
import io.rhizome.proto.cluster.Cluster;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.ClusterSpec;
import io.rhizome.proto.cluster.ClusterStatus;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.DbSpec;
import io.rhizome.proto.cluster.DbStatus;
import io.rhizome.proto.cluster.FollowConfig;
import io.rhizome.proto.cluster.InitMode;
import io.rhizome.proto.cluster.Keeper;
import io.rhizome.proto.cluster.KeeperInfo;
import io.rhizome.proto.cluster.KeeperStatus;
import io.rhizome.proto.cluster.PostgresState;
import io.rhizome.proto.store.GetReply;
import io.rhizome.proto.store.KeyValue;
import io.rhizome.store.PeerAddress;
import io.rhizome.store.StoreClient;
import io.rhizome.store.StoreClientConfig;
import io.rhizome.store.StoreServer;
import io.rhizome.store.StoreServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Real keepers against a real one-sentinel store, with a stand-in for the controller: the test
 * decides the cluster data (which db is master, who follows whom), and a background thread does
 * the controller's bookkeeping — registering keepers, acknowledging their boot, copying what they
 * report into the dbs' status — so the keepers see the cluster data they would in production.
 */
final class KeeperHarness implements AutoCloseable {
  static final String CLUSTER = "kt";
  static final String SU = "postgres";
  static final String SU_PASSWORD = "su pass:w'o\\rd";
  static final String REPL = "repluser";
  static final String REPL_PASSWORD = "repl:secret";

  final Path root;
  final ClusterKeys keys = new ClusterKeys(CLUSTER);
  private final PeerAddress peer;
  private StoreServer server;
  final StoreClient client;
  private final Map<String, io.rhizome.node.keeper.Keeper> keepers = new LinkedHashMap<>();
  private final Map<String, KeeperSettings> settings = new LinkedHashMap<>();
  private final Thread bookkeeper;
  private volatile boolean closing;
  /** While true the stand-in controller does not acknowledge new boot uuids. */
  volatile boolean holdBootAcknowledgement;

  static void assumeNotRoot() {
    assumeFalse("root".equals(System.getProperty("user.name")),
        "PostgreSQL refuses to run as root; run .ci/run or mvn as an unprivileged user");
  }

  KeeperHarness(Path root) throws IOException {
    this.root = root;
    this.peer = new PeerAddress("s1", "127.0.0.1", freePort());
    startStore();
    this.client = StoreClient.connect(StoreClientConfig.of(List.of(peer)));
    this.bookkeeper = new Thread(this::bookkeeping, "test-controller");
    bookkeeper.setDaemon(true);
    bookkeeper.start();
  }

  void startStore() throws IOException {
    server = StoreServer.start(StoreServerConfig.of(peer, List.of(peer), root.resolve("store")));
  }

  void stopStore() throws IOException {
    server.close();
  }

  KeeperSettings settingsFor(String id) throws IOException {
    return settings.computeIfAbsent(id, k -> {
      try {
        Path dir = root.resolve(k);
        Files.createDirectories(root.resolve("secrets"));
        int port = freePort();
        return new KeeperSettings(CLUSTER, k, dir, StoreClientConfig.of(List.of(peer)).withRequestTimeout(Duration.ofSeconds(1)),
            binaries(), "127.0.0.1", "127.0.0.1", port, port, SU, SU_PASSWORD, REPL, REPL_PASSWORD,
            "scram-sha-256", true, true, 0, RoleHook.NONE, java.util.Optional.empty());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  static PgBinaries binaries() {
    return PgBinaries.locate(Optional.empty(), Path.of("/usr/lib/postgresql"));
  }

  io.rhizome.node.keeper.Keeper startKeeper(String id) throws IOException {
    io.rhizome.node.keeper.Keeper k = io.rhizome.node.keeper.Keeper.start(settingsFor(id));
    keepers.put(id, k);
    return k;
  }

  /** Starts a keeper with changed settings (e.g. an --on-role-change hook). */
  io.rhizome.node.keeper.Keeper startKeeper(String id, UnaryOperator<KeeperSettings> change) throws IOException {
    settings.put(id, change.apply(settingsFor(id)));
    return startKeeper(id);
  }

  io.rhizome.node.keeper.Keeper keeper(String id) {
    return keepers.get(id);
  }

  void stopKeeper(String id) {
    io.rhizome.node.keeper.Keeper k = keepers.remove(id);
    if (k != null) {
      k.close();
    }
  }

  /** As if the keeper process were killed -9: PostgreSQL keeps running, nothing is cleaned up. */
  void crashKeeper(String id) {
    io.rhizome.node.keeper.Keeper k = keepers.remove(id);
    if (k != null) {
      k.crashForTest();
    }
  }

  int pgPort(String keeperId) throws IOException {
    return settingsFor(keeperId).pgPort();
  }

  Path pgData(String keeperId) throws IOException {
    return settingsFor(keeperId).dataDir().resolve("postgres");
  }

  // ---- cluster data, as the controller would write it ----

  Optional<ClusterData> clusterData() {
    GetReply r = client.getWithRevision(keys.clusterData());
    if (!r.hasKv()) {
      return Optional.empty();
    }
    try {
      return Optional.of(ClusterData.parseFrom(r.getKv().getValue()));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Compare-and-set loop: applies {@code change} to the current cluster data. */
  void update(UnaryOperator<ClusterData.Builder> change) {
    for (int attempt = 0; attempt < 50; attempt++) {
      GetReply r = client.getWithRevision(keys.clusterData());
      long rev = r.hasKv() ? r.getKv().getModRevision() : 0;
      ClusterData current;
      try {
        current = r.hasKv() ? ClusterData.parseFrom(r.getKv().getValue()) : ClusterData.getDefaultInstance();
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException(e);
      }
      ClusterData next = change.apply(current.toBuilder()).build();
      if (next.equals(current) || client.compareAndPut(keys.clusterData(), next.toByteArray(), rev, Duration.ZERO).getSucceeded()) {
        return;
      }
    }
    throw new IllegalStateException("cluster data kept changing under the test");
  }

  /** A new cluster whose master db {@code dbUid} is initialised by {@code keeperId}. */
  void initNewCluster(String keeperId, String dbUid, ClusterSpec spec) {
    update(cd -> cd.setFormatVersion(1)
        .setCluster(Cluster.newBuilder().setUid("cluster1").setGeneration(1).setSpec(spec)
            .setStatus(ClusterStatus.newBuilder().setPhase(ClusterStatus.Phase.INITIALIZING).setMasterDbUid(dbUid)))
        .putDbs(dbUid, Db.newBuilder().setUid(dbUid).setGeneration(1)
            .setSpec(DbSpec.newBuilder().setKeeperId(keeperId).setRole(DbRole.MASTER).setInitMode(InitMode.NEW)
                .setMaxStandbys(5)).build()));
  }

  /** Assigns {@code keeperId} a standby db following {@code followedDb}, and the followed db a slot for it. */
  void addStandby(String keeperId, String dbUid, String followedDb) {
    update(cd -> {
      cd.putDbs(dbUid, Db.newBuilder().setUid(dbUid).setGeneration(1)
          .setSpec(DbSpec.newBuilder().setKeeperId(keeperId).setRole(DbRole.STANDBY).setInitMode(InitMode.RESYNC)
              .setMaxStandbys(5)
              .setFollowConfig(FollowConfig.newBuilder().setType(FollowConfig.Type.INTERNAL).setDbUid(followedDb)))
          .build());
      return changeDb(cd, followedDb, s -> s.addFollowers(dbUid));
    });
  }

  /** Changes a db's spec and bumps its generation, as the controller does. */
  static ClusterData.Builder changeDb(ClusterData.Builder cd, String dbUid, UnaryOperator<DbSpec.Builder> change) {
    Db db = cd.getDbsOrThrow(dbUid);
    return cd.putDbs(dbUid, db.toBuilder().setGeneration(db.getGeneration() + 1)
        .setSpec(change.apply(db.getSpec().toBuilder())).build());
  }

  void changeDb(String dbUid, UnaryOperator<DbSpec.Builder> change) {
    update(cd -> changeDb(cd, dbUid, change));
  }

  Optional<KeeperInfo> info(String keeperId) {
    return client.get(keys.keeper(keeperId)).map(kv -> {
      try {
        return KeeperInfo.parseFrom(kv.getValue());
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  PostgresState pgState(String keeperId) {
    return info(keeperId).map(KeeperInfo::getPostgres).orElse(PostgresState.getDefaultInstance());
  }

  /** The keeper reports its db healthy, converged to the db's current generation, in the given role. */
  boolean converged(String keeperId, String dbUid, boolean master) {
    PostgresState s = pgState(keeperId);
    Db db = clusterData().map(cd -> cd.getDbsMap().get(dbUid)).orElse(null);
    return db != null && s.getHealthy() && s.getDbUid().equals(dbUid) && s.getGeneration() == db.getGeneration()
        && s.getInRecovery() == !master;
  }

  private void bookkeeping() {
    while (!closing) {
      try {
        syncFromKeeperInfos();
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        // the store may be down on purpose; try again
        try {
          Thread.sleep(200);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  /**
   * Waits for {@code condition}; when it times out, the failure says what every keeper reported
   * and was doing, and what the cluster data holds, so a CI failure explains itself.
   */
  void awaitUntil(Duration atMost, Callable<Boolean> condition) {
    try {
      await().atMost(atMost).until(condition);
    } catch (ConditionTimeoutException e) {
      String state = describe() + threads();
      // printed as well: the test's captured output is what .ci/failed-test-logs shows
      System.out.println("---- condition not met within " + atMost.toSeconds() + " s ----" + state);
      throw new AssertionError("not within " + atMost.toSeconds() + " s; " + state, e);
    }
  }

  /**
   * Where the keepers' threads and the stand-in controller are, by their own frames (the JDK's
   * are left out): a loop stuck in a call shows here. Idle pool threads have none and are skipped.
   */
  static String threads() {
    StringBuilder b = new StringBuilder();
    Thread.getAllStackTraces().forEach((t, frames) -> {
      String name = t.getName();
      if (!(name.startsWith("keeper-") || name.startsWith("output-") || name.equals("test-controller"))) {
        return;
      }
      List<String> own = new ArrayList<>();
      for (StackTraceElement f : frames) {
        String c = f.getClassName();
        if (!(c.startsWith("java.") || c.startsWith("jdk.") || c.startsWith("sun.")) && own.size() < 6) {
          own.add(c.substring(c.lastIndexOf('.') + 1) + "." + f.getMethodName() + ":" + f.getLineNumber());
        }
      }
      if (!own.isEmpty()) {
        b.append("\n  thread ").append(name).append(" ").append(t.getState()).append(": ")
            .append(String.join(" < ", own));
      }
    });
    return b.toString();
  }

  /** One line per keeper and per db: reported state, the last plan and error, the db's spec. */
  String describe() {
    StringBuilder b = new StringBuilder();
    for (String id : settings.keySet()) {
      io.rhizome.node.keeper.Keeper k = keepers.get(id);
      PostgresState s;
      try {
        s = pgState(id);
      } catch (RuntimeException e) {
        s = PostgresState.getDefaultInstance();
      }
      b.append("\n  keeper ").append(id).append(k == null ? " (stopped)" : "")
          .append(": reports db=").append(s.getDbUid()).append(" gen=").append(s.getGeneration())
          .append(" healthy=").append(s.getHealthy()).append(" inRecovery=").append(s.getInRecovery());
      if (k != null) {
        b.append("; last plan: ").append(k.state().lastActionReason())
            .append("; last error: ").append(k.state().lastError());
      }
    }
    try {
      clusterData().ifPresent(cd -> cd.getDbsMap().values().forEach(db -> b.append("\n  db ").append(db.getUid())
          .append(": keeper=").append(db.getSpec().getKeeperId()).append(" role=").append(db.getSpec().getRole())
          .append(" gen=").append(db.getGeneration()).append(" status healthy=").append(db.getStatus().getHealthy())
          .append(" gen=").append(db.getStatus().getCurrentGeneration())));
    } catch (RuntimeException e) {
      b.append("\n  cluster data unreadable: ").append(e);
    }
    return b.toString();
  }

  /** The controller's bookkeeping: register keepers, acknowledge boots, copy reports into db status. */
  private void syncFromKeeperInfos() {
    List<KeeperInfo> infos = new ArrayList<>();
    for (KeyValue kv : client.list(keys.keepersPrefix()).getKvsList()) {
      try {
        infos.add(KeeperInfo.parseFrom(kv.getValue()));
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException(e);
      }
    }
    if (clusterData().isEmpty()) {
      return;
    }
    boolean hold = holdBootAcknowledgement;
    update(cd -> {
      for (KeeperInfo info : infos) {
        Keeper existing = cd.getKeepersMap().get(info.getKeeperId());
        String acked;
        if (existing == null) {
          acked = hold ? "" : info.getBootUuid();
        } else {
          acked = hold ? existing.getStatus().getBootUuid() : info.getBootUuid();
        }
        cd.putKeepers(info.getKeeperId(), Keeper.newBuilder().setId(info.getKeeperId())
            .setStatus(KeeperStatus.newBuilder().setHealthy(info.getPostgres().getHealthy()).setBootUuid(acked)
                .setPgVersion(info.getPgVersion()).setCanBeMaster(info.getCanBeMaster())).build());
        PostgresState pg = info.getPostgres();
        Db db = cd.getDbsMap().get(pg.getDbUid());
        if (db != null && db.getSpec().getKeeperId().equals(info.getKeeperId())) {
          cd.putDbs(db.getUid(), db.toBuilder().setStatus(DbStatus.newBuilder()
              .setHealthy(pg.getHealthy()).setCurrentGeneration(pg.getGeneration())
              .setListenAddress(pg.getListenAddress()).setPort(pg.getPort())
              .setSystemId(pg.getSystemId()).setTimelineId(pg.getTimelineId()).setXlogPos(pg.getXlogPos())
              .addAllSynchronousStandbys(pg.getSynchronousStandbysInSyncList())).build());
        }
      }
      return cd;
    });
  }

  // ---- SQL against a keeper's PostgreSQL ----

  Connection connect(String keeperId) throws SQLException, IOException {
    return connect(keeperId, SU, SU_PASSWORD);
  }

  Connection connect(String keeperId, String user, String password) throws SQLException, IOException {
    Properties p = new Properties();
    p.setProperty("user", user);
    p.setProperty("password", password);
    p.setProperty("connectTimeout", "5");
    p.setProperty("socketTimeout", "30");
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort(keeperId) + "/postgres", p);
  }

  void execute(String keeperId, String sql) throws SQLException, IOException {
    try (Connection c = connect(keeperId); Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  /** The first column of the first row, or null when the query fails (not up, not there yet). */
  String queryOrNull(String keeperId, String sql) {
    try (Connection c = connect(keeperId); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    } catch (SQLException | IOException e) {
      return null;
    }
  }

  /** The end of each server log goes to the test's output: the first thing to read when a test fails. */
  private static void printLogTail(String keeperId, Path log) {
    try {
      List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
      System.out.println("---- " + keeperId + " postgresql.log (last 25 lines) ----");
      lines.subList(Math.max(0, lines.size() - 25), lines.size()).forEach(System.out::println);
    } catch (IOException e) {
      System.out.println("cannot read " + log + ": " + e);
    }
  }

  Path writeSecret(String name, String content) throws IOException {
    Path dir = root.resolve("secrets");
    Files.createDirectories(dir);
    Path f = dir.resolve(name);
    Files.writeString(f, content);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    return f;
  }

  @Override
  public void close() throws IOException {
    closing = true;
    bookkeeper.interrupt();
    for (String id : new ArrayList<>(keepers.keySet())) {
      stopKeeper(id);
    }
    // a crashed keeper's PostgreSQL is still ours to stop
    for (KeeperSettings s : settings.values()) {
      printLogTail(s.keeperId(), s.dataDir().resolve("postgresql.log"));
      PgServer pg = new PgServer(s.binaries(), s.dataDir().resolve("postgres"), s.dataDir().resolve("postgresql.log"));
      try {
        pg.stop(PgServer.StopMode.IMMEDIATE, Duration.ofSeconds(30));
      } catch (RuntimeException ignored) {
        // best effort: the test is over
      }
    }
    client.close();
    try {
      server.close();
    } catch (IOException | RuntimeException ignored) {
      // already stopped by the test
    }
  }
}
