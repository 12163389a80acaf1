package io.rhizome.store;

import io.rhizome.proto.store.Event;
import io.rhizome.proto.store.WatchReply;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * A bounded window of the most recent events, in revision order, for watches.
 *
 * <p>Events before {@code floor} are no longer retained (evicted, or older than the snapshot this
 * peer started from); a watch asking for them is told it was compacted and must re-list.
 * Not thread-safe: the state machine guards it.
 */
final class EventLog {
  private final int capacity;
  private final ArrayDeque<Event> events = new ArrayDeque<>();
  /** Every event with revision > floor is retained. */
  private long floor;
  private long revision;

  EventLog(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("event log capacity must be at least 1");
    }
    this.capacity = capacity;
  }

  /** Forget everything: the state was replaced by a snapshot at {@code revision}. */
  void reset(long revision) {
    events.clear();
    this.floor = revision;
    this.revision = revision;
  }

  void append(Event event) {
    if (events.size() == capacity) {
      floor = events.removeFirst().getRevision();
    }
    events.addLast(event);
    revision = event.getRevision();
  }

  /** Notes that the store reached {@code revision} (a write that changed nothing keeps it). */
  void advanceTo(long storeRevision) {
    revision = Math.max(revision, storeRevision);
  }

  /**
   * Events under {@code prefix} after {@code afterRevision}, at most {@code limit} of them.
   * The reply's revision is where the caller continues: the last event returned when the limit
   * cut the answer short, else the current revision.
   */
  WatchReply since(String prefix, long afterRevision, int limit) {
    WatchReply.Builder reply = WatchReply.newBuilder();
    if (afterRevision < floor) {
      return reply.setCompacted(true).setRevision(revision).build();
    }
    long continueAt = revision;
    Iterator<Event> newestFirst = events.descendingIterator();
    ArrayDeque<Event> found = new ArrayDeque<>();
    while (newestFirst.hasNext()) {
      Event e = newestFirst.next();
      if (e.getRevision() <= afterRevision) {
        break;
      }
      if (e.getKv().getKey().startsWith(prefix)) {
        found.addFirst(e);
      }
    }
    int n = 0;
    for (Event e : found) {
      if (n == limit) {
        continueAt = reply.getEvents(n - 1).getRevision();
        break;
      }
      reply.addEvents(e);
      n++;
    }
    return reply.setRevision(continueAt).build();
  }

  long revision() {
    return revision;
  }
}
