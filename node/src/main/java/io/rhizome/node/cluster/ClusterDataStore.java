package io.rhizome.node.cluster;

import com.google.protobuf.InvalidProtocolBufferException;
import io.rhizome.cluster.ClusterKeys;
import io.rhizome.node.common.RefusedException;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.store.GetReply;
import io.rhizome.store.StoreClient;
import java.time.Duration;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** Reads and compare-and-sets one cluster's data document. */
public final class ClusterDataStore {
  private static final int CAS_ATTEMPTS = 10;

  private final StoreClient client;
  private final ClusterKeys keys;

  public ClusterDataStore(StoreClient client, String clusterName) {
    this.client = client;
    this.keys = new ClusterKeys(clusterName);
  }

  /** The cluster data and the mod revision a compare-and-set must name. */
  public record Versioned(ClusterData data, long modRevision) {}

  public Optional<Versioned> read() {
    GetReply r = client.getWithRevision(keys.clusterData());
    if (!r.hasKv()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Versioned(ClusterData.parseFrom(r.getKv().getValue()), r.getKv().getModRevision()));
    } catch (InvalidProtocolBufferException e) {
      throw new RefusedException("the cluster data in the store is unreadable: " + e.getMessage());
    }
  }

  /**
   * Applies {@code change} to the current cluster data and writes it with compare-and-set,
   * reading again and retrying when someone else wrote in between.
   *
   * @throws RefusedException when there is no cluster data, or {@code change} refuses
   */
  public ClusterData update(UnaryOperator<ClusterData> change) {
    for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      Versioned current = read().orElseThrow(() -> new RefusedException(
          "cluster '" + keys.clusterName() + "' is not initialised (run 'rhizomectl init' first)"));
      ClusterData next = change.apply(current.data());
      if (next.equals(current.data())) {
        return next;
      }
      if (client.compareAndPut(keys.clusterData(), next.toByteArray(), current.modRevision(), Duration.ZERO)
          .getSucceeded()) {
        return next;
      }
    }
    throw new RefusedException("the cluster data kept changing while this command tried to update it ("
        + CAS_ATTEMPTS + " attempts); try again");
  }

  /** Writes {@code data} only if there is no cluster data yet; false when there is. */
  public boolean create(ClusterData data) {
    // mod revision 0 = "must not exist": two concurrent inits cannot both win
    return client.compareAndPut(keys.clusterData(), data.toByteArray(), 0, Duration.ZERO).getSucceeded();
  }

  /** Writes {@code data} whatever is there ({@code init --yes}, {@code clusterdata write --yes}). */
  public void overwrite(ClusterData data) {
    client.put(keys.clusterData(), data.toByteArray());
  }
}
