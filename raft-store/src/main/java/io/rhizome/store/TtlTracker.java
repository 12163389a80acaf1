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
 */
final class TtlTracker {

  /** A key this tracker wants expired, at the revision it judged stale. */
  record Due(String key, long modRevision) {}

  private record Seen(long modRevision, long sinceNanos, boolean proposed) {}

  private final Map<String, Seen> seen = new HashMap<>();

  void restartAll() {
    seen.clear();
  }

  List<Due> due(List<KeyValue> ttlKeys, long nowNanos) {
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

  /** The expire for {@code due} did not commit: propose it again on a later tick. */
  void retry(Due due) {
    Seen s = seen.get(due.key());
    if (s != null && s.modRevision() == due.modRevision()) {
      seen.put(due.key(), new Seen(s.modRevision(), s.sinceNanos(), false));
    }
  }
}
