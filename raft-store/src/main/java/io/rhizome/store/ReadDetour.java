package io.rhizome.store;

import java.time.Duration;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * Where a client's reads go for a while after the peer its Ratis client would ask could not serve
 * one (it knew no leader, or was installing a snapshot).
 *
 * <p>Ratis keeps its guess of the leader after such an answer, so without a detour every later
 * read would ask that peer first and fail there before going elsewhere: twice the requests, half
 * of them at a peer that is trying to rejoin. The detour is dropped after {@link #HOLD}, so that
 * reads go back to the guess, which writes keep current, instead of paying a follower's extra hop
 * to the leader for good. Thread-safe.
 */
final class ReadDetour {
  static final Duration HOLD = Duration.ofSeconds(5);

  private record Taken(RaftPeerId peer, long at) {}

  private volatile Taken taken;

  /** The peer to read from now, or null for the Ratis client's own choice. */
  RaftPeerId peer(long nowNanos) {
    Taken t = taken;
    return t != null && nowNanos - t.at() < HOLD.toNanos() ? t.peer() : null;
  }

  /** A read served by {@code peer}, chosen past one that could not serve it. */
  void served(RaftPeerId peer, long nowNanos) {
    Taken t = taken;
    if (t == null || !t.peer().equals(peer) || nowNanos - t.at() >= HOLD.toNanos()) {
      taken = new Taken(peer, nowNanos);
    }
  }

  /** {@code peer} failed a read: it is no detour any more. */
  void failed(RaftPeerId peer) {
    Taken t = taken;
    if (t != null && t.peer().equals(peer)) {
      taken = null;
    }
  }
}
