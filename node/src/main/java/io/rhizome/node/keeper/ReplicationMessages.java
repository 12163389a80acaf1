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
  /** PostgreSQL's default XLOG_BLCKSZ; with another page size the start is still inside flush's segment. */
  static final long WAL_PAGE = 8192;
  static final long MIN_SEGMENT = 1L << 20;

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

  /** An XLogData message: WAL the primary sent, which the walsender sends only after it caught up to it. */
  static boolean isWalData(byte[] m) {
    return m.length >= XLOG_DATA_HEADER && m[0] == 'w';
  }

  /**
   * Where to start a stream whose first confirmation must count: a little before {@code flush},
   * so that the walsender has WAL to send at once. It sends everything up to the flush position
   * in one message and enters the streaming state before it reads the answer, and a confirmation
   * read while it is still catching up releases no waiting commit. The start of flush's WAL page,
   * or the page before when flush is on a page boundary; never in an earlier segment (a walsender
   * reads the current timeline's segment files, and after a promotion the earlier one is on the
   * old timeline). {@code flush} itself when no such position exists: the caller then has to wait
   * for the streaming state some other way.
   */
  static long streamFrom(long flush) {
    long inPage = flush % WAL_PAGE;
    if (inPage != 0) {
      return flush - inPage;
    }
    // every wal_segment_size is a power of two of at least 1 MB: a 1 MB boundary may be a segment's start
    if (flush % MIN_SEGMENT == 0) {
      return flush;
    }
    return flush - WAL_PAGE;
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
