package io.rhizome.chaos.linearizability;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Decides whether a history of register operations is linearizable.
 *
 * <p>Keys are independent registers, and linearizability is compositional (a history is
 * linearizable iff each key's sub-history is), so each key is checked on its own by a
 * {@link KeySearch}: the Wing–Gong search with Lowe's memoization of (placed operations, state).
 */
public final class LinearizabilityChecker {
  /** Distinct (placed operations, state) configurations one key may visit before giving up. */
  public static final int DEFAULT_STATE_BUDGET = 2_000_000;

  private final int stateBudget;

  public LinearizabilityChecker() {
    this(DEFAULT_STATE_BUDGET);
  }

  public LinearizabilityChecker(int stateBudget) {
    this.stateBudget = stateBudget;
  }

  public CheckResult check(History history) {
    List<KeyResult> results = new ArrayList<>();
    for (Map.Entry<String, List<Operation>> key : history.byKey().entrySet()) {
      results.add(checkKey(key.getKey(), key.getValue()));
    }
    return new CheckResult(results);
  }

  /** One key's operations (all with that key). */
  public KeyResult checkKey(String key, List<Operation> operations) {
    return new KeySearch(key, KeySearch.relevant(operations), stateBudget).run();
  }
}
