package io.rhizome.chaos;

import io.rhizome.store.PeerAddress;
import io.rhizome.testsupport.LoopbackPorts;

/** Sentinel addresses for a test's store, each on a loopback port of its own. */
final class FreePeers {
  private FreePeers() {}

  static PeerAddress freePeer(String id) {
    return new PeerAddress(id, "127.0.0.1", LoopbackPorts.freePort());
  }
}
