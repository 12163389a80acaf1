package io.rhizome.chaos.linearizability;

import static io.rhizome.chaos.linearizability.KeyResult.Verdict.LINEARIZABLE;
import static io.rhizome.chaos.linearizability.KeyResult.Verdict.NOT_LINEARIZABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.chaos.linearizability.KeyResult.Verdict;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Hand-written histories, times in arbitrary units; null is "absent". */
class LinearizabilityCheckerTest {
  private static final String X = "x";

  static Stream<Arguments> histories() {
    return Stream.of(
        // ---- linearizable ----
        c("write then read sees it", LINEARIZABLE, h -> {
          h.write(1, X, "a", 0, 10);
          h.read(2, X, "a", 20, 30);
        }),
        c("read of a fresh key sees it absent", LINEARIZABLE, h -> h.read(1, X, null, 0, 10)),
        c("overlapping writes, later read sees the first invoked", LINEARIZABLE, h -> {
          h.write(1, X, "a", 0, 10);
          h.write(2, X, "b", 5, 15);
          h.read(3, X, "b", 20, 30);
        }),
        c("overlapping writes, later read sees the second invoked", LINEARIZABLE, h -> {
          h.write(1, X, "a", 0, 10);
          h.write(2, X, "b", 5, 15);
          h.read(3, X, "a", 20, 30);
          h.read(3, X, "a", 40, 50);
        }),
        c("read concurrent with a write may see the old value", LINEARIZABLE, h -> {
          h.write(1, X, "a", 0, 10);
          h.write(1, X, "b", 20, 40);
          h.read(2, X, "a", 25, 30);
          h.read(2, X, "b", 45, 50);
        }),
        c("reads concurrent with a write may see it before it completes", LINEARIZABLE, h -> {
          h.write(1, X, "a", 0, 100);
          h.read(2, X, "a", 10, 20);
          h.read(3, X, "a", 30, 40);
        }),
        c("unknown write that took effect is seen later", LINEARIZABLE, h -> {
          h.write(1, X, "a", 0, 10);
          h.writeUnknown(2, X, "b", 20);
          h.read(3, X, "b", 100, 110);
        }),
        c("unknown write that never took effect", LINEARIZABLE, h -> {
          h.write(1, X, "a", 0, 10);
          h.writeUnknown(2, X, "b", 20);
          h.read(3, X, "a", 100, 110);
          h.read(3, X, "a", 200, 210);
        }),
        c("unknown write may take effect long after the client gave up", LINEARIZABLE, h -> {
          h.writeUnknown(1, X, "a", 0);
          h.read(2, X, null, 100, 110);
          h.read(2, X, "a", 200, 210);
        }),
        c("unknown write overwritten before anyone read it", LINEARIZABLE, h -> {
          h.writeUnknown(1, X, "a", 0);
          h.write(2, X, "b", 10, 20);
          h.read(3, X, "b", 30, 40);
        }),
        c("cas from the value just read", LINEARIZABLE, h -> {
          h.write(1, X, "a", 0, 10);
          h.read(2, X, "a", 20, 30);
          h.cas(2, X, "a", "b", 40, 50);
          h.read(3, X, "b", 60, 70);
        }),
        c("cas on a key that must not exist", LINEARIZABLE, h -> {
          h.cas(1, X, null, "a", 0, 10);
          h.read(2, X, "a", 20, 30);
        }),
        c("cas refused because a concurrent write got in first", LINEARIZABLE, h -> {
          h.write(1, X, "a", 0, 10);
          h.read(2, X, "a", 20, 30);
          h.write(3, X, "b", 35, 45);
          h.casRefused(2, X, "a", "c", "b", 40, 50);
        }),
        c("two cas racing from the same value: one wins", LINEARIZABLE, h -> {
          h.write(1, X, "a", 0, 10);
          h.cas(2, X, "a", "b", 20, 40);
          h.casRefused(3, X, "a", "c", "b", 25, 45);
          h.read(1, X, "b", 50, 60);
        }),
        c("unknown cas that took effect", LINEARIZABLE, h -> {
          h.write(1, X, "a", 0, 10);
          h.casUnknown(2, X, "a", "b", 20);
          h.read(3, X, "b", 100, 110);
        }),
        c("unknown cas then a cas from what it wrote", LINEARIZABLE, h -> {
          h.write(1, X, "a", 0, 10);
          h.casUnknown(2, X, "a", "b", 20);
          h.cas(3, X, "b", "c", 100, 110);
          h.read(1, X, "c", 120, 130);
        }),
        c("touching intervals count as concurrent", LINEARIZABLE, h -> {
          h.write(1, X, "a", 0, 10);
          h.read(2, X, null, 10, 20);
        }),
        c("keys are independent registers", LINEARIZABLE, h -> {
          h.write(1, "x", "a", 0, 10);
          h.write(1, "y", "b", 20, 30);
          h.read(2, "x", "a", 40, 50);
          h.read(2, "y", "b", 40, 50);
        }),

        // ---- not linearizable ----
        c("stale read after a completed write", NOT_LINEARIZABLE, h -> {
          h.write(1, X, "a", 0, 10);
          h.write(1, X, "b", 20, 30);
          h.read(2, X, "a", 40, 50);
        }),
        c("lost acknowledged write", NOT_LINEARIZABLE, h -> {
          h.write(1, X, "a", 0, 10);
          h.read(2, X, null, 20, 30);
        }),
        c("lost acknowledged write behind a later read of it", NOT_LINEARIZABLE, h -> {
          h.write(1, X, "a", 0, 10);
          h.read(2, X, "a", 20, 30);
          h.read(3, X, null, 40, 50);
        }),
        c("cas success from an impossible state", NOT_LINEARIZABLE, h -> {
          h.write(1, X, "a", 0, 10);
          h.write(1, X, "b", 20, 30);
          h.cas(2, X, "a", "c", 40, 50);
        }),
        c("cas must-not-exist succeeds on an existing key", NOT_LINEARIZABLE, h -> {
          h.write(1, X, "a", 0, 10);
          h.cas(2, X, null, "b", 20, 30);
        }),
        c("two cas from the same value both succeed", NOT_LINEARIZABLE, h -> {
          h.write(1, X, "a", 0, 10);
          h.cas(2, X, "a", "b", 20, 40);
          h.cas(3, X, "a", "c", 25, 45);
        }),
        c("cas refused although the key held the expected value", NOT_LINEARIZABLE, h -> {
          h.write(1, X, "a", 0, 10);
          h.casRefused(2, X, "a", "b", "a", 20, 30);
        }),
        c("read of a value nobody wrote", NOT_LINEARIZABLE, h -> h.read(1, X, "z", 0, 10)),
        c("read sees a write before it was invoked", NOT_LINEARIZABLE, h -> {
          h.read(1, X, "a", 0, 10);
          h.write(2, X, "a", 20, 30);
        }),
        c("unknown write seen before it was invoked", NOT_LINEARIZABLE, h -> {
          h.read(1, X, "a", 0, 10);
          h.writeUnknown(2, X, "a", 20);
        }),
        c("value flips back after both writes completed", NOT_LINEARIZABLE, h -> {
          h.write(1, X, "a", 0, 10);
          h.write(2, X, "b", 0, 10);
          h.read(3, X, "a", 20, 30);
          h.read(3, X, "b", 40, 50);
          h.read(3, X, "a", 60, 70);
        }),
        c("one bad key among good ones", NOT_LINEARIZABLE, h -> {
          h.write(1, "good", "a", 0, 10);
          h.read(2, "good", "a", 20, 30);
          h.write(1, "bad", "b", 0, 10);
          h.read(2, "bad", null, 20, 30);
        }));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("histories")
  void classifiesHandWrittenHistories(History history, Verdict expected) {
    CheckResult result = new LinearizabilityChecker().check(history);
    assertEquals(expected == LINEARIZABLE, result.linearizable(), result::explanation);
    assertTrue(result.keys().stream().allMatch(k -> k.verdict() == LINEARIZABLE
        || k.verdict() == expected), result::explanation);
  }

  @Test
  void explanationNamesTheKeyAndTheOperationThatCannotTakeEffect() {
    History h = new History();
    h.write(1, "good", "a", 0, 10);
    h.write(1, "/lin/k1", "a", 0, 10_000_000);
    h.write(1, "/lin/k1", "b", 20_000_000, 30_000_000);
    Operation stale = h.read(2, "/lin/k1", "a", 40_000_000, 50_000_000);

    CheckResult result = new LinearizabilityChecker().check(h);

    assertFalse(result.linearizable());
    String text = result.explanation();
    assertTrue(text.contains("key /lin/k1 is NOT linearizable"), text);
    assertTrue(text.contains("#" + stale.id() + " p2 read -> \"a\" ok [40.000 .. 50.000 ms]"), text);
    assertTrue(text.contains("leaves the key \"b\""), text);
  }

  @Test
  void refusesHistoriesThatWriteAValueTwice() {
    History h = new History();
    h.write(1, X, "a", 0, 10);
    h.write(2, X, "a", 20, 30);
    assertThrows(IllegalArgumentException.class, () -> new LinearizabilityChecker().check(h));
  }

  @Test
  void givesUpWithinItsBudgetInsteadOfRunningForever() {
    History h = new History();
    for (int i = 0; i < 20; i++) {
      h.write(i, X, "v" + i, 0, 100);
    }
    h.read(99, X, "nobody wrote this", 200, 210);
    KeyResult result = new LinearizabilityChecker(1_000).check(h).keys().get(0);
    assertEquals(Verdict.INCONCLUSIVE, result.verdict(), result.explanation());
  }

  private static Arguments c(String name, Verdict expected, Consumer<History> ops) {
    History h = new History();
    ops.accept(h);
    return Arguments.of(Named.of(name, h), expected);
  }
}
