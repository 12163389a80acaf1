package io.rhizome.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ReadyForQueryTest {
  static byte[] bytes(int... b) {
    byte[] out = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = (byte) b[i];
    }
    return out;
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  static final byte[] IDLE = bytes('Z', 0, 0, 0, 5, 'I');
  /** CommandComplete "INSERT 0 1" as a backend sends it before ReadyForQuery. */
  static final byte[] COMPLETE = concat(bytes('C', 0, 0, 0, 15), "INSERT 0 1\0".getBytes());

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("ReadyForQuery alone, idle", IDLE, 0, true),
        Arguments.of("an answer ending in ReadyForQuery, idle", concat(COMPLETE, IDLE), 0, true),
        Arguments.of("in a transaction block", bytes('Z', 0, 0, 0, 5, 'T'), 0, false),
        Arguments.of("in a failed transaction block", bytes('Z', 0, 0, 0, 5, 'E'), 0, false),
        Arguments.of("an answer without ReadyForQuery yet", COMPLETE, 0, false),
        Arguments.of("ReadyForQuery followed by more bytes", concat(IDLE, bytes('N')), 0, false),
        Arguments.of("a wrong length", bytes('Z', 0, 0, 0, 6, 'I'), 0, false),
        Arguments.of("shorter than the message", bytes(0, 0, 5, 'I'), 0, false),
        Arguments.of("nothing", new byte[0], 0, false),
        Arguments.of("the message starts before position", concat(COMPLETE, IDLE), COMPLETE.length + 1, false),
        Arguments.of("the message starts exactly at position", concat(COMPLETE, IDLE), COMPLETE.length, true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void recognisesAnIdleReadyForQueryAtTheEnd(String name, byte[] data, int position, boolean expected) {
    ByteBuffer b = ByteBuffer.wrap(data);
    b.position(position);
    assertEquals(expected, ReadyForQuery.endsIdle(b), name);
    assertEquals(position, b.position(), "the check must not move the buffer");
  }
}
