package io.rhizome.proxy;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One client connection and, once routed, its backend connection. Owned by one event loop and
 * touched only on its thread. An idle pipe holds no buffer: bytes that a side could not take at
 * once are parked in a pooled buffer until that side drains it.
 */
final class Pipe {
  enum State { HELD, CONNECTING, OPEN, CLOSED }

  final Port port;
  final SocketChannel client;
  final SelectionKey clientKey;
  SocketChannel server;
  SelectionKey serverKey;
  Backend backend;
  State state;

  /** Bytes read from the client that the backend has not taken yet (null: none). */
  ByteBuffer toServer;
  /** Bytes read from the backend that the client has not taken yet (null: none). */
  ByteBuffer toClient;
  boolean clientEof;
  boolean serverEof;

  /** Hold or connect deadline (System.nanoTime), when HELD or CONNECTING. */
  long deadline;
  /**
   * The server's last bytes were a ReadyForQuery with no transaction open, after at least one
   * query, and the client has sent nothing since: the connection is between transactions.
   */
  boolean betweenTransactions;
  /**
   * An idle ReadyForQuery has been seen: the first one ends authentication, and a client is
   * about to send its first query then, so that one does not count as between transactions.
   */
  boolean pastStartup;
  /**
   * Planned switchover: closed once it is between transactions, at drainDeadline at the latest,
   * unless it ends by itself first.
   */
  boolean draining;
  long drainDeadline;
  /** In its loop's list of pipes with a deadline. */
  boolean timed;

  Pipe(Port port, SocketChannel client, SelectionKey clientKey) {
    this.port = port;
    this.client = client;
    this.clientKey = clientKey;
  }

  /** Follows the transaction boundary from one read's bytes (position to limit, unmoved). */
  void read(boolean fromClient, ByteBuffer bytes) {
    if (fromClient) {
      betweenTransactions = false;
      return;
    }
    boolean idle = ReadyForQuery.endsIdle(bytes);
    betweenTransactions = idle && pastStartup;
    pastStartup |= idle;
  }
}
