package io.rhizome.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;

class SilentPeersTest {
  static final long AVOID = SilentPeers.AVOID.toNanos();
  static final RaftPeerId A = RaftPeerId.valueOf("a");
  static final RaftPeerId B = RaftPeerId.valueOf("b");
  static final RaftPeerId C = RaftPeerId.valueOf("c");
  static final RaftPeerId REAL_ID_OF_A = RaftPeerId.valueOf("s1");

  private static SilentPeers peers() {
    return new SilentPeers(List.of(A, B, C));
  }

  @Test
  void aGuessThatAnsweredIsAsked() {
    assertNull(peers().instead(A, 0));
  }

  @Test
  void aSilentGuessIsPassedOverForTheNextEndpointUntilItsTimeIsUp() {
    SilentPeers s = peers();
    s.unanswered(B, 100);
    assertEquals(C, s.instead(B, 100));
    assertEquals(C, s.instead(B, 100 + AVOID - 1));
    assertNull(s.instead(B, 100 + AVOID), "asked again once its time is up");
  }

  @Test
  void theNextEndpointWrapsAroundAndSkipsTheSilentOnes() {
    SilentPeers s = peers();
    s.unanswered(C, 0);
    assertEquals(A, s.instead(C, 1));
    s.unanswered(A, 0);
    assertEquals(B, s.instead(C, 1));
  }

  @Test
  void aGuessUnderAnIdTheEndpointsDoNotUseStartsFromTheFirstEndpoint() {
    SilentPeers s = peers();
    s.unanswered(REAL_ID_OF_A, 0);
    assertEquals(A, s.instead(REAL_ID_OF_A, 1), "the same peer under its endpoint id: it fails once more, then is avoided too");
    s.unanswered(A, 2);
    assertEquals(B, s.instead(REAL_ID_OF_A, 3));
  }

  @Test
  void anAnswerEndsTheAvoidanceAndWhenAllAreSilentNobodyIsBetter() {
    SilentPeers s = peers();
    s.unanswered(A, 0);
    s.unanswered(B, 0);
    s.unanswered(C, 0);
    assertNull(s.instead(A, 1), "every endpoint silent: ask the guess");
    s.answered(B);
    assertEquals(B, s.instead(A, 1));
  }
}
