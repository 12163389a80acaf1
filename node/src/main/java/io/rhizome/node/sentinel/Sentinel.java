package io.rhizome.node.sentinel;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.rhizome.node.common.DataDirLock;
import io.rhizome.node.common.HttpEndpoint;
import io.rhizome.node.common.StoreClientMetrics;
import io.rhizome.node.common.RefusedException;
import io.rhizome.store.StoreServer;
import io.rhizome.store.StoreServerConfig;
import io.rhizome.store.StoreTuning;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running sentinel: its locked data dir and its peer of the store. */
final class Sentinel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Sentinel.class);

  private final SentinelSettings settings;
  private final DataDirLock lock;
  private final StoreServer store;
  private final io.rhizome.store.StoreClient controllerClient;
  private final io.rhizome.node.controller.ControllerLoop controller;
  private final LeaderMover leaderMover;

  /** Null when --http-port is not given. */
  private final HttpEndpoint http;

  private Sentinel(SentinelSettings settings, DataDirLock lock, StoreServer store, HttpEndpoint http) {
    this.settings = settings;
    this.lock = lock;
    this.store = store;
    this.http = http;
    // the controller talks to the store like any client: its writes go through Raft too
    this.controllerClient = io.rhizome.store.StoreClient.connect(
        io.rhizome.store.StoreClientConfig.of(settings.peers()).withTls(settings.tls()));
    this.leaderMover = new LeaderMover(store);
    this.controller = new io.rhizome.node.controller.ControllerLoop(controllerClient, settings.clusterName(),
        store::isLeaderReady, settings.initialClusterSpec(), settings.freshCluster())
        .afterEachRound(leaderMover).start();
    if (http != null) {
      PrometheusRegistry registry = new PrometheusRegistry();
      SentinelMetrics.register(registry, store, controller.stats());
      StoreClientMetrics.register(registry, controllerClient);
      SentinelHttp.install(http, store, controllerClient, settings.clusterName(), registry);
    }
  }

  /** Checks everything that can be checked before writing anything, then starts. */
  static Sentinel start(SentinelSettings s) throws IOException {
    SentinelDataDir dataDir = new SentinelDataDir(s.dataDir());
    dataDir.checkBelongsTo(s.clusterName(), s.self().id());
    // a running sentinel on this dir is the likelier story than a port clash: say that first
    DataDirLock existing = dataDir.lockIfExists();
    DataDirLock lock;
    HttpEndpoint http = null;
    try {
      requirePortFree(s.listenAddress(), s.listenPort());
      // bound before the data dir is created: a taken --http-port leaves nothing behind
      http = s.http().map(HttpEndpoint::start).orElse(null);
      lock = existing != null ? existing : dataDir.lock();
    } catch (RuntimeException e) {
      if (http != null) {
        http.close();
      }
      if (existing != null) {
        existing.close();
      }
      throw e;
    }
    try {
      boolean join = s.join() && dataDir.isNew();
      StoreServerConfig config = new StoreServerConfig(s.self(), s.peers(), s.listenAddress(), s.listenPort(),
          dataDir.raftDir(), s.electionTimeout(), join,
          StoreTuning.defaults().withSnapshotThreshold(s.snapshotThreshold()), s.tls());
      StoreServer store = StoreServer.start(config);
      dataDir.recordIdentity(s.clusterName(), s.self().id());
      LOG.info("sentinel started cluster={} id={} address={} peers={} join={}", s.clusterName(),
          s.self().id(), s.self().address(), s.peers(), join);
      return new Sentinel(s, lock, store, http);
    } catch (IOException | RuntimeException e) {
      if (http != null) {
        http.close();
      }
      lock.close();
      if (rootCause(e) instanceof BindException) {
        throw new RefusedException("--port " + s.listenPort() + ": " + s.listenAddress() + ":"
            + s.listenPort() + " is already in use");
      }
      throw e;
    }
  }

  private static void requirePortFree(String host, int port) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(InetAddress.getByName(host), port));
    } catch (IOException e) {
      throw new RefusedException("--port " + port + ": cannot listen on " + host + ":" + port
          + " (" + (e instanceof BindException ? "already in use" : e.getMessage()) + ")");
    }
  }

  private static Throwable rootCause(Throwable t) {
    Throwable r = t;
    while (r.getCause() != null && r.getCause() != r) {
      r = r.getCause();
    }
    return r;
  }

  StoreServer store() {
    return store;
  }

  @Override
  public void close() throws IOException {
    try {
      if (http != null) {
        http.close();
      }
      controller.close();
      leaderMover.close();
      controllerClient.close();
      store.close();
    } finally {
      lock.close();
      LOG.info("sentinel stopped id={}", settings.self().id());
    }
  }
}
