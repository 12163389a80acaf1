package io.rhizome.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The proxy's fence rule (ProxyController.storeDeadlinePassed), proxyTimeout 3 s, margin 200 ms. */
class ProxyStoreDeadlineTest {
  private static final long S = 1_000_000_000L;
  private static final long MS = 1_000_000L;
  private static final long NOW = 1_000 * S;

  static Stream<Arguments> rows() {
    return Stream.of(
        Arguments.of("never wrote", 0L, NOW - 100 * MS, true),
        Arguments.of("never read", NOW - 100 * MS, 0L, true),
        Arguments.of("fresh write and read", NOW - 100 * MS, NOW - 100 * MS, false),
        Arguments.of("write 2.79 s old", NOW - 2_790 * MS, NOW - 100 * MS, false),
        Arguments.of("write 2.8 s old: the key may expire", NOW - 2_800 * MS, NOW - 100 * MS, true),
        Arguments.of("read 2.8 s old, writes go through: no fence by itself", NOW - 100 * MS, NOW - 2_800 * MS, false),
        Arguments.of("read 5 s old, last write 2 s old: the write rule decides", NOW - 2_000 * MS, NOW - 5 * S, false),
        Arguments.of("read and write both old", NOW - 3 * S, NOW - 3 * S, true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void fencesWhenTheInfoKeyMayExpire(String name, long lastPublishStart, long lastReadStart, boolean fence) {
    assertEquals(fence, ProxyController.storeDeadlinePassed(NOW, lastPublishStart, lastReadStart, Duration.ofSeconds(3)));
  }
}
