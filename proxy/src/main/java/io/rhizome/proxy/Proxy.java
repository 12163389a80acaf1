package io.rhizome.proxy;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.rhizome.cluster.ClusterKeys;
import io.rhizome.node.common.HttpEndpoint;
import io.rhizome.node.common.StoreClientMetrics;
import io.rhizome.store.StoreClient;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running proxy: the engine, its store loop and its store client. */
public final class Proxy implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Proxy.class);

  private final ProxySettings settings;
  private final StoreClient store;
  private final ProxyEngine engine;
  private final ProxyController controller;

  /** Null when --http-port is not given. */
  private final HttpEndpoint http;

  private Proxy(ProxySettings settings, StoreClient store, ProxyEngine engine,
      ProxyController controller, HttpEndpoint http) {
    this.settings = settings;
    this.http = http;
    this.store = store;
    this.engine = engine;
    this.controller = controller;
  }

  /**
   * Binds the ports (refusing connections at first) and starts following the cluster data.
   *
   * @throws ProxyEngine.PortInUseException when a port is taken
   */
  public static Proxy start(ProxySettings settings) throws IOException {
    // bound first: a taken --http-port is refused before any client port opens
    HttpEndpoint http = settings.http().map(HttpEndpoint::start).orElse(null);
    ProxyEngine engine;
    StoreClient store;
    try {
      engine = ProxyEngine.start(settings.engine());
    } catch (IOException | RuntimeException e) {
      if (http != null) {
        http.close();
      }
      throw e;
    }
    try {
      store = StoreClient.connect(settings.store());
    } catch (RuntimeException e) {
      engine.close();
      if (http != null) {
        http.close();
      }
      throw e;
    }
    ProxyController controller = new ProxyController(settings.proxyId(),
        new ClusterKeys(settings.clusterName()), store, engine).start();
    if (http != null) {
      PrometheusRegistry registry = new PrometheusRegistry();
      ProxyMetrics.register(registry, engine, controller);
      StoreClientMetrics.register(registry, store);
      http.route("/health", q -> ProxyHealth.answer(engine.route())).metrics(registry);
    }
    LOG.info("proxy id={} cluster={} listening on {}{} (store {})", settings.proxyId(),
        settings.clusterName(), engine.address(Port.MASTER),
        settings.engine().readOnlyListen().isPresent()
            ? ", read-only on " + engine.address(Port.READ_ONLY) : "",
        settings.store().endpoints());
    return new Proxy(settings, store, engine, controller, http);
  }

  public ProxyEngine engine() {
    return engine;
  }

  public ProxyController controller() {
    return controller;
  }

  public String id() {
    return settings.proxyId();
  }

  /** Stops accepting, closes every connection, withdraws the info key. */
  @Override
  public void close() {
    if (http != null) {
      http.close();
    }
    controller.close();
    engine.close();
    controller.withdraw();
    store.close();
    LOG.info("proxy id={} stopped", settings.proxyId());
  }
}
