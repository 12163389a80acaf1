package io.rhizome.proxy;

import io.rhizome.proto.cluster.Cluster;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.ClusterSpec;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.DbSpec;
import io.rhizome.proto.cluster.DbStatus;
import io.rhizome.proto.cluster.Proxy;
import io.rhizome.proto.cluster.ProxySpec;

/** Cluster data as the controller would write it, for tests. */
final class Clusters {
  private Clusters() {}

  static ClusterData.Builder cluster(long proxyGeneration, String masterUid, boolean planned) {
    return ClusterData.newBuilder()
        .setFormatVersion(1)
        .setCluster(Cluster.newBuilder().setUid("c0ffee01").setGeneration(1)
            .setSpec(ClusterSpec.getDefaultInstance()))
        .setProxy(Proxy.newBuilder().setGeneration(proxyGeneration)
            .setSpec(ProxySpec.newBuilder().setMasterDbUid(masterUid).setPlannedSwitchover(planned)));
  }

  /** A db that is healthy and converged. */
  static Db db(String uid, DbRole role, String host, int port, long xlogPos) {
    return Db.newBuilder().setUid(uid).setGeneration(3)
        .setSpec(DbSpec.newBuilder().setKeeperId("k-" + uid).setRole(role))
        .setStatus(DbStatus.newBuilder().setHealthy(true).setCurrentGeneration(3)
            .setListenAddress(host).setPort(port).setXlogPos(xlogPos))
        .build();
  }
}
