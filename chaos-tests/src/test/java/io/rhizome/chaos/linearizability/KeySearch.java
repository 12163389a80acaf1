package io.rhizome.chaos.linearizability;

import io.rhizome.chaos.linearizability.KeyResult.Verdict;
import io.rhizome.chaos.linearizability.Operation.Kind;
import io.rhizome.chaos.linearizability.Operation.Outcome;
import io.rhizome.chaos.linearizability.RegisterModel.State;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The Wing–Gong linearizability search on one key, with Lowe's memoization (as in Porcupine).
 *
 * <p>Invocations and completions form one time-ordered list. Walking it from the front, the
 * search tries to let each invoked operation take effect now (the model must allow it, and the
 * pair (set of placed operations, state) must be new); a placed operation leaves the list. Meeting
 * a completion means its operation should already have taken effect: undo the last choice and try
 * the next. An operation with an unknown outcome completes at infinity, so it never forces a
 * backtrack and may stay unplaced (it never happened); the search succeeds once every operation
 * with a known outcome is placed.
 */
final class KeySearch {
  private static final int SHOWN = 8;

  private static final class Entry {
    final int op;
    final boolean call;
    final long time;
    Entry match;
    Entry prev;
    Entry next;

    Entry(int op, boolean call, long time) {
      this.op = op;
      this.call = call;
      this.time = time;
    }
  }

  private record Placed(BitSet ops, State state) {}

  private record Choice(Entry call, State before) {}

  /** The deepest dead end: what was placed, the state it led to, the operation that was due. */
  private record DeadEnd(List<Integer> order, BitSet placed, State state, int due) {}

  private final String key;
  private final List<Operation> ops;
  private final int stateBudget;
  private final Entry head = new Entry(-1, true, Long.MIN_VALUE);

  KeySearch(String key, List<Operation> ops, int stateBudget) {
    this.key = key;
    this.ops = List.copyOf(ops);
    this.stateBudget = stateBudget;
  }

  /**
   * The operations that constrain the register. Reads without a result and writes known not to
   * have happened say nothing. An unknown write whose value nobody ever observed is dropped too:
   * in any valid order it is directly followed by a blind write (or nothing), so leaving it out
   * keeps the order valid, and the search stays small when many writes time out.
   */
  static List<Operation> relevant(List<Operation> all) {
    Map<String, Operation> writers = new HashMap<>();
    Set<String> observed = new HashSet<>();
    for (Operation op : all) {
      if (op.mutates()) {
        Operation other = writers.put(op.value(), op);
        if (other != null) {
          throw new IllegalArgumentException("key " + op.key() + ": value " + Operation.show(op.value())
              + " is written by #" + other.id() + " and #" + op.id()
              + "; the register model needs every written value to be unique");
        }
      }
      if (op.kind() == Kind.CAS) {
        observed.add(op.expected());
      }
      if (op.kind() == Kind.READ && op.outcome() == Outcome.OK
          || op.kind() == Kind.CAS && op.outcome() == Outcome.FAIL) {
        observed.add(op.observed());
      }
    }
    return all.stream().filter(op -> switch (op.outcome()) {
      case OK -> true;
      case FAIL -> op.kind() == Kind.CAS; // a refused CAS still saw the current value
      case UNKNOWN -> op.mutates() && observed.contains(op.value());
    }).toList();
  }

