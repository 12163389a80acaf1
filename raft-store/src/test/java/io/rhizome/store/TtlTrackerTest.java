package io.rhizome.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.rhizome.store.TtlTracker.Due;
import io.rhizome.proto.store.KeyValue;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TtlTrackerTest {

  /** System.nanoTime() has an arbitrary origin and may be negative: start the clock below zero. */
  private static final long ORIGIN_NANOS = -7_000_000_000L;

  /** One step of a scenario, replayed in order against a fresh tracker. */
  sealed interface Step permits Tick, RestartAll, Retry {}

  /** The expirer ticks at {@code atMillis} and sees {@code keys}; {@code due} is what it must propose. */
  record Tick(long atMillis, List<KeyValue> keys, List<Due> due) implements Step {}

  /** The peer won an election. */
  record RestartAll() implements Step {}

  /** The proposed expire did not commit. */
  record Retry(Due due) implements Step {}

  static Stream<Arguments> scenarios() {
    KeyValue k5 = key("/k", 5, 1000);
    KeyValue k6 = key("/k", 6, 1000);
    KeyValue a = key("/a", 1, 1000);
    KeyValue b = key("/b", 2, 500);
    return Stream.of(
        arguments("a key is not due before its TTL has passed since first seen", List.of(
            tick(0, List.of(k5)),
            tick(500, List.of(k5)),
            tick(999, List.of(k5)))),
        arguments("a key is due once its TTL has passed since first seen", List.of(
            tick(0, List.of(k5)),
            tick(1000, List.of(k5), due(k5)))),
        arguments("the TTL counts from when the tracker first saw the key, not from zero", List.of(
            tick(0, List.of()),
            tick(700, List.of(k5)),
            tick(1000, List.of(k5)),
            tick(1699, List.of(k5)),
            tick(1700, List.of(k5), due(k5)))),
        arguments("a due key is proposed once, not on every later tick", List.of(
            tick(0, List.of(k5)),
            tick(1000, List.of(k5), due(k5)),
            tick(1100, List.of(k5)),
            tick(9000, List.of(k5)))),
        arguments("retry() re-arms a proposal that did not commit", List.of(
            tick(0, List.of(k5)),
            tick(1000, List.of(k5), due(k5)),
            tick(1100, List.of(k5)),
            new Retry(due(k5)),
            tick(1200, List.of(k5), due(k5)),
            tick(1300, List.of(k5)))),
        arguments("a refresh (new mod revision) restarts the clock", List.of(
            tick(0, List.of(k5)),
            tick(900, List.of(k6)),
            tick(1000, List.of(k6)),
            tick(1899, List.of(k6)),
            tick(1900, List.of(k6), due(k6)))),
        arguments("a refresh after the proposal restarts the clock for the new revision", List.of(
            tick(0, List.of(k5)),
            tick(1000, List.of(k5), due(k5)),
            tick(1050, List.of(k6)),
            tick(2049, List.of(k6)),
            tick(2050, List.of(k6), due(k6)))),
        arguments("retry() of an outdated revision does not re-arm the refreshed key", List.of(
            tick(0, List.of(k5)),
            tick(1000, List.of(k5), due(k5)),
            tick(1050, List.of(k6)),
            new Retry(due(k5)),
            tick(1100, List.of(k6)),
            tick(2050, List.of(k6), due(k6)))),
        arguments("restartAll() restarts every TTL from the next tick", List.of(
            tick(0, List.of(a, b)),
            tick(400, List.of(a, b)),
            new RestartAll(),
            tick(600, List.of(a, b)),   // b would have been due at 500 on the old clock
            tick(1000, List.of(a, b)),  // and a at 1000
            tick(1099, List.of(a, b)),
            tick(1100, List.of(a, b), due(b)),
            tick(1599, List.of(a, b)),
            tick(1600, List.of(a, b), due(a)))),
        arguments("restartAll() also re-arms keys that were already proposed", List.of(
            tick(0, List.of(k5)),
            tick(1000, List.of(k5), due(k5)),
            new RestartAll(),
            tick(1100, List.of(k5)),
            tick(2099, List.of(k5)),
            tick(2100, List.of(k5), due(k5)))),
        arguments("keys with different TTLs are judged independently, in the given order", List.of(
            tick(0, List.of(a, b)),
            tick(500, List.of(a, b), due(b)),
            tick(1000, List.of(a, b), due(a)))),
        arguments("several keys due on the same tick are all proposed", List.of(
            tick(0, List.of(b, a)),
            tick(5000, List.of(b, a), due(b), due(a)))),
        arguments("a key that disappeared is forgotten: if it comes back its clock starts over",
            List.of(
                tick(0, List.of(k5)),
                tick(500, List.of()),
                tick(1000, List.of(k5)),
                tick(1999, List.of(k5)),
                tick(2000, List.of(k5), due(k5)))),
        arguments("retry() of a forgotten key does nothing", List.of(
            tick(0, List.of(k5)),
            tick(1000, List.of(k5), due(k5)),
            tick(1100, List.of()),
            new Retry(due(k5)),
            tick(1200, List.of(k5)),
            tick(2199, List.of(k5)),
            tick(2200, List.of(k5), due(k5)))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void proposesExactlyTheExpectedExpiries(String name, List<Step> steps) {
    replay(new TtlTracker(), steps);
  }

  /** A tracker that ticks every 100 ms and takes a gap of more than 100 ms beyond that for a stall. */
  static Stream<Arguments> stalls() {
    KeyValue k5 = key("/k", 5, 1000);
    KeyValue k6 = key("/k", 6, 1000);
    return Stream.of(
        arguments("regular ticks: the TTL runs as without stall compensation", List.of(
            tick(0, List.of(k5)), tick(100, List.of(k5)), tick(200, List.of(k5)), tick(300, List.of(k5)),
            tick(400, List.of(k5)), tick(500, List.of(k5)), tick(600, List.of(k5)), tick(700, List.of(k5)),
            tick(800, List.of(k5)), tick(900, List.of(k5)), tick(1000, List.of(k5), due(k5)))),
        arguments("a late tick within the threshold counts in full", List.of(
            tick(0, List.of(k5)), tick(100, List.of(k5)), tick(300, List.of(k5)), tick(400, List.of(k5)),
            tick(500, List.of(k5)), tick(600, List.of(k5)), tick(700, List.of(k5)), tick(800, List.of(k5)),
            tick(900, List.of(k5)), tick(1000, List.of(k5), due(k5)))),
        arguments("a leader stall does not count: the refresh queued behind it is applied in time", List.of(
            tick(0, List.of(k5)), tick(100, List.of(k5)), tick(200, List.of(k5)),
            tick(1300, List.of(k5)),   // stalled 1000 ms beyond the tick: not due although 1300 > 1000
            tick(1400, List.of(k6)),   // the keeper's refresh, sent during the stall, is applied now
            tick(1500, List.of(k6)))),
        arguments("a stall delays a dead key's expiry by the stall, no more", List.of(
            tick(0, List.of(k5)), tick(100, List.of(k5)),
            tick(700, List.of(k5)),    // a 500 ms stall
            tick(800, List.of(k5)), tick(900, List.of(k5)), tick(1000, List.of(k5)), tick(1100, List.of(k5)),
            tick(1200, List.of(k5)), tick(1300, List.of(k5)), tick(1400, List.of(k5)),
            tick(1499, List.of(k5)),
            tick(1500, List.of(k5), due(k5)))),
        arguments("the gap before the first tick after restartAll() is no stall", List.of(
            tick(0, List.of(k5)),
            new RestartAll(),
            tick(5000, List.of(k5)), tick(5100, List.of(k5)), tick(5200, List.of(k5)), tick(5300, List.of(k5)),
            tick(5400, List.of(k5)), tick(5500, List.of(k5)), tick(5600, List.of(k5)), tick(5700, List.of(k5)),
            tick(5800, List.of(k5)), tick(5900, List.of(k5)), tick(6000, List.of(k5), due(k5)))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stalls")
  void timeTheLeaderDidNotRunDoesNotCount(String name, List<Step> steps) {
    replay(new TtlTracker(java.time.Duration.ofMillis(100), java.time.Duration.ofMillis(100)), steps);
  }

  private static void replay(TtlTracker tracker, List<Step> steps) {
    for (Step step : steps) {
      if (step instanceof Tick t) {
        assertEquals(t.due(), tracker.due(t.keys(), ORIGIN_NANOS + t.atMillis() * 1_000_000L),
            "due at " + t.atMillis() + " ms");
      } else if (step instanceof RestartAll) {
        tracker.restartAll();
      } else if (step instanceof Retry r) {
        tracker.retry(r.due());
      }
    }
  }

  private static KeyValue key(String key, long modRevision, long ttlMillis) {
    return KeyValue.newBuilder().setKey(key).setModRevision(modRevision)
        .setCreateRevision(1).setTtlMillis(ttlMillis).build();
  }

  private static Due due(KeyValue kv) {
    return new Due(kv.getKey(), kv.getModRevision());
  }

  private static Tick tick(long atMillis, List<KeyValue> keys, Due... due) {
    return new Tick(atMillis, keys, List.of(due));
  }
}
