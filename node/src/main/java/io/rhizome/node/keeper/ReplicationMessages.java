package io.rhizome.node.keeper;

import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * The few messages of PostgreSQL's streaming replication protocol the lease standby needs (the
 * CopyData payloads of "Streaming Replication Protocol" in the PostgreSQL docs): XLogData ('w'),
 * the primary's keepalive ('k') and the standby status update ('r') it answers with. Pure.
 */
final class ReplicationMessages {
  /** Microseconds from the Unix epoch to PostgreSQL's epoch, 2000-01-01 UTC. */
  static final long PG_EPOCH_MICROS = 946_684_800_000_000L;
  private static final int XLOG_DATA_HEADER = 1 + 8 + 8 + 8;

  private ReplicationMessages() {}

  /**
   * The WAL position a message shows the primary has sent (XLogData: the end of its data;
   * keepalive: the primary's send position); -1 for another message.
   */
  static long sentUpTo(byte[] m) {
    if (m.length >= XLOG_DATA_HEADER && m[0] == 'w') {
      return ByteBuffer.wrap(m, 1, 8).getLong() + (m.length - XLOG_DATA_HEADER);
    }
    if (m.length >= 1 + 8 + 8 + 1 && m[0] == 'k') {
      return ByteBuffer.wrap(m, 1, 8).getLong();
    }
    return -1;
  }

  /** A keepalive in which the primary asks for an answer now (or it may end the connection). */
  static boolean replyRequested(byte[] m) {
    return m.length >= 1 + 8 + 8 + 1 && m[0] == 'k' && m[17] != 0;
  }

  /**
   * A standby status update reporting {@code lsn} as written, flushed and applied, so that a
   * commit waits for it whatever its synchronous_commit level (remote_write, on, remote_apply).
   */
  static byte[] statusUpdate(long lsn, Instant now, boolean requestReply) {
    long micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000 - PG_EPOCH_MICROS;
    return ByteBuffer.allocate(1 + 8 * 4 + 1)
        .put((byte) 'r').putLong(lsn).putLong(lsn).putLong(lsn).putLong(micros)
        .put((byte) (requestReply ? 1 : 0))
        .array();
  }

  /** PostgreSQL's text form of an LSN, as START_REPLICATION takes it. */
  static String lsn(long lsn) {
    return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
  }
}
