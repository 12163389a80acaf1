package io.rhizome.chaos;

import io.rhizome.store.PeerAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free ports on loopback for the daemons a test starts (tests use 127.0.0.0/8 only). */
final class LoopbackPorts {
  private LoopbackPorts() {}

  /** A port nothing listens on right now; the daemon that gets it binds it moments later. */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    }
  }

  /** A sentinel's address on a free loopback port. */
  static PeerAddress freePeer(String id) {
    return new PeerAddress(id, "127.0.0.1", freePort());
  }
}
