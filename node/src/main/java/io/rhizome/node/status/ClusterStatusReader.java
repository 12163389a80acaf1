package io.rhizome.node.status;

import com.google.protobuf.InvalidProtocolBufferException;
import io.rhizome.cluster.ClusterKeys;
import io.rhizome.node.cluster.ClusterDataStore;
import io.rhizome.node.common.RefusedException;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.KeeperInfo;
import io.rhizome.proto.cluster.ProxyInfo;
import io.rhizome.proto.store.KeyValue;
import io.rhizome.proto.store.StatusReply;
import io.rhizome.store.StoreClient;
import io.rhizome.store.StoreException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Reads what the status view is built from: cluster data, keeper and proxy reports, the store's peers. */
public final class ClusterStatusReader {
  private ClusterStatusReader() {}

  /**
   * @throws RefusedException when the cluster is not initialised
   * @throws StoreException when the store does not answer
   */
  public static Map<String, Object> read(StoreClient client, String clusterName) {
    ClusterData cd = new ClusterDataStore(client, clusterName).read().map(ClusterDataStore.Versioned::data)
        .orElseThrow(() -> new RefusedException("cluster '" + clusterName
            + "' is not initialised (run 'rhizomectl init' first)"));
    ClusterKeys keys = new ClusterKeys(clusterName);
    Map<String, KeeperInfo> keepers = new HashMap<>();
    for (KeyValue kv : client.list(keys.keepersPrefix()).getKvsList()) {
      parse(kv, KeeperInfo.parser()).ifPresent(i -> keepers.put(i.getKeeperId(), i));
    }
    Map<String, ProxyInfo> proxies = new HashMap<>();
    for (KeyValue kv : client.list(keys.proxiesPrefix()).getKvsList()) {
      parse(kv, ProxyInfo.parser()).ifPresent(p -> proxies.put(p.getProxyId(), p));
    }
    Optional<StatusReply> store;
    try {
      store = Optional.of(client.status());
    } catch (StoreException e) {
      store = Optional.empty();
    }
    return ClusterStatusView.build(clusterName, cd, keepers, proxies, store);
  }

  private static <T> Optional<T> parse(KeyValue kv, com.google.protobuf.Parser<T> parser) {
    try {
      return Optional.of(parser.parseFrom(kv.getValue()));
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }
}
