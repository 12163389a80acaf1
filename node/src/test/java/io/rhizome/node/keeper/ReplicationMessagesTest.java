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
    assertEquals(m[0] == 'w', ReplicationMessages.isWalData(m), name);
  }

  static Stream<Arguments> starts() {
    return Stream.of(
        Arguments.of("inside a page: that page's start", 0x3000148L, 0x3000000L),
        Arguments.of("near the end of a page", 0x3001FFFL, 0x3000000L),
        Arguments.of("inside a later page", 0x1_0000_6010L, 0x1_0000_6000L),
        Arguments.of("on a page boundary: the page before", 0x3002000L, 0x3000000L),
        Arguments.of("on a page boundary in the middle of a segment", 0x3080000L, 0x307E000L),
        Arguments.of("on a segment boundary: flush itself", 0x3000000L, 0x3000000L),
        Arguments.of("on a 1 MB boundary, maybe a segment's (1 MB segments)", 0x3100000L, 0x3100000L),
        Arguments.of("the first page of a segment, just past its header", 0x3000028L, 0x3000000L));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("starts")
  void aStreamStartsJustBeforeTheFlushPositionInTheSameSegment(String name, long flush, long expected) {
    assertEquals(expected, ReplicationMessages.streamFrom(flush), name);
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
