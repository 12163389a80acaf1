package io.rhizome.node.controller;

import com.google.protobuf.InvalidProtocolBufferException;
import io.rhizome.cluster.ClusterKeys;
import io.rhizome.cluster.EffectiveSpec;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.ClusterSpec;
import io.rhizome.proto.cluster.KeeperInfo;
import io.rhizome.proto.cluster.ProxyInfo;
import io.rhizome.proto.store.GetReply;
import io.rhizome.proto.store.KeyValue;
import io.rhizome.proto.store.ListReply;
import io.rhizome.store.StoreClient;
import io.rhizome.store.StoreException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's loop in a sentinel: while this sentinel leads the store, read the cluster data
 * and every keeper and proxy report, call {@link Controller#decide}, and compare-and-set the
 * result. It runs every sleepInterval, and at once when a watch shows a change under the
 * cluster's prefix (a keeper's key expiring is such a change). Losing leadership drops the
 * timers; the next leader starts them afresh.
 */
public final class ControllerLoop implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControllerLoop.class);
  /**
   * Reports arriving together are coalesced into one round at most this often. Small, because a
   * failover or switchover is a chain of report → round → new cluster data → report, and each
   * link waits out what is left of this gap: at 100 ms it cost a switchover up to 300 ms. Steady
   * state is unaffected: keepers and proxies report about once per sleepInterval each.
   */
  private static final Duration MIN_ROUND_GAP = Duration.ofMillis(25);

  private final StoreClient store;
  private final ClusterKeys keys;
  private final BooleanSupplier isLeader;
  private final Optional<ClusterSpec> initialSpec;
  private final Thread thread;
  private volatile boolean stopping;
  private ControllerMemory memory = ControllerMemory.EMPTY;
  private boolean leading;
  private List<String> lastReasons = List.of();
  private final ControllerStats stats = new ControllerStats();
  private final Supplier<String> newUid = () -> UUID.randomUUID().toString().replace("-", "").substring(0, 8);

  /**
   * @param initialSpec written as a fresh cluster when the store has no cluster data
   *     ({@code --initial-cluster-spec}); empty = wait for {@code rhizomectl init}
   */
  public ControllerLoop(StoreClient store, String clusterName, BooleanSupplier isLeader,
      Optional<ClusterSpec> initialSpec, java.util.function.Function<ClusterSpec, ClusterData> freshCluster) {
    this.store = store;
    this.keys = new ClusterKeys(clusterName);
    this.isLeader = isLeader;
    this.initialSpec = initialSpec;
    this.freshCluster = freshCluster;
    this.thread = new Thread(this::run, "controller");
    thread.setDaemon(true);
  }

  private final java.util.function.Function<ClusterSpec, ClusterData> freshCluster;
  private volatile java.util.function.Consumer<ClusterData> afterRound = cd -> { };

  /** Read by the sentinel's /metrics. */
  public ControllerStats stats() {
    return stats;
  }

  /**
   * Called with the cluster data after every round this controller led (on its thread: it must
   * return at once), e.g. to keep the store's leadership off the master's host.
   */
  public ControllerLoop afterEachRound(java.util.function.Consumer<ClusterData> listener) {
    this.afterRound = listener;
    return this;
  }

  public ControllerLoop start() {
    thread.start();
    return this;
  }

  private void run() {
    long revision = 0;
    while (!stopping) {
      EffectiveSpec spec = EffectiveSpec.of(ClusterSpec.getDefaultInstance());
      try {
        if (!isLeader.getAsBoolean()) {
          if (leading) {
            LOG.info("no longer the store's leader: controller stands by");
            leading = false;
            stats.setLeading(false);
            memory = ControllerMemory.EMPTY;
          }
          pause(Duration.ofMillis(200));
          continue;
        }
        if (!leading) {
          LOG.info("leading the store: controller runs (timers start afresh)");
          leading = true;
          stats.setLeading(true);
          memory = ControllerMemory.EMPTY;
        }
        long started = System.nanoTime();
        Round result = round();
        revision = result.revision;
        spec = result.spec;
        long spent = (System.nanoTime() - started) / 1_000_000;
        if (spent < MIN_ROUND_GAP.toMillis()) {
          pause(Duration.ofMillis(MIN_ROUND_GAP.toMillis() - spent));
        }
        store.watch(keys.prefix(), revision, spec.sleepInterval());
      } catch (StoreException e) {
        LOG.debug("controller round failed: {}", e.getMessage());
        pause(spec.sleepInterval());
      } catch (RuntimeException e) {
        LOG.warn("controller round failed: {}", e.toString());
        pause(spec.sleepInterval());
      }
    }
  }

  private record Round(long revision, EffectiveSpec spec) {}

  private Round round() {
    GetReply reply = store.getWithRevision(keys.clusterData());
    if (!reply.hasKv()) {
      initialSpec.ifPresent(spec -> {
        ClusterData fresh = freshCluster.apply(spec);
        if (store.compareAndPut(keys.clusterData(), fresh.toByteArray(), 0, Duration.ZERO).getSucceeded()) {
          LOG.info("no cluster data: initialised cluster {} from --initial-cluster-spec", fresh.getCluster().getUid());
        }
      });
      return new Round(reply.getRevision(), EffectiveSpec.of(ClusterSpec.getDefaultInstance()));
    }
    ClusterData cd;
    try {
      cd = ClusterData.parseFrom(reply.getKv().getValue());
    } catch (InvalidProtocolBufferException e) {
      LOG.warn("cluster data is unreadable ({}): the controller changes nothing", e.getMessage());
      return new Round(reply.getRevision(), EffectiveSpec.of(ClusterSpec.getDefaultInstance()));
    }
    Map<String, KeeperInfo> keepers = new HashMap<>();
    ListReply keeperKeys = store.list(keys.keepersPrefix());
    for (KeyValue kv : keeperKeys.getKvsList()) {
      parse(kv, KeeperInfo.parser()).ifPresent(i -> keepers.put(i.getKeeperId(), i));
    }
    Map<String, ProxyInfo> proxies = new HashMap<>();
    for (KeyValue kv : store.list(keys.proxiesPrefix()).getKvsList()) {
      parse(kv, ProxyInfo.parser()).ifPresent(p -> proxies.put(p.getProxyId(), p));
    }
    long now = System.nanoTime() / 1_000_000;
    Decision d = Controller.decide(new ControllerInput(cd, keepers, proxies, memory, now,
        System.currentTimeMillis(), newUid));
    if (!d.next().equals(cd)) {
      if (!isLeader.getAsBoolean()) {
        return new Round(reply.getRevision(), EffectiveSpec.of(cd.getCluster().getSpec()));
      }
      boolean written = store.compareAndPut(keys.clusterData(), d.next().toByteArray(), reply.getKv().getModRevision(),
          Duration.ZERO).getSucceeded();
      if (!written) {
        // someone (rhizomectl) wrote in between: decide again on what is there now
        return new Round(reply.getRevision(), EffectiveSpec.of(cd.getCluster().getSpec()));
      }
    }
    memory = d.memory();
    stats.recordRound(cd, d.next());
    afterRound.accept(d.next());
    if (!d.reasons().isEmpty() && !d.reasons().equals(lastReasons)) {
      d.reasons().forEach(reason -> LOG.info("controller: {}", reason));
      lastReasons = d.reasons();
    }
    return new Round(Math.max(reply.getRevision(), keeperKeys.getRevision()), EffectiveSpec.of(d.next().getCluster().getSpec()));
  }

  private static <T> Optional<T> parse(KeyValue kv, com.google.protobuf.Parser<T> parser) {
    try {
      return Optional.of(parser.parseFrom(kv.getValue()));
    } catch (InvalidProtocolBufferException e) {
      LOG.warn("ignoring unreadable {}: {}", kv.getKey(), e.getMessage());
      return Optional.empty();
    }
  }

  private void pause(Duration d) {
    try {
      Thread.sleep(Math.max(1, d.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopping = true;
    }
  }

  @Override
  public void close() {
    stopping = true;
    thread.interrupt();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
