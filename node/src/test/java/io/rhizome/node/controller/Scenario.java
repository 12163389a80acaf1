package io.rhizome.node.controller;

import io.rhizome.proto.cluster.Cluster;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.ClusterSpec;
import io.rhizome.proto.cluster.ClusterStatus;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.DbSpec;
import io.rhizome.proto.cluster.DbStatus;
import io.rhizome.proto.cluster.FollowConfig;
import io.rhizome.proto.cluster.InitMode;
import io.rhizome.proto.cluster.Keeper;
import io.rhizome.proto.cluster.KeeperInfo;
import io.rhizome.proto.cluster.KeeperStatus;
import io.rhizome.proto.cluster.PostgresState;
import io.rhizome.proto.cluster.Proxy;
import io.rhizome.proto.cluster.ProxyInfo;
import io.rhizome.proto.cluster.ProxySpec;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A cluster for controller tables: cluster data, keeper reports and proxy reports, built in a few
 * lines. Dbs report what their spec asks (converged, healthy) unless a row says otherwise.
 */
final class Scenario {
  static final String CLUSTER_UID = "c1";

  ClusterData.Builder cd = ClusterData.newBuilder().setFormatVersion(1)
      .setCluster(Cluster.newBuilder().setUid(CLUSTER_UID).setGeneration(1)
          .setSpec(ClusterSpec.newBuilder().setInitMode(InitMode.NEW))
          .setStatus(ClusterStatus.newBuilder().setPhase(ClusterStatus.Phase.NORMAL)))
      .setProxy(Proxy.newBuilder().setGeneration(1).setSpec(ProxySpec.newBuilder()));
  final Map<String, KeeperInfo> keepers = new HashMap<>();
  final Map<String, ProxyInfo> proxies = new HashMap<>();
  ControllerMemory memory = ControllerMemory.EMPTY;
  long now = 100_000;
  private final AtomicInteger uids = new AtomicInteger();

  Scenario spec(UnaryOperator<ClusterSpec.Builder> f) {
    cd.getClusterBuilder().setSpec(f.apply(cd.getCluster().getSpec().toBuilder()));
    return this;
  }

  Scenario initializing() {
    cd.getClusterBuilder().getStatusBuilder().setPhase(ClusterStatus.Phase.INITIALIZING);
    return this;
  }

  /** A keeper registered in the cluster data and alive (its info present), reporting no db. */
  Scenario keeper(String id) {
    return keeper(id, 0, true);
  }

  Scenario keeper(String id, int priority, boolean canBeMaster) {
    cd.putKeepers(id, Keeper.newBuilder().setId(id).setStatus(KeeperStatus.newBuilder().setHealthy(true)
        .setBootUuid("boot-" + id).setCanBeMaster(canBeMaster).setCanBeSynchronousReplica(true).setPriority(priority)
        .setLastHealthyTimeMillis(now)).build());
    keepers.put(id, KeeperInfo.newBuilder().setKeeperId(id).setClusterUid(CLUSTER_UID).setBootUuid("boot-" + id)
        .setCanBeMaster(canBeMaster).setCanBeSynchronousReplica(true).setPriority(priority)
        .setPostgres(PostgresState.getDefaultInstance()).build());
    return this;
  }

  /** The master db {@code uid} on keeper {@code keeperId}, running as primary at {@code xlog}. */
  Scenario master(String uid, String keeperId, long xlog) {
    cd.putDbs(uid, Db.newBuilder().setUid(uid).setGeneration(2)
        .setSpec(DbSpecs.fromCluster(DbSpec.newBuilder(), cd.getCluster().getSpec())
            .setKeeperId(keeperId).setRole(DbRole.MASTER))
        .setStatus(DbStatus.newBuilder().setHealthy(true).setCurrentGeneration(2).setSystemId(42).setTimelineId(1)
            .setXlogPos(xlog).setListenAddress("127.0.0.1").setPort(5432))
        .build());
    cd.getClusterBuilder().getStatusBuilder().setMasterDbUid(uid);
    cd.getProxyBuilder().getSpecBuilder().setMasterDbUid(uid);
    report(uid, p -> p.setInRecovery(false).setXlogPos(xlog));
    return this;
  }

