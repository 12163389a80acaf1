package io.rhizome.node.controller;

import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.KeeperInfo;
import io.rhizome.proto.cluster.ProxyInfo;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Everything one controller round decides from.
 *
 * @param keepers the keeper info keys present in the store: a keeper whose key expired is absent
 * @param proxies the proxy info keys present in the store
 * @param nowMillis this leader's monotonic clock, for timers kept in {@link ControllerMemory}
 * @param wallMillis wall-clock time, only written into the cluster data for people to read
 * @param newUid a source of fresh db uids (random in production, a sequence in tests)
 */
public record ControllerInput(
    ClusterData clusterData,
    Map<String, KeeperInfo> keepers,
    Map<String, ProxyInfo> proxies,
    ControllerMemory memory,
    long nowMillis,
    long wallMillis,
    Supplier<String> newUid) {

  public ControllerInput {
    keepers = Map.copyOf(keepers);
    proxies = Map.copyOf(proxies);
  }
}
