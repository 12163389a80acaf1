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
  /** Planned switchover: closed at drainDeadline unless it ends by itself first. */
  boolean draining;
  long drainDeadline;
  /** In its loop's list of pipes with a deadline. */
  boolean timed;

  Pipe(Port port, SocketChannel client, SelectionKey clientKey) {
    this.port = port;
    this.client = client;
    this.clientKey = clientKey;
  }
}
