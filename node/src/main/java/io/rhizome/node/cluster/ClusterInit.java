package io.rhizome.node.cluster;

import io.rhizome.proto.cluster.Cluster;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.ClusterSpec;
import io.rhizome.proto.cluster.ClusterStatus;
import io.rhizome.proto.cluster.Proxy;

/** The cluster data a new cluster starts with. Pure. */
public final class ClusterInit {
  public static final int FORMAT_VERSION = 1;

  private ClusterInit() {}

  /**
   * A cluster with {@code spec} and no keepers or dbs yet: the controller adds them as keepers
   * register, and picks the initial master.
   */
  public static ClusterData fresh(ClusterSpec spec, String clusterUid) {
    return ClusterData.newBuilder()
        .setFormatVersion(FORMAT_VERSION)
        .setCluster(Cluster.newBuilder()
            .setUid(clusterUid)
            .setGeneration(1)
            .setSpec(spec)
            .setStatus(ClusterStatus.newBuilder().setPhase(ClusterStatus.Phase.INITIALIZING)))
        // no master yet: proxies refuse connections until the controller routes them
        .setProxy(Proxy.newBuilder().setGeneration(1))
        .build();
  }
}
