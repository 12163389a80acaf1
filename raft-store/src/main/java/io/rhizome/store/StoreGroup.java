package io.rhizome.store;

import java.util.List;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * The one Raft group every Rhizome store uses. A fixed id lets clients talk to any sentinel
 * quorum knowing only addresses; keys are namespaced per cluster, and a sentinel's data dir
 * records which cluster it belongs to.
 */
public final class StoreGroup {
  public static final RaftGroupId ID =
      RaftGroupId.valueOf(UUID.fromString("5a1e7c0d-7268-697a-6f6d-650000000001"));

  private StoreGroup() {}

  static RaftPeer peer(PeerAddress p) {
    return RaftPeer.newBuilder().setId(RaftPeerId.valueOf(p.id())).setAddress(p.address()).build();
  }

  static RaftGroup of(List<PeerAddress> peers) {
    return RaftGroup.valueOf(ID, peers.stream().map(StoreGroup::peer).toList());
  }
}
