package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.rhizome.node.keeper.PgSession.TimelineHistoryEntry;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** WAL positions ("X/Y") and timeline history files as PostgreSQL prints them. */
class PgLsnTest {
  static Stream<Arguments> lsns() {
    return Stream.of(
        Arguments.of("0/0", 0L),
        Arguments.of("0/3000060", 0x3000060L),
        Arguments.of("16/B374D848", 0x16B374D848L),
        Arguments.of("16/b374d848", 0x16B374D848L),
        Arguments.of("1/0", 1L << 32),
        Arguments.of("FFFFFFFF/FFFFFFFF", -1L));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("lsns")
  void parsesAndFormatsLsns(String text, long lsn) {
    assertEquals(lsn, PgSession.parseLsn(text));
    assertEquals(text.toUpperCase(), PgSession.formatLsn(lsn));
  }

  @ParameterizedTest(name = "[{0}] is refused")
  @ValueSource(strings = {"", "3000060", "0/", "/1", "0/123456789", "G/1", "0/1/2"})
  void refusesWhatIsNotAnLsn(String text) {
    assertThrows(IllegalArgumentException.class, () -> PgSession.parseLsn(text));
  }

  @Test
  void timelineHistoryLinesAreParentTimelineSwitchPointAndReason() {
    String content = "1\t0/3000060\tno recovery target specified\n"
        + "\n"
        + "# a comment\n"
        + "2\t0/50000D8\tno recovery target specified\n";
    assertEquals(List.of(
            new TimelineHistoryEntry(1, 0x3000060L, "no recovery target specified"),
            new TimelineHistoryEntry(2, 0x50000D8L, "no recovery target specified")),
        PgSession.parseTimelineHistory(content));
    assertEquals(List.of(), PgSession.parseTimelineHistory(""));
  }
}
