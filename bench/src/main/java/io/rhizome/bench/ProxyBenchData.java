package io.rhizome.bench;

import io.rhizome.cluster.ClusterKeys;
import io.rhizome.proto.cluster.Cluster;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.ClusterSpec;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.DbSpec;
import io.rhizome.proto.cluster.DbStatus;
import io.rhizome.proto.cluster.Proxy;
import io.rhizome.proto.cluster.ProxySpec;
import io.rhizome.store.PeerAddress;
import io.rhizome.store.StoreClient;
import io.rhizome.store.StoreClientConfig;

/**
 * For bench/proxy-bench.sh, until the controller exists: writes cluster data whose master is
 * the given PostgreSQL, as the controller would.
 *
 * <p>Usage: ProxyBenchData STORE_ENDPOINT CLUSTER PG_HOST PG_PORT
 */
public final class ProxyBenchData {
  public static void main(String[] args) {
    String endpoint = args[0];
    ClusterKeys keys = new ClusterKeys(args[1]);
    Db master = Db.newBuilder().setUid("db1").setGeneration(1)
        .setSpec(DbSpec.newBuilder().setKeeperId("k1").setRole(DbRole.MASTER))
        .setStatus(DbStatus.newBuilder().setHealthy(true).setCurrentGeneration(1)
            .setListenAddress(args[2]).setPort(Integer.parseInt(args[3])))
        .build();
    ClusterData data = ClusterData.newBuilder().setFormatVersion(1)
        .setCluster(Cluster.newBuilder().setUid("bench").setGeneration(1)
            .setSpec(ClusterSpec.getDefaultInstance()))
        .putDbs("db1", master)
        .setProxy(Proxy.newBuilder().setGeneration(1)
            .setSpec(ProxySpec.newBuilder().setMasterDbUid("db1")))
        .build();
    try (StoreClient c = StoreClient.connect(StoreClientConfig.of(
        PeerAddress.parseEndpoints(endpoint, "endpoint")))) {
      c.put(keys.clusterData(), data.toByteArray());
    }
  }
}
