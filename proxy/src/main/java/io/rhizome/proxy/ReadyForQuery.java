package io.rhizome.proxy;

import java.nio.ByteBuffer;

/**
 * Recognises PostgreSQL's ReadyForQuery message ('Z', length 5, status) at the end of what a
 * backend sent. A backend sends it when it has answered everything the client asked and waits
 * for the next query; status 'I' means no transaction is open. A connection whose last bytes
 * from the server were that, with nothing the client sent since, can be closed without cutting
 * off an answer or aborting a transaction: this is how a planned switchover ends a persistent
 * connection as soon as its current transaction is done instead of at the drain timeout.
 *
 * <p>Only the tail of each read is looked at, so the check costs a few comparisons and parses
 * nothing. It can miss (a message split across two reads, TLS): the connection then drains until
 * its deadline as before. It cannot be fooled into a false close except by a row whose data ends
 * in exactly these six bytes at the end of a read, which then ends like a drain timeout.
 */
final class ReadyForQuery {
  static final int LENGTH = 6;
  private static final byte TYPE = 'Z';
  private static final byte IDLE = 'I';

  private ReadyForQuery() {}

  /** True when the bytes between position and limit end with ReadyForQuery, status idle. */
  static boolean endsIdle(ByteBuffer b) {
    int end = b.limit();
    int start = end - LENGTH;
    if (start < b.position()) {
      return false;
    }
    return b.get(start) == TYPE
        && b.get(start + 1) == 0 && b.get(start + 2) == 0 && b.get(start + 3) == 0
        && b.get(start + 4) == 5
        && b.get(start + 5) == IDLE;
  }
}
