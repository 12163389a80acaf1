package io.rhizome.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.rhizome.chaos.WriteRecord.Server;
import org.junit.jupiter.api.Test;

/** A writer process's records survive the trip through its record file unchanged. */
class WriteRecordLineTest {

  @Test
  void everyOutcomeRoundTrips() {
    for (WriteRecord r : new WriteRecord[] {
        WriteRecord.ack(7, 1, 100, 250, new Server(5433, 7345678901234567890L, 2, 123456789L)),
        WriteRecord.failed(8, 0, -5, 9),
        WriteRecord.unknown(9, 3, Long.MAX_VALUE - 1, Long.MAX_VALUE)}) {
      assertEquals(r, WriteRecordLine.parse(WriteRecordLine.format(r)), WriteRecordLine.format(r));
    }
  }

  @Test
  void aCutLineIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> WriteRecordLine.parse("7 1 ACK 100 250 5433"));
  }
}
