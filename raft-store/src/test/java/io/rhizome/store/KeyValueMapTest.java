package io.rhizome.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.google.protobuf.ByteString;
import io.rhizome.proto.store.DeleteRequest;
import io.rhizome.proto.store.Event;
import io.rhizome.proto.store.ExpireRequest;
import io.rhizome.proto.store.KeyValue;
import io.rhizome.proto.store.PutRequest;
import io.rhizome.proto.store.WriteReply;
import io.rhizome.proto.store.WriteRequest;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KeyValueMapTest {

  /** Every write in the table is applied in this term unless a case says otherwise. */
  private static final long TERM = 2;

  /**
   * The state every write case starts from (revision 4):
   * /a created at 1 and rewritten at 3, /b at 2, /t (TTL 1 s) at 4.
   */
  private static KeyValueMap given() {
    KeyValueMap map = new KeyValueMap();
    for (WriteRequest w : List.of(put("/a", "1"), put("/b", "2"), put("/a", "3"),
        putTtl("/t", "x", 1000))) {
      assertTrue(map.apply(w, TERM).reply().getSucceeded());
    }
    assertEquals(4, map.revision());
    return map;
  }

  /** What a write must answer; {@code current} is (key, createRevision, modRevision, value). */
  record Expect(boolean succeeded, long revision, boolean deleted, Optional<Kv> current,
      Optional<Event.Type> event) {}

  record Kv(String key, long create, long mod, String value) {
    static Kv of(KeyValue kv) {
      return new Kv(kv.getKey(), kv.getCreateRevision(), kv.getModRevision(),
          kv.getValue().toStringUtf8());
    }
  }

  static Stream<Arguments> writes() {
    return Stream.of(
        // ---- put ----
        arguments("unconditional put of a new key creates it at the next revision",
            put("/c", "n"), TERM,
            ok(5, kv("/c", 5, 5, "n"), Event.Type.PUT)),
        arguments("unconditional put of an existing key keeps its create revision",
            put("/a", "n"), TERM,
            ok(5, kv("/a", 1, 5, "n"), Event.Type.PUT)),
        arguments("CAS put with the current mod revision succeeds",
            cas(put("/a", "n"), 3), TERM,
            ok(5, kv("/a", 1, 5, "n"), Event.Type.PUT)),
        arguments("CAS put with a stale mod revision fails and returns the current value",
            cas(put("/a", "n"), 1), TERM,
            failed(4, kv("/a", 1, 3, "3"))),
        arguments("CAS put expecting 0 (must not exist) on an existing key fails",
            cas(put("/a", "n"), 0), TERM,
            failed(4, kv("/a", 1, 3, "3"))),
        arguments("CAS put expecting 0 on a missing key creates it",
            cas(put("/c", "n"), 0), TERM,
            ok(5, kv("/c", 5, 5, "n"), Event.Type.PUT)),
        arguments("CAS put expecting a revision on a missing key fails with no current value",
            cas(put("/c", "n"), 3), TERM,
            failed(4, null)),
        arguments("CAS put expecting a future revision fails",
            cas(put("/a", "n"), 99), TERM,
            failed(4, kv("/a", 1, 3, "3"))),
        // ---- delete ----
        arguments("delete removes the key and reports it as it was",
            delete("/b"), TERM,
            deleted(5, Event.Type.DELETE)),
        arguments("delete of a missing key succeeds without a new revision or event",
            delete("/c"), TERM,
            new Expect(true, 4, false, Optional.empty(), Optional.empty())),
        arguments("CAS delete with the current mod revision removes the key",
            cas(delete("/a"), 3), TERM,
            deleted(5, Event.Type.DELETE)),
        arguments("CAS delete with a stale mod revision fails and returns the current value",
            cas(delete("/a"), 1), TERM,
            failed(4, kv("/a", 1, 3, "3"))),
        arguments("CAS delete expecting 0 on an existing key fails",
            cas(delete("/a"), 0), TERM,
            failed(4, kv("/a", 1, 3, "3"))),
        arguments("CAS delete expecting 0 on a missing key is a successful no-op",
            cas(delete("/c"), 0), TERM,
            new Expect(true, 4, false, Optional.empty(), Optional.empty())),
        arguments("CAS delete expecting a revision on a missing key fails",
            cas(delete("/c"), 4), TERM,
            failed(4, null)),
        // ---- expire ----
        arguments("expire at the key's mod revision in the proposer's term removes it",
            expire("/t", 4, TERM), TERM,
            deleted(5, Event.Type.EXPIRE)),
        arguments("expire at a stale mod revision (the key was refreshed) is refused",
            expire("/t", 3, TERM), TERM,
            failed(4, kv("/t", 4, 4, "x"))),
        arguments("expire proposed in an older term than the entry's is refused",
            expire("/t", 4, TERM - 1), TERM,
            failed(4, kv("/t", 4, 4, "x"))),
        arguments("expire proposed in a newer term than the entry's is refused",
            expire("/t", 4, TERM + 1), TERM,
            failed(4, kv("/t", 4, 4, "x"))),
        arguments("expire of a missing key is refused",
            expire("/c", 4, TERM), TERM,
            failed(4, null)),
        // ---- nonsense ----
        arguments("a write with no operation changes nothing",
            WriteRequest.getDefaultInstance(), TERM,
            failed(4, null)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("writes")
  void writeAnswersAndRevision(String name, WriteRequest write, long entryTerm, Expect expect) {
    KeyValueMap map = given();
    Optional<KeyValue> before = map.get(keyOf(write));

    KeyValueMap.Applied applied = map.apply(write, entryTerm);
    WriteReply reply = applied.reply();

    assertEquals(expect.succeeded(), reply.getSucceeded(), "succeeded");
    assertEquals(expect.revision(), reply.getRevision(), "reply revision");
    assertEquals(expect.revision(), map.revision(), "store revision counts only mutations");
    assertEquals(expect.deleted(), reply.getDeleted(), "deleted");
    assertEquals(expect.current(),
        reply.hasCurrent() ? Optional.of(Kv.of(reply.getCurrent())) : Optional.empty(), "current");
    assertEquals(expect.event(), applied.event().map(Event::getType), "event type");

    applied.event().ifPresent(e -> {
      assertEquals(expect.revision(), e.getRevision(), "event revision");
      // PUT carries the key as written, DELETE/EXPIRE the key as it was before removal
      KeyValue eventKv = e.getType() == Event.Type.PUT ? reply.getCurrent() : before.orElseThrow();
      assertEquals(eventKv, e.getKv());
    });
    if (expect.deleted()) {
      assertEquals(Optional.empty(), map.get(keyOf(write)));
    }
    if (expect.event().isEmpty()) {
      assertEquals(before, map.get(keyOf(write)), "a write without an event leaves the key alone");
    }
  }

  @Test
  void ttlIsStoredAndNegativeTtlMeansNone() {
    KeyValueMap map = new KeyValueMap();
    map.apply(putTtl("/ttl", "v", 1500), TERM);
    map.apply(putTtl("/neg", "v", -5), TERM);
    map.apply(put("/plain", "v"), TERM);

    assertEquals(1500, map.get("/ttl").orElseThrow().getTtlMillis());
    assertEquals(0, map.get("/neg").orElseThrow().getTtlMillis());
    assertEquals(List.of("/ttl"), map.keysWithTtl().stream().map(KeyValue::getKey).toList());
  }

  @Test
  void rewritingATtlKeyWithoutTtlDropsTheTtl() {
    KeyValueMap map = new KeyValueMap();
    map.apply(putTtl("/k", "v", 1000), TERM);
    map.apply(put("/k", "v"), TERM);

    assertEquals(List.of(), map.keysWithTtl());
  }

  static Stream<Arguments> prefixes() {
    return Stream.of(
        arguments("", List.of("/a", "/a/x", "/a/y", "/a/\uffff", "/ab", "/b/z")),
        arguments("/a", List.of("/a", "/a/x", "/a/y", "/a/\uffff", "/ab")),
        // a key may hold any character after the prefix, even the largest one
        arguments("/a/", List.of("/a/x", "/a/y", "/a/\uffff")),
        arguments("/a/x", List.of("/a/x")),
        arguments("/b/", List.of("/b/z")),
        arguments("/c/", List.of()),
        arguments("/a/x/deeper", List.of()));
  }

  @ParameterizedTest(name = "list(\"{0}\") = {1}")
  @MethodSource("prefixes")
  void listReturnsExactlyTheKeysUnderThePrefixInKeyOrder(String prefix, List<String> keys) {
    KeyValueMap map = new KeyValueMap();
    // inserted out of order: the answer must still be sorted
    for (String k : List.of("/b/z", "/a/y", "/ab", "/a", "/a/x", "/a/\uffff")) {
      map.apply(put(k, k), TERM);
    }

    assertEquals(keys, map.list(prefix).stream().map(KeyValue::getKey).toList());
  }

  @Test
  void snapshotRoundTripRestoresKeysRevisionsAndTtls() {
    KeyValueMap original = given();
    original.apply(delete("/b"), TERM);
    original.apply(put("/c", "y"), TERM);

    KeyValueMap restored = new KeyValueMap();
    restored.apply(put("/stale", "must vanish"), TERM); // restore replaces, never merges
    restored.restore(original.toSnapshot());

    assertEquals(original.revision(), restored.revision());
    assertEquals(original.size(), restored.size());
    assertEquals(original.list(""), restored.list(""));
    assertEquals(original.keysWithTtl(), restored.keysWithTtl());
    assertEquals(original.toSnapshot(), restored.toSnapshot());
    // and both go on identically: the next write gets the same revision and reply
    WriteRequest next = cas(put("/a", "z"), 3);
    assertEquals(original.apply(next, TERM), restored.apply(next, TERM));
  }

  @Test
  void emptySnapshotRestoresAnEmptyMapAtRevisionZero() {
    KeyValueMap restored = given();
    restored.restore(new KeyValueMap().toSnapshot());

    assertEquals(0, restored.revision());
    assertEquals(List.of(), restored.list(""));
  }

  // ---- builders ----

  static WriteRequest put(String key, String value) {
    return putTtl(key, value, 0);
  }

  static WriteRequest putTtl(String key, String value, long ttlMillis) {
    return WriteRequest.newBuilder().setPut(PutRequest.newBuilder().setKey(key)
        .setValue(ByteString.copyFromUtf8(value)).setTtlMillis(ttlMillis)).build();
  }

  static WriteRequest delete(String key) {
    return WriteRequest.newBuilder().setDelete(DeleteRequest.newBuilder().setKey(key)).build();
  }

  static WriteRequest expire(String key, long modRevision, long term) {
    return WriteRequest.newBuilder().setExpire(ExpireRequest.newBuilder()
        .setKey(key).setModRevision(modRevision).setTerm(term)).build();
  }

  /** The same write as a compare-and-set on {@code expected}. */
  static WriteRequest cas(WriteRequest w, long expected) {
    return switch (w.getOpCase()) {
      case PUT -> w.toBuilder().setPut(w.getPut().toBuilder().setExpectedModRevision(expected)).build();
      case DELETE -> w.toBuilder()
          .setDelete(w.getDelete().toBuilder().setExpectedModRevision(expected)).build();
      default -> throw new IllegalArgumentException("no CAS for " + w.getOpCase());
    };
  }

  private static String keyOf(WriteRequest w) {
    return switch (w.getOpCase()) {
      case PUT -> w.getPut().getKey();
      case DELETE -> w.getDelete().getKey();
      case EXPIRE -> w.getExpire().getKey();
      case OP_NOT_SET -> "";
    };
  }

  private static Kv kv(String key, long create, long mod, String value) {
    return new Kv(key, create, mod, value);
  }

  private static Expect ok(long revision, Kv current, Event.Type event) {
    return new Expect(true, revision, false, Optional.of(current), Optional.of(event));
  }

  private static Expect deleted(long revision, Event.Type event) {
    return new Expect(true, revision, true, Optional.empty(), Optional.of(event));
  }

  private static Expect failed(long revision, Kv current) {
    return new Expect(false, revision, false, Optional.ofNullable(current), Optional.empty());
  }
}
