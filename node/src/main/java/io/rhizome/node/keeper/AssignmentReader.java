package io.rhizome.node.keeper;

import io.rhizome.cluster.EffectiveSpec;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.FollowConfig;
import io.rhizome.proto.cluster.Keeper;
import java.util.Comparator;
import java.util.Optional;

/** Reads what the cluster data asks of one keeper. Pure. */
final class AssignmentReader {
  private AssignmentReader() {}

  static Assignment read(ClusterData cd, String keeperId, String bootUuid) {
    Keeper keeper = cd.getKeepersMap().get(keeperId);
    // One db per keeper; should the controller ever leave two, the newest incarnation wins.
    Optional<Db> db = cd.getDbsMap().values().stream()
        .filter(d -> d.getSpec().getKeeperId().equals(keeperId))
        .max(Comparator.comparingLong(Db::getGeneration));
    Optional<Peer> followed = db
        .filter(d -> d.getSpec().getRole() == DbRole.STANDBY)
        .filter(d -> d.getSpec().getFollowConfig().getType() == FollowConfig.Type.INTERNAL)
        .map(d -> cd.getDbsMap().get(d.getSpec().getFollowConfig().getDbUid()))
        .map(AssignmentReader::peer);
    String masterUid = cd.getCluster().getStatus().getMasterDbUid();
    Optional<Peer> master = Optional.ofNullable(cd.getDbsMap().get(masterUid))
        .filter(m -> db.isEmpty() || !m.getUid().equals(db.get().getUid()))
        .map(AssignmentReader::peer);
    return new Assignment(
        cd.getCluster().getUid(),
        keeper != null,
        keeper != null && bootUuid.equals(keeper.getStatus().getBootUuid()),
        db, followed, master,
        EffectiveSpec.of(cd.getCluster().getSpec()),
        cd.getCluster().getStatus().getPaused());
  }

  static Peer peer(Db d) {
    var s = d.getStatus();
    return new Peer(d.getUid(), s.getListenAddress(), s.getPort(), s.getSystemId(), s.getTimelineId(),
        s.getHealthy() && !s.getListenAddress().isEmpty() && s.getPort() > 0);
  }
}
