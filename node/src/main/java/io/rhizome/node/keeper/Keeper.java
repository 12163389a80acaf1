package io.rhizome.node.keeper;

import com.google.protobuf.InvalidProtocolBufferException;
import io.rhizome.cluster.ClusterKeys;
import io.rhizome.cluster.EffectiveSpec;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.rhizome.node.common.DataDirLock;
import io.rhizome.node.common.HttpEndpoint;
import io.rhizome.node.common.StoreClientMetrics;
import io.rhizome.node.common.RefusedException;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.ClusterSpec;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.KeeperInfo;
import io.rhizome.proto.cluster.SelfFenceMode;
import io.rhizome.proto.store.GetReply;
import io.rhizome.store.StoreClient;
import io.rhizome.store.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running keeper: a convergence loop (read the cluster data, look at PostgreSQL, plan, act),
 * a publisher of its info key every sleepInterval, and a self-fencing watchdog. The three share
 * {@link KeeperState}; PostgreSQL is touched under one lock.
 */
final class Keeper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Keeper.class);
  private static final EffectiveSpec DEFAULTS = EffectiveSpec.of(ClusterSpec.getDefaultInstance());

  private final KeeperSettings settings;
  private final DataDirLock lock;
  private final KeeperDataDir dir;
  private final StoreClient store;
  private final ClusterKeys keys;
  private final PgServer pg;
  private final KeeperState state;
  private final InstanceObserver observer;
  private final ActionExecutor executor;
  private final String bootUuid = UUID.randomUUID().toString();
  private final Object pgLock = new Object();
  private final Thread loop;
  private final ScheduledExecutorService timers;
  private final java.util.concurrent.ExecutorService publisher;
  /** A publishSoon is queued and has not started: another would publish the same state. */
  private final java.util.concurrent.atomic.AtomicBoolean publishQueued = new java.util.concurrent.atomic.AtomicBoolean();
  /** Null when --http-port is not given. */
  private final HttpEndpoint http;
  /** Confirms the master's commits only while the store names it master (docs/keeper.md). */
  private final CommitLease lease = new CommitLease();
  private final LeaseStandby leaseStandby;
  private long lastLeaseReadNanos;
  /** The last cluster data read (the health checks judge by it); null until the first read. */
  private volatile ClusterData lastClusterData;

  private volatile boolean stopping;
  private volatile EffectiveSpec spec = DEFAULTS;
  private volatile InstanceObserver.Observation lastObservation;
  /** The db the data dir held when {@link #lastObservation} was taken. */
  private volatile String observedDbUid = "";
  /** When the last read and the last write of the store that succeeded started: the self-fence clock. */
  private final StoreContact contact = new StoreContact(System.nanoTime());
  private volatile String knownClusterUid;
  private String lastSummary = "";
  private final Set<String> loggedIgnored = new HashSet<>();
  /** Parameter values PostgreSQL refused (name to value), and the last file it loaded cleanly. */
  private final java.util.Map<String, String> refusedParameters = new java.util.HashMap<>();
  private java.util.Map<String, String> lastGoodParameters = java.util.Map.of();
  private volatile java.util.List<String> currentRefusals = java.util.List.of();

  private Keeper(KeeperSettings settings, DataDirLock lock, KeeperDataDir dir, StoreClient store, HttpEndpoint http) {
    this.settings = settings;
    this.http = http;
    this.lock = lock;
    this.dir = dir;
    this.store = store;
    this.keys = new ClusterKeys(settings.clusterName());
    this.pg = new PgServer(settings.binaries(), dir.pgData(), dir.serverLog());
    this.state = new KeeperState(dir);
    this.knownClusterUid = state.local().clusterUid();
    long failMillis = state.local().failIntervalMillis();
    if (failMillis > 0) {
      // until the store answers, fence on the cluster's own failInterval, not the default
      this.spec = EffectiveSpec.of(ClusterSpec.newBuilder()
          .setFailInterval(io.rhizome.cluster.Durations.toProto(Duration.ofMillis(failMillis))).build());
    }
    ConnInfo local = ConnInfo.of(localHost(settings.pgListenAddress()), settings.pgPort(), settings.suUsername(), "postgres");
    this.observer = new InstanceObserver(pg, local, settings.suPassword());
    this.executor = new ActionExecutor(pg, dir, settings, state, local, observer);
    ConnInfo localReplication = ConnInfo.of(local.host(), settings.pgPort(), settings.replUsername(), "postgres");
    this.leaseStandby = new LeaseStandby(localReplication, settings.replPassword(), local, settings.suPassword(),
        Duration.ofSeconds(2), lease, () -> spec.selfFenceAfter(), this::leaseWanted, this::leasePrepared);
    this.loop = new Thread(this::runLoop, "keeper-loop");
    this.timers = Executors.newScheduledThreadPool(3, r -> {
      Thread t = new Thread(r, "keeper-timer");
      t.setDaemon(true);
      return t;
    });
    // its own thread: a publish blocked on an unreachable store must not hold up the timers,
    // the self-fencing watchdog among them
    this.publisher = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "keeper-publish");
      t.setDaemon(true);
      return t;
    });
  }

  /** Checks what can be checked, then starts the loop. Nothing is started when a check fails. */
  static Keeper start(KeeperSettings s) {
    KeeperDataDir dir = new KeeperDataDir(s.dataDir());
    // a keeper already running on this dir is the likelier story than a port clash: say that first
    DataDirLock existing = dir.lockIfExists(s.clusterName(), s.keeperId());
    DataDirLock lock = existing;
    HttpEndpoint http = null;
    try {
      PgServer pg = new PgServer(s.binaries(), dir.pgData(), dir.serverLog());
      if (!pg.isRunning()) {
        requirePortFree(s.pgListenAddress(), s.pgPort());
      }
      // bound before anything is written: a taken --http-port leaves the data dir as it was
      http = s.http().map(HttpEndpoint::start).orElse(null);
      lock = dir.open(s.clusterName(), s.keeperId(), existing);
      writePassFile(dir.passFile(), s);
      StoreClient store = StoreClient.connect(s.store());
      Keeper k = new Keeper(s, lock, dir, store, http);
      k.begin();
      return k;
    } catch (RuntimeException e) {
      if (http != null) {
        http.close();
      }
      if (lock != null) {
        lock.close();
      }
      throw e;
    }
  }

  /** Health checks and metrics, when --http-port is given; they read only what the loop last saw. */
  private void serveHttp() {
    if (http == null) {
      return;
    }
    PrometheusRegistry registry = new PrometheusRegistry();
    KeeperMetrics.register(registry, this::snapshot);
    StoreClientMetrics.register(registry, store);
    KeeperHttp.install(http, this::snapshot, registry);
  }

  KeeperSnapshot snapshot() {
    return KeeperSnapshot.of(info(), Optional.ofNullable(lastClusterData));
  }

  private void begin() {
    if (settings.roleHook().enabled()) {
      roleCallback = new RoleCallbackRunner(settings.roleHook());
    }
    LOG.info("keeper started cluster={} id={} boot={} pg={}:{} postgres={} dataDir={}", settings.clusterName(),
        settings.keeperId(), bootUuid, settings.pgAdvertiseAddress(), settings.pgAdvertisePort(),
        settings.binaries().version(), dir.dir());
    if (pg.isRunning()) {
      LOG.info("PostgreSQL is already running (left by an earlier keeper): adopting it; it is fenced if the store "
          + "cannot confirm it within failInterval");
    }
    serveHttp();
    loop.start();
    leaseStandby.start();
    timers.scheduleWithFixedDelay(this::publishQuietly, 0, 100, TimeUnit.MILLISECONDS);
    timers.scheduleWithFixedDelay(this::renewLeaseIfDue, 100, 50, TimeUnit.MILLISECONDS);
    timers.scheduleWithFixedDelay(this::fenceIfCutOff, 50, 50, TimeUnit.MILLISECONDS);
  }

  KeeperState state() {
    return state;
  }

  String bootUuid() {
    return bootUuid;
  }

  // ---- the convergence loop ----

  private void runLoop() {
    while (!stopping) {
      long revision = -1;
      boolean acted = false;
      try {
        RoundResult r = round();
        revision = r.revision;
        acted = r.acted;
      } catch (RuntimeException e) {
        LOG.warn("keeper round failed: {}", e.toString());
      }
      if (observer.silent()) {
        // PostgreSQL runs and did not answer (that took requestTimeout, or the connection broke):
        // ask again at once, not after sleepInterval, so a slow server is seen answering again
        // within its grace (SilenceGrace)
        pauseBriefly(SILENT_RETRY_PAUSE);
      } else if (!acted) {
        waitForChange(revision);
      }
    }
  }

  private record RoundResult(long revision, boolean acted) {}

  /** Between probes of a PostgreSQL that runs but did not answer: a broken connection fails at once. */
  private static final Duration SILENT_RETRY_PAUSE = Duration.ofMillis(50);

  /** Sleeps; an interrupt stops the keeper. */
  private void pauseBriefly(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopping = true;
    }
  }

  private RoundResult round() {
    long started = System.nanoTime();
    StoreRead read;
    long revision = -1;
    try {
      GetReply reply = store.getWithRevision(keys.clusterData());
      contact.read(started);
      revision = reply.getRevision();
      read = toStoreRead(reply);
      leaseRead(started, reply);
    } catch (StoreException e) {
      read = new StoreRead.Unreachable(e.getMessage());
    }
    EffectiveSpec current = spec;
    String dbBefore = state.local().dbUid();
    InstanceObserver.Observation o = observer.observe(current.requestTimeout(), current.failInterval());
    observedDbUid = dbBefore;
    lastObservation = o;
    promotedJustNow = false;
    roles.observe(PgRole.of(o.observed())).ifPresent(this::roleChanged);
    learnRefusedParameters(o);
    WantedFiles wanted = wantedFiles(read, o);
    Duration unreachable = read instanceof StoreRead.Unreachable ? contact.cutOffFor(System.nanoTime()) : Duration.ZERO;
    KeeperRuntime rt = new KeeperRuntime(unreachable, state.fenced(), state.restartGateClosed());
    Plan plan = KeeperPlanner.plan(read, state.local(), o.observed(), wanted, rt, current.selfFenceStopAfter(),
        current.selfFenceMode());
    String summary = plan.summary();
    if (!summary.equals(lastSummary)) {
      LOG.info("{}", summary);
      lastSummary = summary;
    }
    state.setLastActionReason(summary);
    if (plan.actions().isEmpty()) {
      publishIfChanged(plannedSwitchover);
      return new RoundResult(revision, false);
    }
    // what was seen is reported beside the actions, not before them: a store write (a Raft round,
    // 20–80 ms on a busy host) ahead of the old master's stop was on every switchover's path
    publishSoon();
    synchronized (pgLock) {
      for (Action action : plan.actions()) {
        if (stopping) {
          break;
        }
        if (action != plan.actions().get(0)) {
          LOG.info("{}", action.reason());
        }
        try {
          executor.execute(action, wanted, current);
          state.setLastError("");
          if (action instanceof Action.MarkConverged) {
            // what the controller waits on to route to a new master: said before any slot work,
            // and not from under pgLock, which the self-fencing watchdog must never wait on
            publishSoon();
          }
          if (action instanceof Action.Promote) {
            // commits on the new master wait for the lease standby: start it now, not after the
            // next round has observed what the promotion already told us
            promotedJustNow = true;
            leaseStandby.wake();
          }
        } catch (Exception e) {
          String error = action.getClass().getSimpleName() + " failed: " + e.getMessage();
          if (!error.equals(state.lastError())) {
            LOG.warn("{}", error);
          }
          state.setLastError(error);
          return new RoundResult(revision, false);
        }
      }
    }
    // an acknowledged generation is what the controller waits on to route to a new master: say
    // so now, not after the next round's observation
    publishIfChanged(plannedSwitchover);
    return new RoundResult(revision, true);
  }

  // ---- --on-role-change ----

  private final PgRole.Changes roles = new PgRole.Changes();
  private RoleCallbackRunner roleCallback;

  private void roleChanged(PgRole role) {
    LOG.info("PostgreSQL role is now {} db={}", role.word(), state.local().dbUid());
    if (roleCallback != null) {
      roleCallback.submit(new RoleCallbackRunner.Call(role, settings.clusterName(), state.local().dbUid()));
    }
  }

  /** Set from each cluster data read: a planned switchover waits on every keeper's position. */
  private volatile boolean plannedSwitchover;

  private StoreRead toStoreRead(GetReply reply) {
    if (!reply.hasKv()) {
      return new StoreRead.NoCluster();
    }
    ClusterData cd;
    try {
      cd = ClusterData.parseFrom(reply.getKv().getValue());
    } catch (InvalidProtocolBufferException e) {
      LOG.warn("cluster data is unreadable ({}); changing nothing", e.getMessage());
      return new StoreRead.NoCluster();
    }
    lastClusterData = cd;
    Assignment a = AssignmentReader.read(cd, settings.keeperId(), bootUuid);
    spec = a.spec();
    plannedSwitchover = cd.getProxy().getSpec().getPlannedSwitchover() || cd.getCluster().getStatus().hasFailover();
    if (a.spec().failInterval().toMillis() != state.local().failIntervalMillis()) {
      state.updateLocal(l -> l.withFailInterval(a.spec().failInterval().toMillis()));
    }
    if (!a.clusterUid().isEmpty() && !a.clusterUid().equals(knownClusterUid)) {
      knownClusterUid = a.clusterUid();
      state.updateLocal(l -> l.withClusterUid(a.clusterUid()));
    }
    return new StoreRead.Read(a);
  }

  private void learnRefusedParameters(InstanceObserver.Observation o) {
    if (!o.observed().healthy()) {
      return;
    }
    java.util.Map<String, String> onDisk;
    try {
      onDisk = PgConfFile.parse(o.observed().confOnDisk());
    } catch (IllegalArgumentException e) {
      return;
    }
    boolean clean = true;
    for (PgSession.FileSettingError e : o.fileErrors()) {
      if (e.sourceFile() != null && e.sourceFile().endsWith("/postgresql.conf") && e.name() != null) {
        clean = false;
        String value = onDisk.get(e.name());
        if (value != null && !value.equals(refusedParameters.put(e.name(), value))) {
          LOG.warn("PostgreSQL refused {} = '{}': {}", e.name(), value, e.error());
        }
      }
    }
    if (clean) {
      lastGoodParameters = onDisk;
    }
  }

  private WantedFiles wantedFiles(StoreRead read, InstanceObserver.Observation o) {
    Observed obs = o.observed();
    WantedFiles asTheyAre = new WantedFiles(obs.confOnDisk(), obs.hbaOnDisk(), obs.hbaOnDisk());
    if (!(read instanceof StoreRead.Read r) || r.assignment().db().isEmpty()) {
      return asTheyAre;
    }
    Db db = r.assignment().db().get();
    WantedFilesRenderer.Local local = new WantedFilesRenderer.Local(settings.pgListenAddress(), settings.pgPort(),
        dir.socketDir(), dir.passFile(), settings.suUsername(), settings.replUsername(), settings.authMethod(),
        settings.binaries().majorVersion());
    java.util.Map<String, String> onDisk;
    try {
      onDisk = PgConfFile.parse(obs.confOnDisk());
    } catch (IllegalArgumentException e) {
      onDisk = java.util.Map.of();
    }
    boolean readOnly = state.fenced() && spec.selfFenceMode() == SelfFenceMode.READ_ONLY;
    WantedFilesRenderer.Result result = WantedFilesRenderer.render(db, r.assignment().followed(), local, onDisk, readOnly,
        refusedParameters, lastGoodParameters, spec.commitLease());
    currentRefusals = result.ignored().stream().filter(x -> x.contains("was refused by PostgreSQL")).toList();
    for (String sentence : result.ignored()) {
      if (loggedIgnored.add(sentence)) {
        LOG.warn("{}", sentence);
      }
    }
    return result.files();
  }

  private void waitForChange(long revision) {
    Duration sleep = spec.sleepInterval();
    try {
      if (revision >= 0) {
        // wakes at once when the cluster data changes: a promotion is not delayed by a tick
        store.watch(keys.clusterData(), revision, sleep);
        return;
      }
    } catch (StoreException e) {
      // fall through to a plain pause
    }
    pauseBriefly(sleep);
  }

  // ---- publishing the keeper info ----

  private long lastPublishNanos;

  /**
   * Every sleepInterval, and twice as often while PostgreSQL runs as a primary: a master's commit
   * lease and its self-fence count from its last successful write of this key, so the fresher
   * that write when a store blip begins, the longer the blip it rides out.
   */
  private void publishQuietly() {
    InstanceObserver.Observation o = lastObservation;
    Duration every = o != null && o.observed().runningAsPrimary()
        ? spec.sleepInterval().dividedBy(2) : spec.sleepInterval();
    if (System.nanoTime() - lastPublishNanos >= every.toNanos()) {
      publishNow();
    }
  }

  /**
   * Publishes at once when what the controller waits on changed (role, running, health, db,
   * generation, timeline; the position too during a planned switchover), instead of at the next
   * tick: a failover or switchover waits on these reports.
   */
  /** {@link #publishIfChanged} on its own thread: the loop goes on while the store write is made. */
  private void publishSoon() {
    if (!publishQueued.compareAndSet(false, true)) {
      return; // the queued one reads the state when it runs
    }
    try {
      publisher.execute(() -> {
        publishQueued.set(false);
        publishIfChanged(plannedSwitchover);
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      publishQueued.set(false); // stopping: the keeper's info is being withdrawn
    }
  }

  private synchronized void publishIfChanged(boolean plannedSwitchover) {
    KeeperInfo i = info();
    var p = i.getPostgres();
    String key = p.getDbUid() + "/" + p.getGeneration() + "/" + p.getRunning() + "/" + p.getHealthy() + "/"
        + p.getInRecovery() + "/" + p.getTimelineId() + "/" + p.getFenced()
        + "/" + p.getCommitLeaseHeld() + "/" + p.getLeaseReleasedForFailover()
        + (plannedSwitchover ? "/" + p.getXlogPos() : "");
    if (!key.equals(lastPublishedKey)) {
      lastPublishedKey = key;
      publishNow();
    }
  }

  private volatile String lastPublishedKey = "";

  private synchronized void publishNow() {
    try {
      if (knownClusterUid == null || knownClusterUid.isEmpty() || stopping) {
        return;
      }
      lastPublishNanos = System.nanoTime();
      long started = System.nanoTime();
      store.put(keys.keeper(settings.keeperId()), info().toByteArray(), spec.failInterval());
      contact.wrote(started);
      lease.published(started);
    } catch (RuntimeException e) {
      LOG.debug("publishing keeper info failed: {}", e.toString());
    }
  }

  KeeperInfo info() {
    InstanceObserver.Observation o = lastObservation;
    LocalDbState local = state.local();
    // an observation describes the db the data dir held when it was taken; during an initdb or a
    // resync, or once the keeper holds another db, it describes nothing the controller may use
    boolean current = o != null && !local.initializing() && local.dbUid().equals(observedDbUid);
    var pgState = (current ? o.reported().toBuilder() : io.rhizome.proto.cluster.PostgresState.newBuilder()
            .setInitialized(o != null && o.reported().getInitialized()))
        .setDbUid(local.dbUid())
        .setGeneration(local.generation())
        .setListenAddress(settings.pgAdvertiseAddress())
        .setPort(settings.pgAdvertisePort())
        .setFenced(state.fenced())
        .setCommitLeaseHeld(leaseStandby.confirming())
        .setLeaseReleasedForFailover(lease.releasedFor())
        .clearRejectedParameters()
        .addAllRejectedParameters(currentRefusals)
        .setLastActionReason(state.lastActionReason());
    if (!state.lastError().isEmpty()) {
      pgState.setLastError(state.lastError());
    }
    return KeeperInfo.newBuilder()
        .setKeeperId(settings.keeperId())
        .setClusterUid(knownClusterUid == null ? "" : knownClusterUid)
        .setBootUuid(bootUuid)
        .setPgVersion(settings.binaries().version())
        .setCanBeMaster(settings.canBeMaster())
        .setCanBeSynchronousReplica(settings.canBeSynchronousReplica())
        .setPriority(settings.priority())
        .setPostgres(pgState)
        .setPublishedAtMillis(System.currentTimeMillis())
        .build();
  }

  // ---- the commit lease ----

  /** Its login is ready while the lease is on and PostgreSQL runs, in any role. */
  private boolean leasePrepared() {
    InstanceObserver.Observation o = lastObservation;
    return !stopping && spec.commitLease() && o != null && o.observed().healthy();
  }

  /** Set by a promotion that succeeded, until the next observation sees PostgreSQL as primary itself. */
  private volatile boolean promotedJustNow;

  /** The lease standby streams while the lease is on and PostgreSQL runs as a primary. */
  private boolean leaseWanted() {
    InstanceObserver.Observation o = lastObservation;
    return !stopping && spec.commitLease()
        && (promotedJustNow || (o != null && o.observed().runningAsPrimary()));
  }

  /**
   * Reads the cluster data several times per lease term while PostgreSQL runs as a primary, apart
   * from the loop, whose rounds may be slow: the lease is renewed by reads only, never by the
   * keeper's own writes, so a keeper that can write its info but no longer read cannot keep it.
   */
  private void renewLeaseIfDue() {
    try {
      Duration every = spec.selfFenceAfter().dividedBy(6);
      long now = System.nanoTime();
      if (!leaseWanted() || now - lastLeaseReadNanos < every.toNanos()) {
        return;
      }
      lastLeaseReadNanos = now;
      GetReply reply = store.getWithRevision(keys.clusterData());
      contact.read(now);
      leaseRead(now, reply);
    } catch (RuntimeException e) {
      LOG.debug("renewing the commit lease failed: {}", e.toString());
    }
  }

  private void leaseRead(long startedNanos, GetReply reply) {
    if (!reply.hasKv()) {
      return;
    }
    ClusterData cd;
    try {
      cd = ClusterData.parseFrom(reply.getKv().getValue());
    } catch (InvalidProtocolBufferException e) {
      return;
    }
    long releasedBefore = lease.releasedFor();
    lease.read(startedNanos, cd, state.local().dbUid());
    if (lease.releasedFor() != releasedBefore) {
      LOG.warn("failover of this master under way: its commit lease is given up, it acknowledges no more commits");
      publishIfChanged(plannedSwitchover);
    }
  }

  // ---- self-fencing ----

  /**
   * Stops PostgreSQL (or makes it read-only) once the keeper has been cut off from the store for
   * {@link EffectiveSpec#selfFenceStopAfter()}: with the commit lease, half a failInterval after its
   * info key may expire (its commits wait since the lease ran out); without it, before that.
   */
  private void fenceIfCutOff() {
    try {
      InstanceObserver.Observation o = lastObservation;
      EffectiveSpec current = spec;
      Duration stopAfter = current.selfFenceStopAfter();
      Duration since = contact.cutOffFor(System.nanoTime());
      if (o == null || stopping || state.fenced() || !o.observed().runningAsPrimary()
          || since.compareTo(stopAfter) < 0) {
        return;
      }
      synchronized (pgLock) {
        since = contact.cutOffFor(System.nanoTime());
        if (state.fenced() || since.compareTo(stopAfter) < 0) {
          return;
        }
        LOG.warn("store unreachable for {} ms: {}", since.toMillis(), current.commitLease()
            ? "stopping the master, a failover of it may be under way (it has acknowledged no commit since its "
                + "commit lease ran out)"
            : "stopping the master before the controller may promote another");
        executor.execute(new Action.Fence(current.selfFenceMode(), "store unreachable"), null, current);
        state.setLastActionReason("self-fenced: the store was unreachable for " + since.toMillis() + " ms");
      }
    } catch (Exception e) {
      LOG.error("self-fencing failed: {}", e.toString());
    }
  }

  // ---- start and stop ----

  /** Stops the loop and PostgreSQL (fast), withdraws the keeper info, releases the data dir. */
  @Override
  public void close() {
    stopping = true;
    loop.interrupt();
    try {
      loop.join(Duration.ofSeconds(30).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    timers.shutdownNow();
    publisher.shutdownNow();
    synchronized (pgLock) {
      try {
        pg.stop(PgServer.StopMode.FAST, spec.dbWaitReadyTimeout());
      } catch (RuntimeException e) {
        LOG.warn("stopping PostgreSQL failed: {}", e.getMessage());
      }
    }
    leaseStandby.close();
    if (!pg.isRunning()) {
      roles.observe(PgRole.STOPPED).ifPresent(this::roleChanged);
    }
    if (roleCallback != null) {
      try {
        // the "stopped" call gets its time; the keeper's stop waits at most the callback timeout
        roleCallback.drain(settings.roleHook().timeout());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      roleCallback.close();
    }
    try {
      // the controller sees the keeper gone now rather than after failInterval
      store.delete(keys.keeper(settings.keeperId()));
    } catch (RuntimeException e) {
      LOG.debug("withdrawing keeper info failed: {}", e.toString());
    }
    observer.close();
    if (http != null) {
      http.close();
    }
    store.close();
    lock.close();
    LOG.info("keeper stopped id={}", settings.keeperId());
  }

  /** Tests only: stop like a killed process would, leaving PostgreSQL running and the info key in place. */
  void crashForTest() {
    stopping = true;
    loop.interrupt();
    try {
      loop.join(Duration.ofSeconds(30).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    timers.shutdownNow();
    publisher.shutdownNow();
    // a killed keeper confirms no commit: its PostgreSQL's commits wait
    leaseStandby.close();
    observer.close();
    if (http != null) {
      http.close();
    }
    store.close();
    lock.close();
  }

  private static void requirePortFree(String host, int port) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(InetAddress.getByName(host), port));
    } catch (IOException e) {
      throw new RefusedException("--pg-port " + port + ": cannot listen on " + host + ":" + port + " ("
          + (e instanceof java.net.BindException ? "already in use" : e.getMessage()) + ")");
    }
  }

  /** The keeper's pgpass file: primary_conninfo, pg_basebackup and pg_rewind read passwords from it. */
  private static void writePassFile(Path file, KeeperSettings s) {
    String content = "*:*:*:" + PgPassFile.escape(s.replUsername()) + ":" + PgPassFile.escape(s.replPassword()) + "\n"
        + "*:*:*:" + PgPassFile.escape(s.suUsername()) + ":" + PgPassFile.escape(s.suPassword()) + "\n";
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.deleteIfExists(tmp);
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** The keeper talks to its own PostgreSQL over loopback when it listens on every address. */
  private static String localHost(String listenAddress) {
    return switch (listenAddress) {
      case "*", "0.0.0.0" -> "127.0.0.1";
      case "::" -> "::1";
      default -> listenAddress.split(",")[0].trim();
    };
  }

  Optional<InstanceObserver.Observation> lastObservation() {
    return Optional.ofNullable(lastObservation);
  }
}
