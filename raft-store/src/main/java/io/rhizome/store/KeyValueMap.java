package io.rhizome.store;

import io.rhizome.proto.store.DeleteRequest;
import io.rhizome.proto.store.Event;
import io.rhizome.proto.store.ExpireRequest;
import io.rhizome.proto.store.KeyValue;
import io.rhizome.proto.store.PutRequest;
import io.rhizome.proto.store.StoreSnapshot;
import io.rhizome.proto.store.WriteReply;
import io.rhizome.proto.store.WriteRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The replicated state: keys with revisions, and the global revision counter.
 *
 * <p>Every method is deterministic: applying the same entries in the same order on every peer
 * gives the same map. No clock, no randomness, sorted iteration (TreeMap).
 * Not thread-safe: the state machine guards it.
 */
final class KeyValueMap {

  /** The outcome of one applied write: the reply for the client and the event it caused, if any. */
  record Applied(WriteReply reply, Optional<Event> event) {}

  private final TreeMap<String, KeyValue> keys = new TreeMap<>();
  private long revision;

  long revision() {
    return revision;
  }

  int size() {
    return keys.size();
  }

  Optional<KeyValue> get(String key) {
    return Optional.ofNullable(keys.get(key));
  }

  List<KeyValue> list(String prefix) {
    return new ArrayList<>(prefixView(prefix).values());
  }

  /** Keys that carry a TTL, for the leader's expirer. */
  List<KeyValue> keysWithTtl() {
    List<KeyValue> out = new ArrayList<>();
    for (KeyValue kv : keys.values()) {
      if (kv.getTtlMillis() > 0) {
        out.add(kv);
      }
    }
    return out;
  }

  /**
   * Applies one log entry. {@code entryTerm} is the Raft term the entry was appended in; an
   * expire is only valid in the term of the leader that judged the key expired.
   */
  Applied apply(WriteRequest request, long entryTerm) {
    return switch (request.getOpCase()) {
      case PUT -> put(request.getPut());
      case DELETE -> delete(request.getDelete());
      case EXPIRE -> expire(request.getExpire(), entryTerm);
      case OP_NOT_SET -> new Applied(failed(null), Optional.empty());
    };
  }

  private Applied put(PutRequest put) {
    KeyValue current = keys.get(put.getKey());
    if (put.hasExpectedModRevision() && !matches(current, put.getExpectedModRevision())) {
      return new Applied(failed(current), Optional.empty());
    }
    revision++;
    KeyValue written = KeyValue.newBuilder()
        .setKey(put.getKey())
        .setValue(put.getValue())
        .setCreateRevision(current == null ? revision : current.getCreateRevision())
        .setModRevision(revision)
        .setTtlMillis(Math.max(0, put.getTtlMillis()))
        .build();
    keys.put(put.getKey(), written);
    WriteReply reply = WriteReply.newBuilder()
        .setSucceeded(true).setRevision(revision).setCurrent(written).build();
    return new Applied(reply, Optional.of(event(Event.Type.PUT, written)));
  }

  private Applied delete(DeleteRequest delete) {
    KeyValue current = keys.get(delete.getKey());
    if (delete.hasExpectedModRevision() && !matches(current, delete.getExpectedModRevision())) {
      return new Applied(failed(current), Optional.empty());
    }
    if (current == null) {
      return new Applied(WriteReply.newBuilder().setSucceeded(true).setRevision(revision).build(),
          Optional.empty());
    }
    return removed(current, Event.Type.DELETE);
  }

  private Applied expire(ExpireRequest expire, long entryTerm) {
    KeyValue current = keys.get(expire.getKey());
    // A stale leader's proposal re-sent through the new leader carries the old term: the new
    // leader restarted every TTL at its election, so the key must not expire on the old clock.
    if (current == null || expire.getTerm() != entryTerm
        || current.getModRevision() != expire.getModRevision()) {
      return new Applied(failed(current), Optional.empty());
    }
    return removed(current, Event.Type.EXPIRE);
  }

  private Applied removed(KeyValue current, Event.Type type) {
    keys.remove(current.getKey());
    revision++;
    WriteReply reply = WriteReply.newBuilder()
        .setSucceeded(true).setRevision(revision).setDeleted(true).build();
    return new Applied(reply, Optional.of(event(type, current)));
  }

  private Event event(Event.Type type, KeyValue kv) {
    return Event.newBuilder().setType(type).setRevision(revision).setKv(kv).build();
  }

  private WriteReply failed(KeyValue current) {
    WriteReply.Builder reply = WriteReply.newBuilder().setSucceeded(false).setRevision(revision);
    if (current != null) {
      reply.setCurrent(current);
    }
    return reply.build();
  }

  /** CAS rule: 0 means "must not exist", N means "must be at mod revision N". */
  private static boolean matches(KeyValue current, long expectedModRevision) {
    if (expectedModRevision == 0) {
      return current == null;
    }
    return current != null && current.getModRevision() == expectedModRevision;
  }

  private java.util.SortedMap<String, KeyValue> prefixView(String prefix) {
    if (prefix.isEmpty()) {
      return keys;
    }
    // every key starting with prefix sorts at or after it; stop at the first that does not
    java.util.SortedMap<String, KeyValue> view = new TreeMap<>();
    for (var e : keys.tailMap(prefix).entrySet()) {
      if (!e.getKey().startsWith(prefix)) {
        break;
      }
      view.put(e.getKey(), e.getValue());
    }
    return view;
  }

  StoreSnapshot toSnapshot() {
    return StoreSnapshot.newBuilder().setRevision(revision).addAllKvs(keys.values()).build();
  }

  void restore(StoreSnapshot snapshot) {
    keys.clear();
    for (KeyValue kv : snapshot.getKvsList()) {
      keys.put(kv.getKey(), kv);
    }
    revision = snapshot.getRevision();
  }
}
