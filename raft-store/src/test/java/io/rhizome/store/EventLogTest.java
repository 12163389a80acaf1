package io.rhizome.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.rhizome.proto.store.Event;
import io.rhizome.proto.store.KeyValue;
import io.rhizome.proto.store.WatchReply;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class EventLogTest {

  /** Revisions 1..8, one event each; "/a/" and "/b/" interleave, "/ab" shares the text "/a". */
  private static final List<String> KEYS =
      List.of("/a/1", "/b/1", "/a/2", "/a/3", "/b/2", "/ab", "/a/4", "/b/3");

  private static EventLog filled(int capacity) {
    EventLog log = new EventLog(capacity);
    for (int i = 0; i < KEYS.size(); i++) {
      log.append(event(i + 1, KEYS.get(i)));
    }
    return log;
  }

  /** The answer a watch gets: event revisions, where to continue, and whether it must re-list. */
  record Answer(List<Long> events, long revision, boolean compacted) {
    static Answer of(WatchReply r) {
      return new Answer(r.getEventsList().stream().map(Event::getRevision).toList(),
          r.getRevision(), r.getCompacted());
    }
  }

  static Stream<Arguments> sinceCases() {
    return Stream.of(
        arguments("everything under /a/", "/a/", 0, 100, answer(8, 1, 3, 4, 7)),
        arguments("everything under /b/", "/b/", 0, 100, answer(8, 2, 5, 8)),
        arguments("the prefix /a matches /ab too (plain string prefix)", "/a", 0, 100,
            answer(8, 1, 3, 4, 6, 7)),
        arguments("the empty prefix matches every key", "", 0, 100,
            answer(8, 1, 2, 3, 4, 5, 6, 7, 8)),
        arguments("only events after the asked revision", "/a/", 3, 100, answer(8, 4, 7)),
        arguments("nothing after the current revision", "/a/", 8, 100, answer(8)),
        arguments("nothing under /a/ after its last change, but the revision moves on", "/a/", 7,
            100, answer(8)),
        arguments("a prefix with no keys", "/c/", 0, 100, answer(8)),
        arguments("limit cuts the answer: continue at the last event returned", "/a/", 0, 2,
            answer(3, 1, 3)),
        arguments("limit of one", "/a/", 3, 1, answer(4, 4)),
        arguments("limit exactly the number of matches does not cut", "/a/", 0, 4,
            answer(8, 1, 3, 4, 7)),
        arguments("limit on the empty prefix", "", 4, 3, answer(7, 5, 6, 7)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sinceCases")
  void sinceFiltersByPrefixAndRevisionAndHonoursTheLimit(String name, String prefix, long after,
      int limit, Answer expected) {
    assertEquals(expected, Answer.of(filled(100).since(prefix, after, limit)));
  }

  @ParameterizedTest(name = "limit {0}")
  @ValueSource(ints = {1, 2, 3, 1000})
  void continuingFromEachAnswerSeesEveryEventOnceInOrder(int limit) {
    EventLog log = filled(100);
    List<Long> seen = new ArrayList<>();
    long rev = 0;
    for (int round = 0; round < 20; round++) {
      WatchReply r = log.since("/a/", rev, limit);
      r.getEventsList().forEach(e -> seen.add(e.getRevision()));
      if (r.getEventsCount() == 0) {
        break;
      }
      rev = r.getRevision();
    }

    assertEquals(List.of(1L, 3L, 4L, 7L), seen);
    assertEquals(8, rev, "the watcher ends at the store revision");
  }

  static Stream<Arguments> compactionCases() {
    return Stream.of(
        // capacity 3 keeps revisions 6..8: every revision > 5 is retained
        arguments("after eviction, asking from the oldest evicted revision is compacted", 3, -1L,
            4L, new Answer(List.of(), 8, true)),
        arguments("after eviction, asking from long ago is compacted", 3, -1L, 0L,
            new Answer(List.of(), 8, true)),
        arguments("after eviction, asking from the last evicted revision still works", 3, -1L, 5L,
            answer(8, 8)),
        arguments("a full log that evicted nothing is not compacted", 8, -1L, 0L,
            answer(8, 2, 5, 8)),
        arguments("one eviction compacts exactly revision 0", 7, -1L, 0L,
            new Answer(List.of(), 8, true)),
        // reset(20): the state came from a snapshot at revision 20
        arguments("after reset, asking from before the snapshot is compacted", 100, 20L, 19L,
            new Answer(List.of(), 20, true)),
        arguments("after reset, asking from the snapshot revision waits for news", 100, 20L, 20L,
            answer(20)),
        arguments("after reset, events retained before it are forgotten", 100, 20L, 3L,
            new Answer(List.of(), 20, true)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("compactionCases")
  void compactedWhenAskedRevisionIsOlderThanRetained(String name, int capacity, long resetTo,
      long after, Answer expected) {
    EventLog log = filled(capacity);
    if (resetTo >= 0) {
      log.reset(resetTo);
    }

    assertEquals(expected, Answer.of(log.since("/b/", after, 100)));
  }

  @Test
  void eventsAppendedAfterResetAreServedFromTheSnapshotRevision() {
    EventLog log = filled(100);
    log.reset(20);
    log.append(event(21, "/b/x"));
    log.append(event(22, "/a/x"));

    assertEquals(answer(22, 21), Answer.of(log.since("/b/", 20, 100)));
    assertEquals(new Answer(List.of(), 22, true), Answer.of(log.since("/b/", 19, 100)));
  }

  @Test
  void advanceToMovesTheRevisionForwardOnly() {
    EventLog log = filled(100);
    log.advanceTo(11);
    assertEquals(11, log.revision());
    assertEquals(answer(11), Answer.of(log.since("/a/", 7, 100)));

    log.advanceTo(5);
    assertEquals(11, log.revision(), "never backwards");
    assertEquals(answer(11, 3, 4, 7), Answer.of(log.since("/a/", 2, 100)));
  }

  @Test
  void capacityBelowOneIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new EventLog(0));
    assertTrue(e.getMessage().contains("at least 1"), e.getMessage());
  }

  // ---- helpers ----

  private static Event event(long revision, String key) {
    return Event.newBuilder().setType(Event.Type.PUT).setRevision(revision)
        .setKv(KeyValue.newBuilder().setKey(key).setModRevision(revision)).build();
  }

  private static Answer answer(long revision, long... events) {
    return new Answer(LongStream.of(events).boxed().toList(), revision, false);
  }
}
