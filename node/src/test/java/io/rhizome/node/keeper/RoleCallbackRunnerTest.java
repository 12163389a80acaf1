package io.rhizome.node.keeper;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The callback runner alone, with shell scripts: arguments, timeout, superseding, never blocking. */
class RoleCallbackRunnerTest {
  @TempDir Path tmp;

  Path script(String name, String body) throws IOException {
    Path s = tmp.resolve(name);
    Files.writeString(s, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwx------"));
    return s;
  }

  List<String> lines(Path file) throws IOException {
    return Files.exists(file) ? Files.readAllLines(file) : List.of();
  }

  @Test
  void runsTheCommandWithRoleClusterAndDbUid() throws Exception {
    Path calls = tmp.resolve("calls");
    Path hook = script("hook.sh", "echo \"$@\" >> " + calls);
    try (RoleCallbackRunner r = new RoleCallbackRunner(new RoleHook(hook.toString(), Duration.ofSeconds(10)))) {
      r.submit(new RoleCallbackRunner.Call(PgRole.MASTER, "c1", "ab12cd34"));
      await().atMost(Duration.ofSeconds(10)).until(() -> lines(calls).equals(List.of("master c1 ab12cd34")));
    }
  }

  @Test
  void aCommandWithItsOwnArgumentsGetsOursAfterThem() throws Exception {
    Path calls = tmp.resolve("calls");
    Path hook = script("hook.sh", "echo \"$@\" >> " + calls);
    try (RoleCallbackRunner r = new RoleCallbackRunner(new RoleHook(hook + " --vip '10.0.0.9 /24'", Duration.ofSeconds(10)))) {
      r.submit(new RoleCallbackRunner.Call(PgRole.STANDBY, "c1", "db1"));
      await().atMost(Duration.ofSeconds(10)).until(() -> lines(calls).equals(List.of("--vip 10.0.0.9 /24 standby c1 db1")));
    }
  }

  @Test
  void aHungCommandIsKilledAfterItsTimeoutAndTheNextOneRuns() throws Exception {
    Path calls = tmp.resolve("calls");
    Path started = tmp.resolve("started");
    // the first call hangs (and leaves a child sleeping): both are killed at the timeout
    Path hook = script("hook.sh", "if [ \"$1\" = master ]; then touch " + started + "; sleep 600 & wait; fi\necho \"$@\" >> " + calls);
    try (RoleCallbackRunner r = new RoleCallbackRunner(new RoleHook(hook.toString(), Duration.ofMillis(700)))) {
      long before = System.nanoTime();
      r.submit(new RoleCallbackRunner.Call(PgRole.MASTER, "c1", "db1"));
      assertTrue(System.nanoTime() - before < Duration.ofMillis(200).toNanos(), "submit never waits for the command");
      await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(started));
      r.submit(new RoleCallbackRunner.Call(PgRole.STOPPED, "c1", "db1"));
      await().atMost(Duration.ofSeconds(10)).until(() -> lines(calls).equals(List.of("stopped c1 db1")));
      await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.current().descendants()
          .noneMatch(p -> p.info().commandLine().orElse("").contains("sleep 600")));
    }
  }

  @Test
  void aNewerChangeReplacesOneStillWaiting() throws Exception {
    Path calls = tmp.resolve("calls");
    Path gate = tmp.resolve("gate");
    // the first call waits for the gate file; meanwhile two more changes arrive: only the last runs
    Path hook = script("hook.sh", "while [ ! -e " + gate + " ]; do sleep 0.05; done\necho \"$@\" >> " + calls);
    try (RoleCallbackRunner r = new RoleCallbackRunner(new RoleHook(hook.toString(), Duration.ofSeconds(20)))) {
      r.submit(new RoleCallbackRunner.Call(PgRole.STANDBY, "c1", "db1"));
      await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.current().descendants()
          .anyMatch(p -> p.info().commandLine().orElse("").contains(hook.toString())));
      r.submit(new RoleCallbackRunner.Call(PgRole.MASTER, "c1", "db1"));
      r.submit(new RoleCallbackRunner.Call(PgRole.STOPPED, "c1", "db1"));
      Files.createFile(gate);
      await().atMost(Duration.ofSeconds(10)).until(() -> lines(calls).size() == 2);
      r.drain(Duration.ofSeconds(5));
      assertEquals(List.of("standby c1 db1", "stopped c1 db1"), lines(calls));
    }
  }

  @Test
  void aFailingCommandIsLoggedAndTheNextStillRuns() throws Exception {
    Path calls = tmp.resolve("calls");
    Path hook = script("hook.sh", "echo \"$@\" >> " + calls + "\nexit 3");
    try (RoleCallbackRunner r = new RoleCallbackRunner(new RoleHook(hook.toString(), Duration.ofSeconds(10)))) {
      r.submit(new RoleCallbackRunner.Call(PgRole.MASTER, "c1", "db1"));
      await().atMost(Duration.ofSeconds(10)).until(() -> lines(calls).size() == 1);
      r.submit(new RoleCallbackRunner.Call(PgRole.STOPPED, "c1", "db1"));
      await().atMost(Duration.ofSeconds(10)).until(() -> lines(calls).size() == 2);
    }
  }
}
