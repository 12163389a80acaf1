package io.rhizome.chaos.linearizability;

import java.util.List;
import java.util.Optional;

/** The checker's verdict on a whole history: one {@link KeyResult} per key, keys in order. */
public record CheckResult(List<KeyResult> keys) {

  public CheckResult {
    keys = List.copyOf(keys);
  }

  /** True when every key is linearizable (an inconclusive key is not). */
  public boolean linearizable() {
    return keys.stream().allMatch(KeyResult::linearizable);
  }

  public Optional<KeyResult> firstProblem() {
    return keys.stream().filter(k -> !k.linearizable()).findFirst();
  }

  /** One paragraph: all is well, or what is wrong with the first key that is not. */
  public String explanation() {
    int ops = keys.stream().mapToInt(KeyResult::operations).sum();
    return firstProblem()
        .map(k -> k.explanation() + (problems() > 1
            ? "\n(" + (problems() - 1) + " more key(s) not shown are not linearizable either)" : ""))
        .orElse("linearizable: " + keys.size() + " key(s), " + ops + " operation(s) placed");
  }

  private long problems() {
    return keys.stream().filter(k -> !k.linearizable()).count();
  }

  @Override
  public String toString() {
    return explanation();
  }
}
