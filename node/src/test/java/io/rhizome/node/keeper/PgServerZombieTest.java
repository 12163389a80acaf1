package io.rhizome.node.keeper;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A postmaster that was killed but not reaped yet (a zombie) is not running: found by the chaos
 * tests, where PID 1 reaps orphans seconds late and a crashed PostgreSQL was restarted only after
 * the controller had failed it over.
 */
class PgServerZombieTest {
  @TempDir Path dir;

  @Test
  void aZombiePostmasterIsNotRunning() throws Exception {
    assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux /proc");
    // The forked child exits at once and its parent never waits for it: a zombie for 30 s. Perl,
    // not a shell: a shell may reap the child before it execs the sleep (bash does, on SIGCHLD),
    // which left nothing to find (a CI failure). perl-base is essential on Debian.
    Process parent = new ProcessBuilder("perl", "-e",
        "$| = 1; my $child = fork(); exit 0 if $child == 0; print \"$child\\n\"; sleep 30;").start();
    try {
      long zombie;
      try (BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8))) {
        zombie = Long.parseLong(out.readLine().strip());
        await().atMost(Duration.ofSeconds(10)).until(() -> PgServer.isZombie(zombie));
        assertTrue(ProcessHandle.of(zombie).map(ProcessHandle::isAlive).orElse(false),
            "the JDK calls a zombie alive: the reason for the check");
        assertFalse(PgServer.isZombie(parent.pid()), "a live process is no zombie");

        Path pgdata = Files.createDirectories(dir.resolve("data"));
        Files.writeString(pgdata.resolve("postmaster.pid"), zombie + "\n" + pgdata + "\n");
        PgServer server = new PgServer(new PgBinaries(dir, 15, "stand-in"), pgdata, dir.resolve("pg.log"));
        assertFalse(server.isRunning(), "postmaster.pid naming a zombie: not running");

        // the socket lock PostgreSQL would refuse to start over: stale with a zombie, kept with a live pid
        Path run = Files.createDirectories(dir.resolve("run"));
        Path zombieLock = Files.writeString(run.resolve(".s.PGSQL.5433.lock"), zombie + "\n" + pgdata + "\n");
        Path liveLock = Files.writeString(run.resolve(".s.PGSQL.5434.lock"), parent.pid() + "\n" + pgdata + "\n");
        assertEquals(List.of(zombieLock), PgServer.staleSocketLocks(run));
        assertTrue(Files.exists(liveLock));
      }
    } finally {
      parent.destroyForcibly();
    }
  }
}
