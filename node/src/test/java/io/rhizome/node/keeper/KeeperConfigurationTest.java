package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.proto.cluster.ClusterSpec;
import io.rhizome.proto.cluster.HbaLines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parameters, pg_hba.conf, ALTER SYSTEM and crashes on a real primary managed by a real keeper. */
class KeeperConfigurationTest {
  static final Duration CONVERGE = Duration.ofSeconds(60);

  @TempDir Path tmp;
  KeeperHarness h;

  @BeforeEach
  void primary() throws Exception {
    KeeperHarness.assumeNotRoot();
    h = new KeeperHarness(tmp);
    h.startKeeper("k0");
    h.initNewCluster("k0", "m1", ClusterSpec.getDefaultInstance());
    h.awaitUntil(CONVERGE, () -> h.converged("k0", "m1", true));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  long postmasterPid() throws Exception {
    return Long.parseLong(Files.readAllLines(h.pgData("k0").resolve("postmaster.pid")).get(0).trim());
  }

  @Test
  void parametersAreReloadedRestartedOnlyWhenAllowedAndBadValuesRefused() throws Exception {
    long pid = postmasterPid();
    // a reloadable parameter: applied without a restart; a keeper-owned one cannot be overridden
    h.changeDb("m1", s -> s.putPgParameters("work_mem", "8MB").putPgParameters("port", "1"));
    h.awaitUntil(CONVERGE, () -> "8MB".equals(h.queryOrNull("k0", "SHOW work_mem")));
    assertEquals(Integer.toString(h.pgPort("k0")), h.queryOrNull("k0", "SHOW port"));
    assertEquals(pid, postmasterPid(), "a reload, not a restart");

    // needs a restart, automaticPgRestart off: reported as pending, PostgreSQL left running
    h.changeDb("m1", s -> s.putPgParameters("shared_buffers", "48MB"));
    h.awaitUntil(CONVERGE, () -> h.pgState("k0").getPendingRestartParametersList().contains("shared_buffers"));
    assertTrue(h.pgState("k0").getPendingRestart());
    assertEquals("128MB", h.queryOrNull("k0", "SHOW shared_buffers"));
    assertEquals(pid, postmasterPid());

    // automaticPgRestart on: the keeper restarts it
    h.changeDb("m1", s -> s.setAutomaticPgRestart(true));
    h.awaitUntil(CONVERGE, () -> "48MB".equals(h.queryOrNull("k0", "SHOW shared_buffers")));
    assertNotEquals(pid, postmasterPid());
    h.awaitUntil(CONVERGE, () -> !h.pgState("k0").getPendingRestart());

    // a value PostgreSQL refuses: reported, the previous value stays, other changes still apply
    h.changeDb("m1", s -> s.putPgParameters("work_mem", "lots").putPgParameters("maintenance_work_mem", "32MB"));
    h.awaitUntil(CONVERGE, () -> "32MB".equals(h.queryOrNull("k0", "SHOW maintenance_work_mem")));
    assertEquals("8MB", h.queryOrNull("k0", "SHOW work_mem"));
    h.awaitUntil(CONVERGE, () -> h.pgState("k0").getRejectedParametersList().stream()
        .anyMatch(r -> r.startsWith("pgParameters.work_mem = 'lots' was refused")));
    String conf = Files.readString(h.pgData("k0").resolve("postgresql.conf"));
    assertTrue(conf.contains("work_mem = '8MB'"), "the refused value is not left where a restart would trip on it");
  }

  @Test
  void alterSystemHasNoLastingEffect() throws Exception {
    h.changeDb("m1", s -> s.putPgParameters("work_mem", "8MB"));
    h.awaitUntil(CONVERGE, () -> "8MB".equals(h.queryOrNull("k0", "SHOW work_mem")));
    h.execute("k0", "ALTER SYSTEM SET work_mem = '77MB'");
    h.execute("k0", "SELECT pg_reload_conf()");
    h.awaitUntil(CONVERGE, () -> "8MB".equals(h.queryOrNull("k0", "SHOW work_mem"))
        && AutoConfFile.settingNames(Files.readString(h.pgData("k0").resolve("postgresql.auto.conf"))).isEmpty());
  }

  @Test
  void pgHbaFollowsTheSpec() throws Exception {
    h.execute("k0", "CREATE ROLE app LOGIN PASSWORD 'app-pw'");
    try (var c = h.connect("k0", "app", "app-pw")) {
      // the default rule lets every user in with a password
    }
    h.changeDb("m1", s -> s.setPgHba(HbaLines.newBuilder()));
    h.awaitUntil(CONVERGE, () -> canConnect("app", "app-pw") == false);
    h.changeDb("m1", s -> s.setPgHba(HbaLines.newBuilder().addLines("host all app 127.0.0.1/32 scram-sha-256")));
    h.awaitUntil(CONVERGE, () -> canConnect("app", "app-pw"));
    assertTrue(canConnect(KeeperHarness.SU, KeeperHarness.SU_PASSWORD), "the keeper's own entries stay");
  }

  boolean canConnect(String user, String password) {
    try (var c = h.connect("k0", user, password)) {
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  void crashedPostgresIsRestartedWithoutAnyClusterDataChange() throws Exception {
    long pid = postmasterPid();
    var before = h.clusterData().orElseThrow().getDbsOrThrow("m1").getGeneration();
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    h.awaitUntil(CONVERGE, () -> {
      try {
        return postmasterPid() != pid && "1".equals(h.queryOrNull("k0", "SELECT 1"));
      } catch (Exception e) {
        return false;
      }
    });
    assertEquals(before, h.clusterData().orElseThrow().getDbsOrThrow("m1").getGeneration());
    h.awaitUntil(CONVERGE, () -> h.pgState("k0").getHealthy());
    assertNull(h.queryOrNull("k0", "SELECT 1 WHERE pg_is_in_recovery()"), "it came back as the primary");
  }
}
