package io.rhizome.chaos;

/**
 * One transaction of the write workload: a unique id inserted through the proxy, what the client
 * learnt of its fate, when ({@link System#nanoTime()}), and which server said so.
 *
 * @param server who ran the transaction, read inside it; null unless the outcome is {@link Outcome#ACK}
 */
record WriteRecord(long id, int client, Outcome outcome, long startNanos, long endNanos, Server server) {

  enum Outcome {
    /** COMMIT returned: the write must survive (sync mode). */
    ACK,
    /** Failed before COMMIT was sent: the write must not be there. */
    FAILED,
    /** COMMIT was sent but no answer came: it may or may not be there. */
    UNKNOWN
  }

  /**
   * A PostgreSQL instance as a client sees it from inside a transaction: its port
   * ({@code inet_server_port()}), cluster ({@code system_identifier}) and the timeline it writes
   * on. A promotion starts a new timeline, so each (port, timeline) is one reign as primary.
   */
  record Server(int port, long systemId, int timeline, long lsn) {
    String reign() {
      return "port " + port + " timeline " + timeline;
    }
  }

  static WriteRecord ack(long id, int client, long start, long end, Server server) {
    return new WriteRecord(id, client, Outcome.ACK, start, end, server);
  }

  static WriteRecord failed(long id, int client, long start, long end) {
    return new WriteRecord(id, client, Outcome.FAILED, start, end, null);
  }

  static WriteRecord unknown(long id, int client, long start, long end) {
    return new WriteRecord(id, client, Outcome.UNKNOWN, start, end, null);
  }
}
