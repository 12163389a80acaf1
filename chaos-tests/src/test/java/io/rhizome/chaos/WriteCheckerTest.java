package io.rhizome.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.chaos.WriteChecker.Expectation;
import io.rhizome.chaos.WriteChecker.FinalState;
import io.rhizome.chaos.WriteChecker.Member;
import io.rhizome.chaos.WriteChecker.Verdict;
import io.rhizome.chaos.WriteRecord.Server;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Tables of histories and end states, and what the checker must say about them. */
class WriteCheckerTest {
  static final int A = 5001;
  static final int B = 5002;
  static final long SYSTEM = 42;

  /** A streaming standby on B under primary A, and the reverse. */
  static final List<Member> A_PRIMARY = List.of(new Member("ka", A, true, false, 0), new Member("kb", B, true, true, A));
  static final List<Member> B_PRIMARY = List.of(new Member("ka", A, true, true, B), new Member("kb", B, true, false, 0));

  static WriteRecord ack(long id, long start, long end, int port, int timeline) {
    return WriteRecord.ack(id, 0, start, end, new Server(port, SYSTEM, timeline, 0));
  }

  static FinalState onA(int timeline, Long... ids) {
    return new FinalState(A, SYSTEM, timeline, Set.of(ids), A_PRIMARY);
  }

  static FinalState onB(int timeline, Long... ids) {
    return new FinalState(B, SYSTEM, timeline, Set.of(ids), B_PRIMARY);
  }

  static Stream<Arguments> histories() {
    return Stream.of(
        Arguments.of("one reign, nothing lost", List.of(ack(1, 0, 10, A, 1), ack(2, 10, 20, A, 1)),
            onA(1, 1L, 2L), Expectation.sync(), null),
        Arguments.of("sync: an acknowledged write missing", List.of(ack(1, 0, 10, A, 1), ack(2, 10, 20, A, 1)),
            onB(2, 1L), Expectation.sync(), "1 acknowledged writes are not on the final primary"),
        Arguments.of("switchover: no loss even in async mode", List.of(ack(1, 0, 10, A, 1), ack(2, 20, 30, B, 2)),
            onB(2, 2L), Expectation.noLoss().withFaults(List.of(15L)),
            "1 acknowledged writes are not on the final primary (a zero-loss scenario)"),
        Arguments.of("a write that failed before COMMIT is there",
            List.of(ack(1, 0, 10, A, 1), WriteRecord.failed(2, 0, 10, 20)),
            onA(1, 1L, 2L), Expectation.sync(), "writes that failed before COMMIT are on the primary"),
        Arguments.of("unknown outcomes may go either way",
            List.of(WriteRecord.unknown(1, 0, 0, 10), WriteRecord.unknown(2, 0, 10, 20)),
            onA(1, 1L), Expectation.sync(), null),
        Arguments.of("clean failover: A then B on a higher timeline",
            List.of(ack(1, 0, 10, A, 1), ack(2, 10, 20, A, 1), ack(3, 30, 40, B, 2)),
            onB(2, 1L, 2L, 3L), Expectation.sync(), null),
        Arguments.of("concurrent acknowledgements cannot be ordered: no verdict of split brain",
            List.of(ack(1, 0, 50, A, 1), ack(2, 30, 40, B, 2)),
            onB(2, 1L, 2L), Expectation.sync(), null),
        Arguments.of("split brain: A, then B, then A again",
            List.of(ack(1, 0, 10, A, 1), ack(2, 20, 30, B, 2), ack(3, 40, 50, A, 1)),
            onB(2, 1L, 2L, 3L), Expectation.sync(), "split brain: port 5001 timeline 1 and port 5002 timeline 2"),
        Arguments.of("split brain hidden behind a long write: still caught",
            List.of(ack(1, 0, 10, A, 1), ack(2, 20, 30, B, 2), ack(4, 5, 60, B, 2), ack(3, 40, 50, A, 1)),
            onB(2, 1L, 2L, 3L, 4L), Expectation.sync(), "split brain"),
        Arguments.of("timeline went backwards",
            List.of(ack(1, 0, 10, A, 2), ack(2, 20, 30, B, 1)),
            onB(1, 1L, 2L), Expectation.sync(), "timeline did not grow: port 5001 timeline 2 wrote before port 5002 timeline 1"),
        Arguments.of("two servers on one timeline",
            List.of(ack(1, 0, 10, A, 2), ack(2, 20, 30, B, 2)),
            onB(2, 1L, 2L), Expectation.sync(), "timeline did not grow"),
        Arguments.of("old primary returns on a new timeline after a switchover back: fine",
            List.of(ack(1, 0, 10, A, 1), ack(2, 20, 30, B, 2), ack(3, 40, 50, A, 3)),
            onA(3, 1L, 2L, 3L), Expectation.sync(), null),
        Arguments.of("a PostgreSQL restart without failover keeps its reign",
            List.of(ack(1, 0, 10, A, 1), ack(2, 20, 30, A, 1)),
            onA(1, 1L, 2L), Expectation.sync(), null),
        Arguments.of("the final primary is not the latest reign",
            List.of(ack(1, 0, 10, A, 1), ack(2, 20, 30, B, 2)),
            onA(1, 1L, 2L), Expectation.sync(), "the final primary (port 5001 timeline 1) is not the latest reign"),
        Arguments.of("a second cluster acknowledged writes",
            List.of(ack(1, 0, 10, A, 1), WriteRecord.ack(2, 0, 20, 30, new Server(A, 99, 1, 0))),
            onA(1, 1L, 2L), Expectation.sync(), "2 different clusters"));
  }

