package io.rhizome.node.keeper;

import static io.rhizome.node.keeper.TestPostgres.SU_PASSWORD;
import static io.rhizome.node.keeper.TestPostgres.TIMEOUT;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.node.keeper.PgServer.StopMode;
import io.rhizome.node.keeper.PgSession.Probe;
import io.rhizome.node.keeper.PgSession.SlotDrop;
import io.rhizome.node.keeper.PgSession.Standby;
import io.rhizome.node.keeper.PgSession.TimelineHistoryEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Streaming replication between real PostgreSQL 15 servers: base backup, promote, rewind. */
class PgReplicationTest {
  private static final Duration REPLICATION_WAIT = Duration.ofSeconds(30);
  @TempDir Path root;
  private final List<TestPostgres> started = new ArrayList<>();

  @BeforeEach
  void notRoot() {
    TestPostgres.assumeNotRoot();
  }

  @AfterEach
  void stopAll() {
    started.forEach(TestPostgres::stopImmediately);
  }

  private TestPostgres postgres(String name) {
    TestPostgres pg = new TestPostgres(root, name);
    started.add(pg);
    return pg;
  }

  /** A running primary "a" with table t, and a running standby "b" streaming from slot "b". */
  private TestPostgres[] primaryAndStandby() throws Exception {
    TestPostgres a = postgres("a").initAndStart();
    a.execute("CREATE TABLE t (v text)");
    try (PgSession s = a.session()) {
      assertTrue(s.createPhysicalSlot("b"));
      assertFalse(s.createPhysicalSlot("b"), "creating an existing slot is a no-op");
    }
    TestPostgres b = postgres("b");
    b.server.baseBackup(a.connInfo().withApplicationName("b_basebackup"), SU_PASSWORD, "b", TIMEOUT);
    b.follow(a, "b");
    b.server.start(TIMEOUT);
    await("b streams from a").atMost(REPLICATION_WAIT).ignoreExceptions()
        .until(() -> streamingTo(a).contains("b"));
    return new TestPostgres[] {a, b};
  }

  private static List<String> streamingTo(TestPostgres primary) throws Exception {
    try (PgSession s = primary.session()) {
      return s.probe().replication().stream()
          .filter(r -> r.state().equals("streaming"))
          .map(Standby::applicationName)
          .toList();
    }
  }

  private static void awaitRow(TestPostgres pg, String value) {
    await(pg.name + " has row " + value).atMost(REPLICATION_WAIT).ignoreExceptions()
        .until(() -> pg.column("SELECT v FROM t").contains(value));
  }

  @Test
  void aStandbyFromABaseBackupStreamsThroughItsSlot() throws Exception {
    TestPostgres[] ab = primaryAndStandby();
    TestPostgres a = ab[0];
    TestPostgres b = ab[1];

    a.execute("INSERT INTO t VALUES ('first')");
    awaitRow(b, "first");

    try (PgSession s = b.session()) {
      Probe probe = s.probe();
      assertTrue(probe.inRecovery());
      assertTrue(probe.receiveLsn() > 0);
      assertTrue(probe.currentLsn() > 0, "replay position");
      assertEquals("streaming", probe.walReceiver().orElseThrow().status());
      assertEquals("b", probe.walReceiver().orElseThrow().slotName());
      assertEquals(1, s.identifySystem().timeline());
    }
    try (PgSession s = a.session()) {
      Probe probe = s.probe();
      assertEquals(List.of(new PgSession.PhysicalSlot("b", true, false)), probe.physicalSlots());
      assertEquals("async", probe.replication().get(0).syncState());
      assertEquals(SlotDrop.ACTIVE_SKIPPED, s.dropSlot("b"), "a slot in use is kept");
      assertEquals(SlotDrop.ABSENT, s.dropSlot("nobody"));
      assertEquals(b.server.controlData().systemIdentifier(), probe.systemIdentifier());
    }

    b.server.stop(StopMode.FAST, TIMEOUT);
    assertEquals("shut down in recovery", b.server.controlData().clusterState());
    try (PgSession s = a.session()) {
      await("the slot is released").atMost(REPLICATION_WAIT)
          .until(() -> s.probe().physicalSlots().equals(List.of(new PgSession.PhysicalSlot("b", false, false))));
      assertEquals(SlotDrop.DROPPED, s.dropSlot("b"));
    }
  }

