package io.rhizome.chaos.linearizability;

/**
 * The verdict on one key.
 *
 * @param operations how many of the key's operations the search had to place
 * @param explanation for a person: why not linearizable, or why the search gave up
 */
public record KeyResult(String key, Verdict verdict, int operations, String explanation) {

  public enum Verdict {
    LINEARIZABLE,
    NOT_LINEARIZABLE,
    /** The search hit its state budget before deciding. */
    INCONCLUSIVE
  }

  public boolean linearizable() {
    return verdict == Verdict.LINEARIZABLE;
  }
}