  /** A standby cluster following host=ext: its spec, and its head db {@code uid} in recovery at {@code xlog}. */
  Scenario standbyClusterHead(String uid, String keeperId, long xlog) {
    spec(s -> s.setRole(io.rhizome.proto.cluster.ClusterRole.CLUSTER_STANDBY).setInitMode(InitMode.NEW)
        .setStandbySettings(io.rhizome.proto.cluster.StandbySettings.newBuilder().setPrimaryConninfo("host=ext")));
    master(uid, keeperId, xlog);
    Db head = cd.getDbsOrThrow(uid);
    cd.putDbs(uid, head.toBuilder().setSpec(head.getSpec().toBuilder().setRole(DbRole.STANDBY)
        .setFollowConfig(FollowConfig.newBuilder().setType(FollowConfig.Type.EXTERNAL)
            .setStandbySettings(cd.getCluster().getSpec().getStandbySettings()))).build());
    report(uid, p -> p.setInRecovery(true));
    return this;
  }

  /** A standby db following {@code masterUid}, replayed up to {@code xlog}. */
  Scenario standby(String uid, String keeperId, String masterUid, long xlog) {
    cd.putDbs(uid, Db.newBuilder().setUid(uid).setGeneration(3)
        .setSpec(DbSpecs.fromCluster(DbSpec.newBuilder(), cd.getCluster().getSpec())
            .setKeeperId(keeperId).setRole(DbRole.STANDBY).setInitMode(InitMode.INIT_MODE_UNSPECIFIED)
            .clearSynchronousStandbys().clearExternalSynchronousStandbys()
            .setFollowConfig(FollowConfig.newBuilder().setType(FollowConfig.Type.INTERNAL).setDbUid(masterUid)))
        .setStatus(DbStatus.newBuilder().setHealthy(true).setCurrentGeneration(3).setSystemId(42).setTimelineId(1)
            .setXlogPos(xlog))
        .build());
    Db m = cd.getDbsOrThrow(masterUid);
    cd.putDbs(masterUid, m.toBuilder().setSpec(m.getSpec().toBuilder().addFollowers(uid))
        .setStatus(m.getStatus().toBuilder().addStreamingStandbys(uid)).build());
    report(masterUid, p -> p.addStreamingStandbys(uid));
    report(uid, p -> p.setInRecovery(true).setXlogPos(xlog));
    return this;
  }

  /** The master's synchronous set: configured, and reported in sync. */
  Scenario sync(String masterUid, String... standbys) {
    Db m = cd.getDbsOrThrow(masterUid);
    cd.putDbs(masterUid, m.toBuilder()
        .setSpec(m.getSpec().toBuilder().clearSynchronousStandbys().addAllSynchronousStandbys(java.util.List.of(standbys)))
        .setStatus(m.getStatus().toBuilder().clearSynchronousStandbys().addAllSynchronousStandbys(java.util.List.of(standbys)))
        .build());
    report(masterUid, p -> p.clearSynchronousStandbysInSync().addAllSynchronousStandbysInSync(java.util.List.of(standbys)));
    return this;
  }

  /** Changes what the keeper holding db {@code uid} reports about it (healthy and converged by default). */
  Scenario report(String uid, UnaryOperator<PostgresState.Builder> f) {
    Db db = cd.getDbsOrThrow(uid);
    String keeperId = db.getSpec().getKeeperId();
    KeeperInfo info = keepers.get(keeperId);
    PostgresState base = info.getPostgres().getDbUid().equals(uid) ? info.getPostgres()
        : PostgresState.newBuilder().setDbUid(uid).setGeneration(db.getGeneration()).setHealthy(true).setRunning(true)
            .setInitialized(true).setSystemId(42).setTimelineId(1).setListenAddress("127.0.0.1").setPort(5432).build();
    keepers.put(keeperId, info.toBuilder().setPostgres(f.apply(base.toBuilder())).build());
    return this;
  }

  /** The keeper's info key expired. */
  Scenario dead(String keeperId) {
    keepers.remove(keeperId);
    return this;
  }

  Scenario proxy(String id, long generation) {
    proxies.put(id, ProxyInfo.newBuilder().setProxyId(id).setClusterUid(CLUSTER_UID).setGeneration(generation).build());
    return this;
  }

  ControllerInput input() {
    return new ControllerInput(cd.build(), keepers, proxies, memory, now, 1_700_000_000_000L + now,
        () -> "n" + uids.incrementAndGet());
  }

  /** Runs one round and makes its result the scenario's cluster data and memory. */
  Decision decide() {
    Decision d = Controller.decide(input());
    cd = d.next().toBuilder();
    memory = d.memory();
    return d;
  }

  ClusterData data() {
    return cd.build();
  }

  Db db(String uid) {
    return cd.getDbsOrThrow(uid);
  }
}
