package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.node.keeper.PgServer.ControlData;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PgControlDataParseTest {
  /** pg_controldata output (PostgreSQL 15, LC_ALL=C), trimmed to the lines around ours. */
  private static String sample(String systemId, String state, String checkpoint, String tli,
      String minRecovery, String minRecoveryTli, String checksums) {
    return "pg_control version number:            1300\n"
        + "Catalog version number:               202209061\n"
        + "Database system identifier:           " + systemId + "\n"
        + "Database cluster state:               " + state + "\n"
        + "pg_control last modified:             Sun Nov 22 06:23:27 2026\n"
        + "Latest checkpoint location:           " + checkpoint + "\n"
        + "Latest checkpoint's REDO location:    0/1741888\n"
        + "Latest checkpoint's TimeLineID:       " + tli + "\n"
        + "Latest checkpoint's PrevTimeLineID:   1\n"
        + "Latest checkpoint's NextXID:          0:725\n"
        + "Latest checkpoint's oldestCommitTsXid:0\n"
        + "Time of latest checkpoint:            Sun Nov 22 06:23:27 2026\n"
        + "Minimum recovery ending location:     " + minRecovery + "\n"
        + "Min recovery ending loc's timeline:   " + minRecoveryTli + "\n"
        + "wal_level setting:                    replica\n"
        + "Data page checksum version:           " + checksums + "\n"
        + "Mock authentication nonce:            2e82f36d2f1260ddcbc874db5ba209b94573d08ba9a1e66220aba5760c635199\n";
  }

  static Stream<Arguments> outputs() {
    return Stream.of(
        Arguments.of(sample("7710877651549515350", "shut down", "0/1741888", "1", "0/0", "0", "1"),
            new ControlData(7710877651549515350L, "shut down", 0x1741888L, 1, 1, 0, 0)),
        Arguments.of(sample("7710877651549515350", "in production", "0/3000060", "1", "0/0", "0", "0"),
            new ControlData(7710877651549515350L, "in production", 0x3000060L, 1, 0, 0, 0)),
        Arguments.of(sample("7710877651549515350", "in archive recovery", "0/5000028", "2",
                "0/50000D8", "2", "1"),
            new ControlData(7710877651549515350L, "in archive recovery", 0x5000028L, 2, 1,
                0x50000D8L, 2)),
        Arguments.of(sample("7710877651549515350", "shut down in recovery", "1F/AB000028", "3",
                "1F/AB0000A0", "3", "1"),
            new ControlData(7710877651549515350L, "shut down in recovery", 0x1FAB000028L, 3, 1,
                0x1FAB0000A0L, 3)),
        // Identifiers above 2^63 are unsigned in PostgreSQL; they keep their bits in a long.
        Arguments.of(sample("18446744073709551615", "in crash recovery", "0/1", "1", "0/0", "0", "1"),
            new ControlData(-1L, "in crash recovery", 1, 1, 1, 0, 0)));
  }

  @ParameterizedTest(name = "{index}: {1}")
  @MethodSource("outputs")
  void parsesTheFieldsTheKeeperNeeds(String output, ControlData expected) {
    assertEquals(expected, PgServer.parseControlData(output));
  }

  @Test
  void anUnsignedIdentifierPrintsAsPostgreSQLPrintsIt() {
    assertEquals("18446744073709551615", new ControlData(-1L, "shut down", 0, 1, 1, 0, 0)
        .systemIdentifierText());
  }

  @Test
  void cleanShutdownStates() {
    assertTrue(new ControlData(1, "shut down", 0, 1, 1, 0, 0).shutDownCleanly());
    assertTrue(new ControlData(1, "shut down in recovery", 0, 1, 1, 0, 0).shutDownCleanly());
    assertFalse(new ControlData(1, "in production", 0, 1, 1, 0, 0).shutDownCleanly());
    assertFalse(new ControlData(1, "in archive recovery", 0, 1, 1, 0, 0).shutDownCleanly());
  }

  @Test
  void aMissingLineIsNamed() {
    PgCommandException e = assertThrows(PgCommandException.class,
        () -> PgServer.parseControlData("Database system identifier: 1\n"));
    assertTrue(e.getMessage().contains("no 'Database cluster state' line"), e.getMessage());
  }
}
