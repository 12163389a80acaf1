package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rhizome.proto.cluster.ClusterSpec;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.InitMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --on-role-change with real keepers and PostgreSQL: master, standby, promotion, stop. */
class KeeperRoleCallbackTest {
  static final Duration CONVERGE = Duration.ofSeconds(120);

  @TempDir Path tmp;
  KeeperHarness h;

  @BeforeEach
  void setUp() throws Exception {
    KeeperHarness.assumeNotRoot();
    h = new KeeperHarness(tmp);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  /** A hook that appends its arguments to calls-KEEPER. */
  Path hook() throws IOException {
    Path s = tmp.resolve("hook.sh");
    if (!Files.exists(s)) {
      Files.writeString(s, "#!/bin/sh\necho \"$2 $3 $1\" >> " + tmp.resolve("calls") + "-\"$KEEPER\"\n");
      Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwx------"));
    }
    return s;
  }

  List<String> calls(String keeper) throws IOException {
    Path f = tmp.resolve("calls-" + keeper);
    return Files.exists(f) ? Files.readAllLines(f) : List.of();
  }

  void startWithHook(String keeper) throws IOException {
    // KEEPER=...: the same script tells the two keepers' calls apart
    String command = "KEEPER=" + keeper + " " + hook();
    h.startKeeper(keeper, s -> s.withRoleHook(new RoleHook(command, Duration.ofSeconds(10))));
  }

  @Test
  void theHookHearsMasterStandbyPromotionAndStop() throws Exception {
    startWithHook("k0");
    startWithHook("k1");
    h.initNewCluster("k0", "m1", ClusterSpec.getDefaultInstance());
    h.awaitUntil(CONVERGE, () -> h.converged("k0", "m1", true));
    h.awaitUntil(CONVERGE, () -> calls("k0").equals(List.of("kt m1 master")));

    h.addStandby("k1", "s1", "m1");
    h.awaitUntil(CONVERGE, () -> h.converged("k1", "s1", false));
    h.awaitUntil(CONVERGE, () -> calls("k1").equals(List.of("kt s1 standby")));

    h.changeDb("s1", s -> s.setRole(DbRole.MASTER).setInitMode(InitMode.INIT_MODE_UNSPECIFIED).clearFollowConfig());
    h.awaitUntil(CONVERGE, () -> h.converged("k1", "s1", true));
    h.awaitUntil(CONVERGE, () -> calls("k1").equals(List.of("kt s1 standby", "kt s1 master")));

    // SIGTERM's path: the keeper stops PostgreSQL, and the hook hears it before the keeper exits
    h.stopKeeper("k1");
    assertEquals(List.of("kt s1 standby", "kt s1 master", "kt s1 stopped"), calls("k1"));
    assertEquals(List.of("kt m1 master"), calls("k0"));
  }
}
