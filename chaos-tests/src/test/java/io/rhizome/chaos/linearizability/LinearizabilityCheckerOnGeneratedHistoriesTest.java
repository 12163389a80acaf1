package io.rhizome.chaos.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Long histories of a simulated atomic store, about the size the chaos tests record per key: the
 * checker must accept them and find a single corrupted read, within seconds.
 */
class LinearizabilityCheckerOnGeneratedHistoriesTest {
  private static final int CLIENTS = 5;
  private static final int OPERATIONS = 9_000; // 3 keys: 3,000 per key

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3})
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void acceptsLongHistoriesOfAnAtomicStore(long seed) {
    History h = new SimulatedRegisters(seed, 3, 0.03).generate(CLIENTS, OPERATIONS, -1);

    CheckResult result = new LinearizabilityChecker().check(h);

    assertTrue(result.linearizable(), result::explanation);
    assertEquals(3, result.keys().size());
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3})
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void findsOneCorruptedReadInALongHistory(long seed) {
    History h = new SimulatedRegisters(seed, 3, 0.03).generate(CLIENTS, OPERATIONS, OPERATIONS - 50);

    CheckResult result = new LinearizabilityChecker().check(h);

    assertFalse(result.linearizable(), result::explanation);
    assertTrue(result.explanation().contains("\"nobody wrote this\""), result::explanation);
  }
}