  /** Async mode: a loss window of 100 ns, one fault at 1,000; A reigns before it, B after. */
  static final long FAULT = 1_000;
  static final Expectation ASYNC = Expectation.async(Duration.ofNanos(100)).withFaults(List.of(FAULT));
  /** Async mode: a loss window of 5 ns, one fault at 15. */
  static final Expectation ASYNC_AT_15 = Expectation.async(Duration.ofNanos(5)).withFaults(List.of(15L));

  static Stream<Arguments> asyncLoss() {
    List<WriteRecord> failover = List.of(ack(1, 0, 500, A, 1), ack(2, 900, 950, A, 1), ack(3, 980, 1_050, A, 1),
        ack(4, 1_100, 1_200, B, 2), ack(5, 1_200, 1_300, B, 2));
    return Stream.of(
        Arguments.of("nothing lost", failover, onB(2, 1L, 2L, 3L, 4L, 5L), ASYNC, null),
        Arguments.of("acknowledged within the window before the fault: may be lost", failover,
            onB(2, 1L, 3L, 4L, 5L), ASYNC, null),
        Arguments.of("acknowledged by the old master after the fault, before the new master's first: may be lost",
            failover, onB(2, 1L, 2L, 4L, 5L), ASYNC, null),
        Arguments.of("acknowledged more than the window before the fault: must survive", failover,
            onB(2, 2L, 3L, 4L, 5L), ASYNC, "1 of 1 lost acknowledged writes were acknowledged neither within"),
        Arguments.of("acknowledged by the new master: must survive", failover, onB(2, 1L, 2L, 3L, 5L), ASYNC,
            "id 4 (port 5002 timeline 2"),
        Arguments.of("every write lost: only the ones near the fault are excused", failover, onB(2), ASYNC,
            "3 of 5 lost acknowledged writes"),
        Arguments.of("no failover: a fault excuses no loss, even inside the window",
            List.of(ack(1, 0, 500, A, 1), ack(2, 900, 950, A, 1), ack(3, 1_100, 1_200, A, 1)), onA(1, 1L, 3L), ASYNC,
            "1 of 1 lost acknowledged writes"),
        Arguments.of("no fault recorded: nothing may be lost",
            List.of(ack(1, 0, 500, A, 1), ack(2, 1_100, 1_200, B, 2)), onB(2, 2L),
            Expectation.async(Duration.ofNanos(100)), "1 of 1 lost acknowledged writes"),
        Arguments.of("sync mode: the window excuses nothing", failover, onB(2, 1L, 3L, 4L, 5L),
            Expectation.sync().withFaults(List.of(FAULT)),
            "1 acknowledged writes are not on the final primary (sync mode)"),
        Arguments.of("unknown outcomes may go either way, far from any fault too",
            List.of(ack(1, 0, 500, A, 1), WriteRecord.unknown(2, 0, 100, 200), WriteRecord.unknown(3, 0, 200, 300),
                ack(4, 1_100, 1_200, B, 2)), onB(2, 1L, 2L, 4L), ASYNC, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("asyncLoss")
  void asyncLoss(String name, List<WriteRecord> writes, FinalState end, Expectation expectation, String violation) {
    verdict(name, writes, end, expectation, violation);
  }

  static Stream<Arguments> deposedMasters() {
    // B's first acknowledgement ends at 30; A's id 3 was sent at 5, long before, and answered at 40
    List<WriteRecord> lateAck = List.of(ack(1, 0, 10, A, 1), ack(2, 20, 30, B, 2), ack(3, 5, 40, A, 1));
    return Stream.of(
        Arguments.of("a deposed master acknowledged a write sent before the fault, after the new master's first",
            lateAck, onB(2, 1L, 2L), ASYNC_AT_15,
            "split brain: port 5001 timeline 1 acknowledged 1 writes that are not on the final primary after port 5002"
                + " timeline 2 had acknowledged id 2"),
        Arguments.of("the same in sync mode", lateAck, onB(2, 1L, 2L), Expectation.sync(), "split brain: port 5001"),
        Arguments.of("a late acknowledgement of a write that survived: committed before the fork, answered late",
            lateAck, onB(2, 1L, 2L, 3L), ASYNC_AT_15, null),
        Arguments.of("a late acknowledgement deposes only for later timelines",
            List.of(ack(1, 0, 10, A, 1), ack(2, 20, 30, B, 2), ack(3, 25, 40, B, 2)), onB(2, 1L, 2L, 3L),
            ASYNC_AT_15, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deposedMasters")
  void deposedMaster(String name, List<WriteRecord> writes, FinalState end, Expectation expectation, String violation) {
    verdict(name, writes, end, expectation, violation);
  }

  @Test
  void aLateAcknowledgementEscapesTheOverlapRuleAlone() {
    // id 3 began before B's first acknowledgement ended: no pair of writes orders A after B
    List<WriteRecord> writes = List.of(ack(1, 0, 10, A, 1), ack(2, 20, 30, B, 2), ack(3, 5, 40, A, 1));
    Verdict v = WriteChecker.check(writes, onB(2, 1L, 2L), ASYNC_AT_15);
    assertTrue(v.violations().stream().noneMatch(x -> x.contains("both took writes in the same stretch")), v.summary());
    assertTrue(v.violations().stream()
        .anyMatch(x -> x.contains("acknowledged 1 writes that are not on the final primary")), v.summary());
  }

  static Stream<Arguments> resumption() {
    Expectation faultAt20 = Expectation.sync().withFaults(List.of(5L, 20L));
    return Stream.of(
        Arguments.of("writes resumed after the last fault",
            List.of(ack(1, 0, 10, A, 1), ack(2, 25, 40, A, 1)), onA(1, 1L, 2L), faultAt20, null),
        Arguments.of("only a write sent before the last fault was acknowledged after it",
            List.of(ack(1, 0, 10, A, 1), ack(2, 15, 40, A, 1)), onA(1, 1L, 2L), faultAt20,
            "writes did not resume: no write that began after the last fault"),
        Arguments.of("writes after the last fault only failed or went unanswered",
            List.of(ack(1, 0, 10, A, 1), WriteRecord.failed(2, 0, 25, 30), WriteRecord.unknown(3, 0, 30, 90)),
            onA(1, 1L), faultAt20, "writes did not resume"),
        Arguments.of("writes resumed after the first fault but not after the last",
            List.of(ack(1, 0, 10, A, 1), ack(2, 6, 12, A, 1)), onA(1, 1L, 2L), faultAt20, "writes did not resume"),
        Arguments.of("no fault: nothing to resume from", List.of(ack(1, 0, 10, A, 1)), onA(1, 1L),
            Expectation.sync(), null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("resumption")
  void resumption(String name, List<WriteRecord> writes, FinalState end, Expectation expectation, String violation) {
    verdict(name, writes, end, expectation, violation);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("histories")
  void verdict(String name, List<WriteRecord> writes, FinalState end, Expectation expectation, String violation) {
    Verdict v = WriteChecker.check(writes, end, expectation);
    if (violation == null) {
      assertTrue(v.ok(), v.summary());
    } else {
      assertTrue(v.violations().stream().anyMatch(x -> x.contains(violation)), "expected '" + violation + "': "
          + v.summary());
    }
  }

  static Stream<Arguments> endStates() {
    return Stream.of(
        Arguments.of("every standby streams from the primary", B_PRIMARY, null),
        Arguments.of("old primary not following",
            List.of(new Member("ka", A, true, true, 0), new Member("kb", B, true, false, 0)),
            "old primary keeper ka (port 5001) does not stream from the primary (port 5002): upstream none"),
        Arguments.of("a second primary",
            List.of(new Member("ka", A, true, false, 0), new Member("kb", B, true, false, 0)),
            "second primary at the end: keeper ka"),
        Arguments.of("an unreachable keeper",
            List.of(new Member("ka", A, false, false, 0), new Member("kb", B, true, false, 0)),
            "keeper ka (port 5001) is unreachable"),
        Arguments.of("the primary is in recovery",
            List.of(new Member("ka", A, true, true, B), new Member("kb", B, true, true, 0)),
            "keeper kb should be the primary but is in recovery"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("endStates")
  void endState(String name, List<Member> members, String violation) {
    // A reigned first, B after: the final primary is B
    List<WriteRecord> writes = List.of(ack(1, 0, 10, A, 1), ack(2, 20, 30, B, 2));
    FinalState end = new FinalState(B, SYSTEM, 2, Set.of(1L, 2L), members);
    Verdict v = WriteChecker.check(writes, end, Expectation.sync());
    if (violation == null) {
      assertTrue(v.ok(), v.summary());
    } else {
      assertTrue(v.violations().stream().anyMatch(x -> x.contains(violation)), v.summary());
    }
  }

  @Test
  void countsAndTheLongestGap() {
    List<WriteRecord> writes = List.of(ack(1, 0, 10, A, 1), WriteRecord.failed(2, 0, 10, 15),
        WriteRecord.unknown(3, 0, 15, 1_000), ack(4, 20, 2_010, B, 2), ack(5, 2_010, 2_020, B, 2));
    Verdict v = WriteChecker.check(writes, onB(2, 1L, 3L, 4L, 5L), Expectation.sync());
    assertTrue(v.ok(), v.summary());
    assertEquals(3, v.acked());
    assertEquals(1, v.failed());
    assertEquals(1, v.unknown());
    assertEquals(1, v.unknownCommitted());
    assertEquals(2_000, v.longestGapBetweenAcks().toNanos());
    assertEquals(List.of(new WriteChecker.Reign(A, 1), new WriteChecker.Reign(B, 2)), v.reigns());
  }
}