  KeyResult run() {
    buildList();
    BitSet placed = new BitSet(ops.size());
    Set<Placed> seen = new HashSet<>();
    List<Choice> choices = new ArrayList<>();
    State state = RegisterModel.initial();
    int due = (int) ops.stream().filter(KeySearch::required).count();
    DeadEnd deepest = null;
    Entry entry = head.next;
    while (due > 0) {
      if (entry.call) {
        Operation op = ops.get(entry.op);
        Optional<State> next = RegisterModel.step(state, op);
        if (next.isPresent()) {
          placed.set(entry.op);
          if (!seen.contains(new Placed(placed, next.get()))) {
            if (seen.size() >= stateBudget) {
              return result(Verdict.INCONCLUSIVE, "key " + key + ": gave up after " + stateBudget
                  + " search states (" + ops.size() + " operations); check a shorter history");
            }
            seen.add(new Placed((BitSet) placed.clone(), next.get()));
            choices.add(new Choice(entry, state));
            state = next.get();
            lift(entry);
            due -= required(op) ? 1 : 0;
            entry = head.next;
            continue;
          }
          placed.clear(entry.op);
        }
        entry = entry.next;
      } else {
        // entry.op completed, so it must already have taken effect: undo the last choice
        if (deepest == null || choices.size() > deepest.order().size()) {
          deepest = new DeadEnd(choices.stream().map(c -> c.call().op).toList(),
              (BitSet) placed.clone(), state, entry.op);
        }
        if (choices.isEmpty()) {
          return result(Verdict.NOT_LINEARIZABLE, explain(deepest));
        }
        Choice last = choices.remove(choices.size() - 1);
        state = last.before();
        placed.clear(last.call().op);
        unlift(last.call());
        due += required(ops.get(last.call().op)) ? 1 : 0;
        entry = last.call().next;
      }
    }
    return result(Verdict.LINEARIZABLE, "key " + key + " is linearizable");
  }

  private KeyResult result(Verdict verdict, String explanation) {
    return new KeyResult(key, verdict, ops.size(), explanation);
  }

  /** Completed operations must be placed; unknown ones may never have happened. */
  private static boolean required(Operation op) {
    return op.outcome() != Outcome.UNKNOWN;
  }

  private void buildList() {
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      Entry call = new Entry(i, true, ops.get(i).invokeNanos());
      Entry ret = new Entry(i, false, ops.get(i).completeNanos());
      call.match = ret;
      ret.match = call;
      entries.add(call);
      entries.add(ret);
    }
    // on a tie, invocation first: treat touching operations as concurrent (never a false alarm)
    entries.sort(Comparator.<Entry>comparingLong(e -> e.time).thenComparing(e -> !e.call)
        .thenComparingInt(e -> e.op));
    Entry prev = head;
    for (Entry e : entries) {
      prev.next = e;
      e.prev = prev;
      prev = e;
    }
  }

  private static void lift(Entry call) {
    unlink(call);
    unlink(call.match);
  }

  private static void unlink(Entry e) {
    e.prev.next = e.next;
    if (e.next != null) {
      e.next.prev = e.prev;
    }
  }

  /** Undoes {@link #lift}; valid because choices are undone in reverse order. */
  private static void unlift(Entry call) {
    relink(call.match);
    relink(call);
  }

  private static void relink(Entry e) {
    e.prev.next = e;
    if (e.next != null) {
      e.next.prev = e;
    }
  }

  private String explain(DeadEnd end) {
    long origin = ops.stream().mapToLong(Operation::invokeNanos).min().orElse(0);
    Operation due = ops.get(end.due());
    StringBuilder s = new StringBuilder();
    s.append("key ").append(key).append(" is NOT linearizable: no order of its ").append(ops.size())
        .append(" operations agrees with both their timing and a register.\n")
        .append("The longest valid order found places ").append(end.order().size())
        .append(" operation(s) and leaves the key ").append(end.state())
        .append("; then this operation had completed, but neither it nor any open operation can take effect:\n  ")
        .append(due.describe(origin)).append('\n');
    List<Integer> order = end.order();
    if (!order.isEmpty()) {
      s.append("Last operations of that order:\n");
      order.subList(Math.max(0, order.size() - SHOWN), order.size())
          .forEach(i -> s.append("  ").append(ops.get(i).describe(origin)).append('\n'));
    }
    List<Operation> open = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      Operation op = ops.get(i);
      if (i != end.due() && !end.placed().get(i) && op.invokeNanos() <= due.completeNanos()) {
        open.add(op);
      }
    }
    if (!open.isEmpty()) {
      s.append("Open operations at that point (invoked, not placed):\n");
      s.append(open.stream().limit(SHOWN).map(op -> "  " + op.describe(origin))
          .collect(Collectors.joining("\n")));
      if (open.size() > SHOWN) {
        s.append("\n  ... and ").append(open.size() - SHOWN).append(" more");
      }
    }
    return s.toString().stripTrailing();
  }
}
