package io.rhizome.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;

class ReadDetourTest {
  static final long HOLD = ReadDetour.HOLD.toNanos();
  static final RaftPeerId S2 = RaftPeerId.valueOf("s2");
  static final RaftPeerId S3 = RaftPeerId.valueOf("s3");

  @Test
  void noDetourUntilAReadWasServedElsewhere() {
    assertNull(new ReadDetour().peer(0));
  }

  @Test
  void aDetourHoldsForItsTimeFromWhenItWasTakenNotFromItsLastRead() {
    ReadDetour d = new ReadDetour();
    d.served(S2, 1_000);
    assertEquals(S2, d.peer(1_000 + HOLD - 1));
    d.served(S2, 1_000 + HOLD / 2); // the same detour again does not extend it
    assertNull(d.peer(1_000 + HOLD), "back to the Ratis client's own choice");
  }

  @Test
  void anotherPeerOrAnExpiredDetourStartsTheClockAgain() {
    ReadDetour d = new ReadDetour();
    d.served(S2, 0);
    d.served(S3, 10);
    assertEquals(S3, d.peer(10 + HOLD - 1));
    d.served(S3, 10 + HOLD);
    assertEquals(S3, d.peer(10 + 2 * HOLD - 1));
  }

  @Test
  void aFailedReadAtTheDetourEndsIt() {
    ReadDetour d = new ReadDetour();
    d.served(S2, 0);
    d.failed(S3);
    assertEquals(S2, d.peer(1), "another peer's failure changes nothing");
    d.failed(S2);
    assertNull(d.peer(1));
  }
}
