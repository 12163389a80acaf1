package io.rhizome.chaos.linearizability;

import io.rhizome.chaos.linearizability.Operation.Kind;
import io.rhizome.chaos.linearizability.Operation.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The operations clients performed, in the order they were recorded. Thread-safe: client threads
 * record into one history. Values follow {@link Operation}: {@code null} is "absent".
 */
public final class History {
  private final List<Operation> operations = new ArrayList<>();

  public Operation read(int process, String key, String observed, long invoke, long complete) {
    return add(process, key, Kind.READ, null, null, observed, Outcome.OK, invoke, complete);
  }

  public Operation write(int process, String key, String value, long invoke, long complete) {
    return add(process, key, Kind.WRITE, null, value, null, Outcome.OK, invoke, complete);
  }

  public Operation writeUnknown(int process, String key, String value, long invoke) {
    return add(process, key, Kind.WRITE, null, value, null, Outcome.UNKNOWN, invoke, Long.MAX_VALUE);
  }

  public Operation cas(int process, String key, String expected, String value, long invoke,
      long complete) {
    return add(process, key, Kind.CAS, expected, value, null, Outcome.OK, invoke, complete);
  }

  /** A CAS the store refused because the key held {@code current} (null: absent). */
  public Operation casRefused(int process, String key, String expected, String value,
      String current, long invoke, long complete) {
    return add(process, key, Kind.CAS, expected, value, current, Outcome.FAIL, invoke, complete);
  }

  public Operation casUnknown(int process, String key, String expected, String value, long invoke) {
    return add(process, key, Kind.CAS, expected, value, null, Outcome.UNKNOWN, invoke, Long.MAX_VALUE);
  }

  private synchronized Operation add(int process, String key, Kind kind, String expected,
      String value, String observed, Outcome outcome, long invoke, long complete) {
    Operation op = new Operation(operations.size(), process, key, kind, expected, value, observed,
        outcome, invoke, complete);
    operations.add(op);
    return op;
  }

  public synchronized List<Operation> operations() {
    return List.copyOf(operations);
  }

  /** Operations grouped by key, keys in order: each key is an independent register. */
  public synchronized Map<String, List<Operation>> byKey() {
    Map<String, List<Operation>> out = new TreeMap<>();
    for (Operation op : operations) {
      out.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
    }
    return out;
  }

  public synchronized int size() {
    return operations.size();
  }
}
