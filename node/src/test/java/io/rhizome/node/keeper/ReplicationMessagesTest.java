package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ReplicationMessagesTest {
  static byte[] xlogData(long start, int dataBytes) {
    return ByteBuffer.allocate(25 + dataBytes).put((byte) 'w').putLong(start).putLong(start + dataBytes + 99)
        .putLong(123).array();
  }

  static byte[] keepalive(long walEnd, boolean replyRequested) {
    return ByteBuffer.allocate(18).put((byte) 'k').putLong(walEnd).putLong(123)
        .put((byte) (replyRequested ? 1 : 0)).array();
  }

  static Stream<Arguments> messages() {
    return Stream.of(
        Arguments.of("XLogData: its start plus its data", xlogData(0x1_0000_0000L, 8192), 0x1_0000_2000L, false),
        Arguments.of("XLogData without data", xlogData(0x3000, 0), 0x3000L, false),
        Arguments.of("keepalive: the primary's send position", keepalive(0x5000, false), 0x5000L, false),
        Arguments.of("keepalive asking for an answer", keepalive(0x5000, true), 0x5000L, true),
        Arguments.of("another message", new byte[] {'x', 0, 0}, -1L, false),
        Arguments.of("a truncated keepalive", new byte[] {'k', 0, 0, 0}, -1L, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("messages")
  void readsWhereThePrimaryIs(String name, byte[] m, long sentUpTo, boolean replyRequested) {
    assertEquals(sentUpTo, ReplicationMessages.sentUpTo(m), name);
    assertEquals(replyRequested, ReplicationMessages.replyRequested(m), name);
  }

  @Test
  void aStatusUpdateReportsThePositionAsWrittenFlushedAndAppliedInPostgresTime() {
    byte[] u = ReplicationMessages.statusUpdate(0x0A_0000_0010L, Instant.parse("2000-01-01T00:00:01Z"), true);
    ByteBuffer b = ByteBuffer.wrap(u);
    assertEquals(34, u.length);
    assertEquals('r', b.get());
    assertEquals(0x0A_0000_0010L, b.getLong(), "write");
    assertEquals(0x0A_0000_0010L, b.getLong(), "flush");
    assertEquals(0x0A_0000_0010L, b.getLong(), "apply");
    assertEquals(1_000_000L, b.getLong(), "microseconds since 2000-01-01");
    assertEquals(1, b.get());
    assertEquals(0, ReplicationMessages.statusUpdate(1, Instant.EPOCH, false)[33], "no answer asked for");
  }

  @Test
  void formatsAnLsnAsPostgresDoes() {
    assertEquals("0/3000148", ReplicationMessages.lsn(0x3000148L));
    assertEquals("A/10", ReplicationMessages.lsn(0x0A_0000_0010L));
    assertEquals(0x1234_5678_9ABCL, PgSession.parseLsn(ReplicationMessages.lsn(0x1234_5678_9ABCL)));
  }
}