  @Test
  void aPromotedStandbyStartsTimeline2AndTheOldPrimaryRejoinsWithPgRewind() throws Exception {
    TestPostgres[] ab = primaryAndStandby();
    TestPostgres a = ab[0];
    TestPostgres b = ab[1];
    a.execute("INSERT INTO t VALUES ('before failover')");
    awaitRow(b, "before failover");

    try (PgSession kept = b.session()) {
      assertEquals(1, kept.identifySystem().timeline());
      b.server.promote(TIMEOUT);
      // the keeper's session outlives the promotion: its kept replication connection must see it
      assertEquals(2, kept.identifySystem().timeline());
      assertFalse(kept.probe().inRecovery());
    }
    b.execute("CREATE TABLE writable_as_soon_as_promote_returned (v int)");
    try (PgSession s = b.session()) {
      assertFalse(s.probe().inRecovery());
      assertEquals(2, s.identifySystem().timeline());
      List<TimelineHistoryEntry> history = s.timelineHistory(2);
      assertEquals(1, history.size(), history.toString());
      assertEquals(1, history.get(0).timeline());
      assertTrue(history.get(0).switchLsn() > 0);
      assertTrue(s.createPhysicalSlot("a"));
      // as the keeper does after promoting: until a checkpoint, pg_control still says timeline 1
      // and pg_rewind would find "no rewind required"
      s.checkpoint();
    }

    // The old primary goes on writing on timeline 1 (a split brain), then crashes.
    a.execute("INSERT INTO t VALUES ('lost on a')");
    a.server.stop(StopMode.IMMEDIATE, TIMEOUT);
    assertFalse(a.server.controlData().shutDownCleanly());

    // pg_rewind runs crash recovery on a first, then rewinds it to the fork point.
    a.server.rewind(b.connInfo(), SU_PASSWORD, TIMEOUT);
    a.follow(b, "a"); // after pg_rewind copied b's configuration over a's
    a.server.start(TIMEOUT);

    b.execute("INSERT INTO t VALUES ('after failover')");
    awaitRow(a, "after failover");
    assertEquals(List.of("before failover", "after failover"), a.column("SELECT v FROM t ORDER BY v DESC"));
    try (PgSession s = a.session()) {
      assertTrue(s.probe().inRecovery());
      assertEquals(2, s.identifySystem().timeline());
    }
    assertEquals(List.of("a"), streamingTo(b));
  }

  @Test
  void aSlotWhoseWalWasRemovedIsReportedLost() throws Exception {
    TestPostgres a = postgres("a").initAndStart();
    a.execute("CREATE TABLE t (v text)");
    try (PgSession s = a.session()) {
      s.createPhysicalSlot("b"); // reserves WAL from now on; nobody streams from it
      assertEquals(List.of(new PgSession.PhysicalSlot("b", false, false)), s.probe().physicalSlots());
    }
    // the smallest keep size, then a few segments of WAL and a checkpoint: the slot loses its WAL
    a.execute("ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'");
    a.execute("SELECT pg_reload_conf()");
    await("slot b lost").atMost(REPLICATION_WAIT).until(() -> {
      a.execute("INSERT INTO t SELECT repeat('x', 1000) FROM generate_series(1, 20000)");
      a.execute("SELECT pg_switch_wal()");
      a.execute("CHECKPOINT");
      try (PgSession s = a.session()) {
        return s.probe().physicalSlots().equals(List.of(new PgSession.PhysicalSlot("b", false, true)));
      }
    });
  }

  @Test
  void aBaseBackupWithAWrongPasswordFailsWithoutShowingItAndLeavesNoData() throws Exception {
    TestPostgres a = postgres("a").initAndStart();
    try (PgSession s = a.session()) {
      s.createPhysicalSlot("b");
    }
    TestPostgres b = postgres("b");
    String wrong = "not-the-password";
    PgCommandException e = assertThrows(PgCommandException.class,
        () -> b.server.baseBackup(a.connInfo(), wrong, "b", TIMEOUT));
    assertTrue(e.getMessage().contains("password authentication failed"), e.getMessage());
    assertFalse(e.getMessage().contains(wrong), e.getMessage());
    assertFalse(b.server.isInitialized());
    if (Files.exists(b.server.pgdata())) {
      try (var entries = Files.list(b.server.pgdata())) {
        assertTrue(entries.findAny().isEmpty(), "pg_basebackup cleans up after itself");
      }
    }
  }
}
