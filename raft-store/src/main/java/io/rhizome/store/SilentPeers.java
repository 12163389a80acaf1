package io.rhizome.store;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * Peers that left a watch unanswered (their host lost its link or its power: no reset, no
 * refusal, only silence), and whom to ask instead for a while.
 *
 * <p>Why the watch client needs this: a watch attempt that gets no answer is given up on by
 * {@link StoreClient} and cancelled before Ratis sees it fail, so Ratis's guess of whom to ask
 * never moves, and while a follower serves reads nothing corrects it either. Every later watch
 * would wait at the silent peer until its host came back. Avoiding it for {@link #AVOID} costs one
 * unanswered watch per peer per {@link #AVOID} while the host stays away. Thread-safe.
 */
final class SilentPeers {
  static final Duration AVOID = Duration.ofSeconds(30);

  private final List<RaftPeerId> endpoints;
  private final Map<RaftPeerId, Long> silentSince = new ConcurrentHashMap<>();

  SilentPeers(List<RaftPeerId> endpoints) {
    this.endpoints = List.copyOf(endpoints);
  }

  /** {@code peer} left a request unanswered at {@code nowNanos}. */
  void unanswered(RaftPeerId peer, long nowNanos) {
    if (peer != null) {
      silentSince.put(peer, nowNanos);
    }
  }

  /** {@code peer} answered: it is not avoided any more. */
  void answered(RaftPeerId peer) {
    if (peer != null) {
      silentSince.remove(peer);
    }
  }

  boolean avoided(RaftPeerId peer, long nowNanos) {
    Long since = peer == null ? null : silentSince.get(peer);
    return since != null && nowNanos - since < AVOID.toNanos();
  }

  /**
   * Whom to ask instead of {@code guess}: null when {@code guess} is not avoided (ask it);
   * otherwise the first endpoint after it in order, wrapping around, that is not avoided (from the
   * first endpoint when {@code guess} is not one of them: Ratis may know a peer by its own id);
   * null when every endpoint is avoided (nobody better to ask).
   */
  RaftPeerId instead(RaftPeerId guess, long nowNanos) {
    if (!avoided(guess, nowNanos)) {
      return null;
    }
    int start = endpoints.indexOf(guess) + 1; // 0 when unknown
    for (int i = 0; i < endpoints.size(); i++) {
      RaftPeerId p = endpoints.get((start + i) % endpoints.size());
      if (!p.equals(guess) && !avoided(p, nowNanos)) {
        return p;
      }
    }
    return null;
  }
}
