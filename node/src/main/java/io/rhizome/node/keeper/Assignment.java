package io.rhizome.node.keeper;

import io.rhizome.cluster.EffectiveSpec;
import io.rhizome.proto.cluster.Db;
import java.util.Optional;

/**
 * What the cluster data asks of this keeper, read from one consistent copy of it.
 *
 * @param registered the controller lists this keeper
 * @param bootAcknowledged the controller recorded this keeper process's boot uuid
 * @param db the db assigned to this keeper, if any
 * @param followed the db it must stream from (standby with internal follow config)
 * @param master the cluster's master db, when another keeper holds it (pg_rewind's source)
 * @param paused {@code rhizomectl pause}: leave PostgreSQL as it is
 */
record Assignment(
    String clusterUid,
    boolean registered,
    boolean bootAcknowledged,
    Optional<Db> db,
    Optional<Peer> followed,
    Optional<Peer> master,
    EffectiveSpec spec,
    boolean paused) {

  Assignment(String clusterUid, boolean registered, boolean bootAcknowledged, Optional<Db> db,
      Optional<Peer> followed, Optional<Peer> master, EffectiveSpec spec) {
    this(clusterUid, registered, bootAcknowledged, db, followed, master, spec, false);
  }
}
