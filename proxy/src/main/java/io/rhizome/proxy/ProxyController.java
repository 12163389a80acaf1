package io.rhizome.proxy;

import com.google.protobuf.InvalidProtocolBufferException;
import io.rhizome.cluster.ClusterKeys;
import io.rhizome.cluster.Durations;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.ProxyInfo;
import io.rhizome.proto.store.Event;
import io.rhizome.proto.store.GetReply;
import io.rhizome.proto.store.WatchReply;
import io.rhizome.store.StoreClient;
import io.rhizome.store.StoreException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the engine's route in step with the store, and the proxy's info key alive.
 *
 * <p>Three threads: the <em>watcher</em> long-polls the cluster data and applies each new route,
 * then acknowledges its generation; the <em>publisher</em> rewrites the info key (TTL
 * proxyTimeout) every {@link #publishInterval()}, and at once when the store answers again after
 * a blip; the <em>watchdog</em> fences the proxy when a read or a write of the store has not
 * succeeded for nearly proxyTimeout.
 *
 * <p>The safety argument: the controller promotes a new master only after every proxy has
 * acknowledged the fence or its info key has expired. A proxy acknowledges only after closing
 * its connections; and its key cannot expire while it still forwards, because the watchdog
 * fences it a margin before the key's TTL, counted from the <em>start</em> of its last successful
 * write (the store starts the TTL later, when it applies the write).
 */
public final class ProxyController implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyController.class);
  /** Fence this long before the info key could expire: covers the watchdog's tick and closing. */
  static final Duration FENCE_MARGIN = Duration.ofMillis(200);
  private static final Duration WATCHDOG_TICK = Duration.ofMillis(50);
  private static final Duration RETRY_PAUSE = Duration.ofMillis(100);
  private static final String STORE_LOST =
      "the store has not answered for proxyTimeout: refusing connections until it does";

  private final String proxyId;
  private final ClusterKeys keys;
  private final StoreClient store;
  private final ProxyEngine engine;
  private final Object routeLock = new Object();
  private final Object publishLock = new Object();
  private final Thread watcher;
  private final Thread publisher;
  /** Released when the store answers again after failing: the publisher writes at once. */
  private final java.util.concurrent.Semaphore publishNow = new java.util.concurrent.Semaphore(0);
  private final ScheduledExecutorService watchdog;
  private volatile boolean running = true;

  /** Route last applied. */
  private Route current;
  /** The proxy generation whose route is applied and whose old connections are all closed. */
  private volatile long appliedGeneration;
  private volatile String clusterUid = "";
  /** TTL of the info key: max(last published, spec's proxyTimeout), so a decrease is safe. */
  private volatile Duration ttl;
  private volatile Duration checkInterval;
  /** System.nanoTime at the start of the last successful read / info write; 0 = never. */
  private volatile long lastReadStart;
  private volatile long lastPublishStart;
  private volatile Duration lastPublishTtl = Duration.ZERO;
  /** The route must be read again from scratch (start, after a fence, after compaction). */
  private volatile boolean resync = true;
  private volatile boolean storeFailing;
  /** Watcher thread only: the last watch failed (logged once per run of failures). */
  private boolean watchesFailing;

  public ProxyController(String proxyId, ClusterKeys keys, StoreClient store, ProxyEngine engine) {
    this.proxyId = proxyId;
    this.keys = keys;
    this.store = store;
    this.engine = engine;
    this.current = engine.route();
    this.ttl = current.proxyTimeout();
    this.checkInterval = current.checkInterval();
    this.watcher = new Thread(this::watchLoop, "proxy-watcher");
    this.publisher = new Thread(this::publishLoop, "proxy-publisher");
    this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "proxy-watchdog");
      t.setDaemon(true);
      return t;
    });
    watcher.setDaemon(true);
    publisher.setDaemon(true);
  }

  public ProxyController start() {
    watcher.start();
    publisher.start();
    watchdog.scheduleWithFixedDelay(this::checkStoreDeadline, WATCHDOG_TICK.toMillis(),
        WATCHDOG_TICK.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /**
   * How often the info key is rewritten and the store read: the spec's proxyCheckInterval, but
   * at least {@value #WRITES_PER_TTL} times per proxyTimeout. The watchdog counts from the start
   * of the last successful write, so the blip a proxy rides out is proxyTimeout minus the fence
   * margin minus the age of that write when the blip began: writing often keeps that age small.
   */
  Duration publishInterval() {
    Duration part = ttl.dividedBy(WRITES_PER_TTL);
    return checkInterval.compareTo(part) < 0 ? checkInterval : part;
  }

  static final int WRITES_PER_TTL = 8;

  public long appliedGeneration() {
    return appliedGeneration;
  }

  // ---- watcher ----

  private void watchLoop() {
    long revision = 0;
    while (running) {
      try {
        if (resync) {
          revision = resync();
        } else {
          long start = System.nanoTime();
          Optional<WatchReply> answered = watchOrReadAfresh(revision);
          if (answered.isEmpty()) {
            continue;
          }
          WatchReply w = answered.get();
          lastReadStart = start;
          if (w.getCompacted()) {
            resync = true;
            continue;
          }
          revision = w.getRevision();
          Optional<Optional<ClusterData>> latest = latest(w);
          if (latest.isPresent()) {
            route(Routing.decide(latest.get()));
          }
        }
        storeRecovered();
      } catch (StoreException e) {
        storeFailed(e);
        if (!pauseQuietly(RETRY_PAUSE)) {
          return;
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        resync = true;
        LOG.error("unexpected error reading the cluster data (retrying): {}", e.toString(), e);
        if (!pauseQuietly(RETRY_PAUSE)) {
          return;
        }
      }
    }
  }

  /**
   * One watch; empty when it failed, and the next turn reads the cluster data afresh. A watch
   * that failed may fail again and again while gets and puts go through (a set-up in CI saw every
   * watch of a proxy time out for two minutes): a proxy that only watched again would keep its
   * route that long. Reading afresh goes through the request client, so the route follows the
   * store at every failed watch, and the store is called failing only when that read fails too.
   */
  private Optional<WatchReply> watchOrReadAfresh(long revision) throws InterruptedException {
    try {
      WatchReply w = store.watch(keys.clusterData(), revision, publishInterval());
      if (watchesFailing) {
        watchesFailing = false;
        LOG.info("watching the cluster data works again");
      }
      return Optional.of(w);
    } catch (StoreException e) {
      if (!watchesFailing && running) {
        watchesFailing = true;
        LOG.warn("watching the cluster data failed: {} (reading it afresh after every failed watch until one works)",
            e.getMessage());
      }
      resync = true;
      pause(RETRY_PAUSE);
      return Optional.empty();
    }
  }

  /**
   * Reads the cluster data, makes sure the info key exists, reads again and routes by that.
   * A fence written after the second read waits for this proxy (its key exists); one written
   * before is in what it read.
   */
  private long resync() throws InterruptedException {
    long start = System.nanoTime();
    store.getWithRevision(keys.clusterData());
    lastReadStart = start;
    publish();
    start = System.nanoTime();
    GetReply r = store.getWithRevision(keys.clusterData());
    lastReadStart = start;
    resync = false;
    route(Routing.decide(r.hasKv() ? parse(r.getKv().getValue().toByteArray()) : Optional.empty()));
    return r.getRevision();
  }

  /** The last change to the cluster data key in a watch reply; empty when it did not change. */
  private Optional<Optional<ClusterData>> latest(WatchReply w) {
    Optional<Optional<ClusterData>> latest = Optional.empty();
    for (Event e : w.getEventsList()) {
      if (!e.getKv().getKey().equals(keys.clusterData())) {
        continue;
      }
      latest = Optional.of(e.getType() == Event.Type.PUT
          ? parse(e.getKv().getValue().toByteArray()) : Optional.empty());
    }
    return latest;
  }

  private static Optional<ClusterData> parse(byte[] value) {
    try {
      return Optional.of(ClusterData.parseFrom(value));
    } catch (InvalidProtocolBufferException e) {
      // a proxy that cannot read the cluster data must not guess where the master is
      LOG.error("the cluster data in the store is unreadable ({}): refusing connections", e.getMessage());
      return Optional.empty();
    }
  }

  /** Applies a route; once its old connections are gone, acknowledges its generation. */
  private void route(Route next) throws InterruptedException {
    checkInterval = next.checkInterval();
    if (next.proxyTimeout().compareTo(ttl) > 0) {
      ttl = next.proxyTimeout();
    }
    if (!next.clusterUid().isEmpty()) {
      clusterUid = next.clusterUid();
    }
    CompletableFuture<Void> closed = apply(next);
    if (closed == null) {
      return;
    }
    // keep the info key alive while connections drain; the old generation stays published
    while (true) {
      try {
        closed.get(publishInterval().toMillis(), TimeUnit.MILLISECONDS);
        break;
      } catch (TimeoutException e) {
        if (!running) {
          return;
        }
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException("applying a route failed", e.getCause());
      }
    }
    if (next.generation() >= 0 && next.generation() != appliedGeneration) {
      appliedGeneration = next.generation();
      publish();
      LOG.info("acknowledged proxy generation {}", appliedGeneration);
    }
    // after a decrease, the next writes use the spec's timeout (the key never outlives the proxy)
    ttl = next.proxyTimeout();
  }

  /** Null when the route is unchanged. */
  private CompletableFuture<Void> apply(Route next) {
    synchronized (routeLock) {
      if (next.mode() != Route.Mode.REFUSE && storeDeadlinePassed(System.nanoTime())) {
        next = Route.refuseAll(STORE_LOST);
      }
      if (next.equals(current)) {
        return null;
      }
      if (!next.reason().equals(current.reason()) || !next.standbys().equals(current.standbys())) {
        LOG.info("{}{}", next.reason(), next.standbys().isEmpty() ? ""
            : "; read-only standbys " + next.standbys().stream().map(Backend::toString).toList());
      }
      current = next;
      return engine.apply(next);
    }
  }

  // ---- publisher ----

  private void publishLoop() {
    Duration wait = publishInterval();
    while (running) {
      try {
        // woken early when the store answers again: the last write may be nearly proxyTimeout
        // old by then, and the watchdog fences the proxy at that age
        publishNow.tryAcquire(Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS);
        publishNow.drainPermits();
        wait = publishInterval();
        // a proxy that cannot read cannot acknowledge a fence: let its key expire instead of
        // holding a failover up (the watcher wakes this thread when reads succeed again)
        if (!running || resync || !readsFresh(System.nanoTime())) {
          continue;
        }
        publish();
      } catch (StoreException e) {
        storeFailed(e);
        wait = RETRY_PAUSE;
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.error("unexpected error publishing proxy info (retrying): {}", e.toString(), e);
        wait = RETRY_PAUSE;
      }
    }
  }

  /** Writes the info key with the applied generation. */
  void publish() {
    synchronized (publishLock) {
      Duration t = ttl;
      long start = System.nanoTime();
      ProxyInfo info = ProxyInfo.newBuilder()
          .setProxyId(proxyId)
          .setClusterUid(clusterUid)
          .setGeneration(appliedGeneration)
          .setProxyTimeout(Durations.toProto(t))
          .setPublishedAtMillis(System.currentTimeMillis())
          .build();
      store.put(keys.proxy(proxyId), info.toByteArray(), t);
      lastPublishTtl = t;
      lastPublishStart = start;
    }
  }

  // ---- watchdog ----

  private boolean readsFresh(long now) {
    return lastReadStart != 0 && now - lastReadStart < ttl.minus(FENCE_MARGIN).toNanos();
  }

  /** True when the info key may expire soon: the controller stops waiting for this proxy then. */
  private boolean storeDeadlinePassed(long now) {
    return storeDeadlinePassed(now, lastPublishStart, lastReadStart, lastPublishTtl);
  }

  /**
   * The fence rule, pure: a proxy that has never read or written routes nothing, and one whose
   * last successful write of its info key started {@code ttl} minus the margin ago must close
   * everything, because the key may expire then and a failover go on without it. Stale reads
   * alone do not fence: the publisher stops writing once reads are that old ({@link #readsFresh}),
   * so a proxy that cannot read lets its key expire and fences by this same rule before it can.
   * Counting reads here too dropped every connection of a busy, healthy cluster when two watch
   * replies in a row came late on a saturated CPU while every write went through (docs/proxy.md).
   */
  static boolean storeDeadlinePassed(long now, long lastPublishStart, long lastReadStart, Duration ttl) {
    if (lastPublishStart == 0 || lastReadStart == 0) {
      return true;
    }
    return now - lastPublishStart >= ttl.minus(FENCE_MARGIN).toNanos();
  }

  private void checkStoreDeadline() {
    try {
      synchronized (routeLock) {
        if (current.mode() == Route.Mode.REFUSE && current.standbys().isEmpty()
            || !storeDeadlinePassed(System.nanoTime())) {
          return;
        }
        LOG.warn("no write to the store has succeeded for {}ms (proxyTimeout {}ms): closing every connection "
            + "and refusing new ones until it does", lastPublishTtl.minus(FENCE_MARGIN).toMillis(),
            lastPublishTtl.toMillis());
        resync = true;
        current = Route.refuseAll(STORE_LOST);
        engine.apply(current);
      }
    } catch (RuntimeException e) {
      LOG.error("watchdog failed: {}", e.toString(), e);
    }
  }

  private void storeFailed(StoreException e) {
    if (running && !storeFailing) {
      storeFailing = true;
      LOG.warn("store request failed: {} (connections stay open for up to proxyTimeout)", e.getMessage());
    }
  }

  private void storeRecovered() {
    if (storeFailing) {
      storeFailing = false;
      publishNow.release();
      LOG.info("store reachable again");
    }
  }

  /** False when interrupted (stopping). */
  private static boolean pauseQuietly(Duration d) {
    try {
      pause(d);
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }

  private static void pause(Duration d) throws InterruptedException {
    Thread.sleep(Math.max(1, d.toMillis()));
  }

  /** Stops the loops and deletes the info key (best effort), so no failover waits for this proxy. */
  @Override
  public void close() {
    running = false;
    watchdog.shutdownNow();
    watcher.interrupt();
    publisher.interrupt();
    try {
      watcher.join(5000);
      publisher.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** After the engine has closed every connection: removes the info key. */
  public void withdraw() {
    try {
      store.delete(keys.proxy(proxyId));
    } catch (StoreException e) {
      LOG.warn("could not delete proxy info {}: {} (it expires by itself)", keys.proxy(proxyId), e.getMessage());
    }
  }
}
