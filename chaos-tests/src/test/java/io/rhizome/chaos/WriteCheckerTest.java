package io.rhizome.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.chaos.WriteChecker.Expectation;
import io.rhizome.chaos.WriteChecker.FinalState;
import io.rhizome.chaos.WriteChecker.Member;
import io.rhizome.chaos.WriteChecker.Verdict;
import io.rhizome.chaos.WriteRecord.Server;
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
        Arguments.of("async: loss within the bound", List.of(ack(1, 0, 10, A, 1), ack(2, 10, 20, A, 1)),
            onB(2), Expectation.async(2), null),
        Arguments.of("async: loss beyond the bound", List.of(ack(1, 0, 10, A, 1), ack(2, 10, 20, A, 1)),
            onB(2), Expectation.async(1), "2 acknowledged writes lost, more than the bound 1"),
        Arguments.of("switchover: no loss even in async mode", List.of(ack(1, 0, 10, A, 1)),
            onB(2), Expectation.noLoss(), "1 acknowledged writes lost, more than the bound 0"),
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
