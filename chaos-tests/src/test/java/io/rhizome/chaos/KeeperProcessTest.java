package io.rhizome.chaos;

import static io.rhizome.testsupport.LoopbackPorts.freePort;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.google.protobuf.InvalidProtocolBufferException;
import io.rhizome.cluster.ClusterKeys;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.KeeperInfo;
import io.rhizome.proto.store.GetReply;
import io.rhizome.store.PeerAddress;
import io.rhizome.store.StoreClient;
import io.rhizome.store.StoreClientConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keeper as a real process, with the real controller in its sentinel: SIGKILLed, its PostgreSQL
 * keeps running and the next keeper adopts it after the controller acknowledges its boot; SIGTERM
 * stops PostgreSQL and exits 0.
 */
class KeeperProcessTest {
  static final String CLUSTER = "kp";
  static final String SU_PASSWORD = "su-secret";
  static final String REPL_PASSWORD = "repl-secret";
  static final Duration CONVERGE = Duration.ofSeconds(90);

  @TempDir Path tmp;

  @org.junit.jupiter.api.AfterEach
  void printLogs() throws IOException {
    DaemonLogs.printTails(tmp);
  }

  @Test
  void killedKeeperLeavesPostgresRunningForTheNextOneAndSigtermStopsIt() throws Exception {
    assumeFalse("root".equals(System.getProperty("user.name")),
        "PostgreSQL refuses to run as root; run .ci/run or mvn as an unprivileged user");
    PeerAddress s1 = new PeerAddress("s1", "127.0.0.1", freePort());
    ClusterKeys keys = new ClusterKeys(CLUSTER);
    try (SentinelProcess sentinel = new SentinelProcess(CLUSTER, s1, List.of(s1), tmp);
         StoreClient store = StoreClient.connect(StoreClientConfig.of(List.of(s1)));
         KeeperProcess keeper = new KeeperProcess(CLUSTER, "k0", tmp, s1.host() + ":" + s1.port(), freePort(),
             SecretFiles.write(tmp, "su", SU_PASSWORD), SecretFiles.write(tmp, "repl", REPL_PASSWORD),
             // the most talkative level, as JSON lines: where a secret would show, and what a pipeline reads
             List.of("--log-level", "debug", "--log-format", "json"))) {
      sentinel.start();
      keeper.start();
      String endpoints = s1.host() + ":" + s1.port();
      // a long failInterval: a restarted keeper on a loaded machine may take seconds to reach the
      // store, and it fences an adopted primary on this clock (it remembers it across restarts)
      Path spec = tmp.resolve("spec.json");
      Files.writeString(spec, "{\"initMode\": \"new\", \"failInterval\": \"20s\"}");
      await().atMost(CONVERGE).ignoreExceptions()
          .until(() -> Rhizomectl.init(CLUSTER, endpoints, "--file", spec.toString()));
      await().atMost(CONVERGE).ignoreExceptions().until(() -> converged(store, keys, "k0"));
      String firstBoot = info(store, keys, "k0").orElseThrow().getBootUuid();
      long pid = keeper.postmasterPid();
      assertTrue(pid != 0 && canQuery(keeper), "PostgreSQL runs and answers");

      // kill -9 of the keeper: PostgreSQL stays; the next keeper adopts it, unrestarted
      keeper.kill();
      assertTrue(canQuery(keeper), "PostgreSQL outlives its killed keeper");
      keeper.start();
      await().atMost(CONVERGE).ignoreExceptions().until(() -> info(store, keys, "k0")
          .map(i -> !i.getBootUuid().equals(firstBoot)).orElse(false));
      // the controller acknowledges the new boot; the adopted primary is routed to again
      await().atMost(CONVERGE).ignoreExceptions().until(() -> converged(store, keys, "k0")
          && parse(store.getWithRevision(keys.clusterData())).getProxy().getSpec().getMasterDbUid()
              .equals(info(store, keys, "k0").orElseThrow().getPostgres().getDbUid()));
      assertEquals(pid, keeper.postmasterPid(), "adopted, not restarted");

      // SIGTERM: PostgreSQL stopped, exit 0, keeper info withdrawn
      assertEquals(0, keeper.terminate(), "exit code after SIGTERM");
      assertEquals(0, keeper.postmasterPid(), "PostgreSQL stopped with its keeper");
      assertTrue(info(store, keys, "k0").isEmpty(), "the keeper withdrew its info");
      String log = Files.readString(keeper.log());
      assertTrue(!log.contains(SU_PASSWORD) && !log.contains(REPL_PASSWORD), "no password in the keeper's log");
      JsonLogLines.assertEveryLineIsAnEvent(keeper.log());
    }
  }

  static boolean converged(StoreClient store, ClusterKeys keys, String keeperId) {
    Optional<KeeperInfo> info = info(store, keys, keeperId);
    if (info.isEmpty()) {
      return false;
    }
    Db db = parse(store.getWithRevision(keys.clusterData())).getDbsMap().get(info.get().getPostgres().getDbUid());
    return db != null && info.get().getPostgres().getHealthy()
        && info.get().getPostgres().getGeneration() == db.getGeneration();
  }

  static Optional<KeeperInfo> info(StoreClient store, ClusterKeys keys, String keeperId) {
    return store.get(keys.keeper(keeperId)).map(kv -> {
      try {
        return KeeperInfo.parseFrom(kv.getValue());
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  static ClusterData parse(GetReply r) {
    try {
      return ClusterData.parseFrom(r.getKv().getValue());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  static boolean canQuery(KeeperProcess keeper) {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("password", SU_PASSWORD);
    p.setProperty("connectTimeout", "5");
    try (var c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + keeper.pgPort + "/postgres", p);
         var st = c.createStatement(); var rs = st.executeQuery("SELECT 1")) {
      return rs.next();
    } catch (Exception e) {
      return false;
    }
  }

}
