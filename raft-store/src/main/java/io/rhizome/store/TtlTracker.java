package io.rhizome.store;

import io.rhizome.proto.store.KeyValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides which TTL keys are due to expire, from the leader's own monotonic clock.
 *
 * <p>Pure: the caller passes the keys and the time. A key's TTL counts from the moment this
 * tracker first saw its current mod revision; {@link #restartAll()} (on winning an election)
 * forgets everything, so every TTL restarts from the election and a sentinel failover never
 * expires a key early.
 *
 * <p>Time the leader itself did not run does not count either. A JVM pause or a starved CPU can
 * hold this peer still for hundreds of milliseconds while keepers go on sending refreshes; those
 * wait unread in its sockets, and the first tick after the stall would otherwise find their keys
 * stale and expire them before the refreshes are even applied. When the gap between two calls of
 * {@link #due} exceeds the tick period by more than the stall threshold, every TTL is extended by
 * that excess: a dead keeper's expiry comes that much later, a live one's never falsely.
 */
final class TtlTracker {

  /** A key this tracker wants expired, at the revision it judged stale. */
  record Due(String key, long modRevision) {}

  private record Seen(long modRevision, long sinceNanos, boolean proposed) {}

  private final Map<String, Seen> seen = new HashMap<>();
  /** Expected gap between two calls of {@link #due}, and the excess over it that is a stall; 0 = never a stall. */
  private final long tickNanos;
  private final long stallNanos;
  private boolean called;
  private long lastCallNanos;
  private long lastStallNanos;
  private long stalls;

  /** A tracker called at irregular times: no gap is taken for a stall. */
  TtlTracker() {
    this.tickNanos = 0;
    this.stallNanos = 0;
  }

  /** A tracker called every {@code tick}; a gap longer than tick + stallThreshold is a stall. */
  TtlTracker(java.time.Duration tick, java.time.Duration stallThreshold) {
    this.tickNanos = tick.toNanos();
    this.stallNanos = stallThreshold.toNanos();
  }

  void restartAll() {
    seen.clear();
    called = false;
  }

  /** How many stalls {@link #due} has made up for; for the log. */
  long stalls() {
    return stalls;
  }

  /** The last stall {@link #due} made up for, in nanoseconds (0 = none yet). */
  long lastStallNanos() {
    return lastStallNanos;
  }

  List<Due> due(List<KeyValue> ttlKeys, long nowNanos) {
    compensateStall(nowNanos);
    List<Due> due = new ArrayList<>();
    Set<String> present = new HashSet<>();
    for (KeyValue kv : ttlKeys) {
      present.add(kv.getKey());
      Seen s = seen.get(kv.getKey());
      if (s == null || s.modRevision() != kv.getModRevision()) {
        seen.put(kv.getKey(), new Seen(kv.getModRevision(), nowNanos, false));
        continue;
      }
      long ttlNanos = kv.getTtlMillis() * 1_000_000L;
      if (!s.proposed() && nowNanos - s.sinceNanos() >= ttlNanos) {
        seen.put(kv.getKey(), new Seen(s.modRevision(), s.sinceNanos(), true));
        due.add(new Due(kv.getKey(), kv.getModRevision()));
      }
    }
    seen.keySet().retainAll(present);
    return due;
  }

  private void compensateStall(long nowNanos) {
    long excess = nowNanos - lastCallNanos - tickNanos;
    if (called && stallNanos > 0 && excess > stallNanos) {
      seen.replaceAll((key, s) -> new Seen(s.modRevision(), s.sinceNanos() + excess, s.proposed()));
      lastStallNanos = excess;
      stalls++;
    }
    called = true;
    lastCallNanos = nowNanos;
  }

  /** The expire for {@code due} did not commit: propose it again on a later tick. */
  void retry(Due due) {
    Seen s = seen.get(due.key());
    if (s != null && s.modRevision() == due.modRevision()) {
      seen.put(due.key(), new Seen(s.modRevision(), s.sinceNanos(), false));
    }
  }
}
