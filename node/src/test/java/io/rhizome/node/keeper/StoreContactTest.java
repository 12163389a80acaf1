package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StoreContactTest {
  /** System.nanoTime() has an arbitrary origin and may be negative. */
  private static final long T0 = -5_000_000_000L;

  static Stream<Arguments> cases() {
    return Stream.of(
        // name, last read start, last write start (ms after T0; -1 = none since the start), now, cut off for
        arguments("just started: in contact", -1, -1, 0, 0),
        arguments("nothing since the start counts from the start", -1, -1, 1500, 1500),
        arguments("both recent: the older of the two", 900, 1000, 1100, 200),
        arguments("reads succeed but writes fail: cut off since the last write", 2900, 500, 3000, 2500),
        arguments("writes succeed but reads fail: cut off since the last read", 400, 2950, 3000, 2600),
        arguments("an answer to an old call does not move the clock back", 1000, 1000, 1200, 200));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void cutOffSinceTheOlderOfTheLastReadAndTheLastWrite(String name, long readMs, long writeMs, long nowMs,
      long expectedMs) {
    StoreContact c = new StoreContact(T0);
    if (readMs >= 0) {
      c.read(at(readMs));
      c.read(at(readMs - 300)); // an answer arriving late for a call that started earlier
    }
    if (writeMs >= 0) {
      c.wrote(at(writeMs));
      c.wrote(at(writeMs - 300));
    }
    assertEquals(Duration.ofMillis(expectedMs), c.cutOffFor(at(nowMs)));
  }

  private static long at(long ms) {
    return T0 + ms * 1_000_000L;
  }
}
