package io.rhizome.node.status;

import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.HistoryEntry;
import io.rhizome.proto.cluster.Keeper;
import io.rhizome.proto.cluster.KeeperInfo;
import io.rhizome.proto.cluster.PostgresState;
import io.rhizome.proto.cluster.ProxyInfo;
import io.rhizome.proto.store.StatusReply;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The cluster at a glance, built from the store's contents (pure): what {@code rhizomectl status}
 * prints and what a sentinel's status page shows, so both always agree.
 */
public final class ClusterStatusView {
  /** The status view shows this many of the latest failovers and switchovers. */
  static final int RECENT_HISTORY = 10;

  private ClusterStatusView() {}

  public static Map<String, Object> build(String clusterName, ClusterData cd, Map<String, KeeperInfo> infos,
      Map<String, ProxyInfo> proxies, Optional<StatusReply> store) {
    Map<String, Object> out = new LinkedHashMap<>();
    var status = cd.getCluster().getStatus();
    Map<String, Object> cluster = new LinkedHashMap<>();
    cluster.put("name", clusterName);
    cluster.put("uid", cd.getCluster().getUid());
    cluster.put("phase", status.getPhase().name().toLowerCase());
    cluster.put("paused", status.getPaused());
    if (status.hasFailover()) {
      cluster.put("failover", (status.getFailover().getPlanned() ? "switchover: " : "failover: ")
          + status.getFailover().getReason());
    }
    if (!status.getNoMasterReason().isEmpty()) {
      cluster.put("noMasterReason", status.getNoMasterReason());
    }
    out.put("cluster", cluster);

    Db master = cd.getDbsMap().get(status.getMasterDbUid());
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("keeper", master == null ? "" : master.getSpec().getKeeperId());
    m.put("db", master == null ? "" : master.getUid());
    m.put("routed", cd.getProxy().getSpec().getMasterDbUid());
    out.put("master", m);

    long masterPos = master == null ? 0 : report(infos, master).map(PostgresState::getXlogPos)
        .orElse(master.getStatus().getXlogPos());
    List<Map<String, Object>> keepers = new ArrayList<>();
    TreeSet<String> ids = new TreeSet<>(cd.getKeepersMap().keySet());
    infos.values().stream().filter(i -> i.getClusterUid().equals(cd.getCluster().getUid()))
        .forEach(i -> ids.add(i.getKeeperId()));
    for (String id : ids) {
      Keeper k = cd.getKeepersMap().get(id);
      KeeperInfo info = infos.get(id);
      Optional<Db> db = cd.getDbsMap().values().stream().filter(d -> d.getSpec().getKeeperId().equals(id)).findFirst();
      Optional<PostgresState> pg = db.flatMap(d -> report(infos, d));
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("id", id);
      row.put("healthy", info != null);
      row.put("role", db.map(d -> d.getSpec().getRole() == DbRole.MASTER ? "master" : "standby").orElse(""));
      row.put("db", db.map(Db::getUid).orElse(""));
      row.put("pgHealthy", pg.map(PostgresState::getHealthy).orElse(false));
      row.put("xlogPos", pg.map(PostgresState::getXlogPos).orElse(0L));
      row.put("lag", db.isPresent() && db.get().getSpec().getRole() == DbRole.STANDBY && pg.isPresent()
          ? Math.max(0, masterPos - pg.get().getXlogPos()) : 0L);
      row.put("timelineId", pg.map(PostgresState::getTimelineId).orElse(0));
      row.put("converged", db.isPresent() && pg.isPresent() && pg.get().getGeneration() == db.get().getGeneration());
      row.put("pendingRestart", pg.map(PostgresState::getPendingRestart).orElse(false));
      row.put("priority", k == null ? 0 : k.getStatus().getPriority());
      row.put("lastAction", info == null ? "" : info.getPostgres().getLastActionReason());
      keepers.add(row);
    }
    out.put("keepers", keepers);

    List<Map<String, Object>> sentinels = new ArrayList<>();
    store.ifPresent(s -> s.getPeersList().forEach(p -> {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("id", p.getId());
      row.put("address", p.getAddress());
      row.put("leader", p.getId().equals(s.getLeaderId()));
      sentinels.add(row);
    }));
    out.put("sentinels", sentinels);

    List<Map<String, Object>> proxyRows = new ArrayList<>();
    proxies.values().stream().filter(p -> p.getClusterUid().equals(cd.getCluster().getUid()))
        .sorted(Comparator.comparing(ProxyInfo::getProxyId)).forEach(p -> {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("id", p.getProxyId());
          row.put("generation", p.getGeneration());
          row.put("current", p.getGeneration() >= cd.getProxy().getGeneration());
          proxyRows.add(row);
        });
    out.put("proxies", proxyRows);
    out.put("reasons", List.copyOf(status.getReasonsList()));
    List<HistoryEntry> all = cd.getHistoryList();
    out.put("history", all.subList(Math.max(0, all.size() - RECENT_HISTORY), all.size()).stream()
        .map(ClusterStatusView::historyRow).toList());
    return out;
  }

  /** One failover or switchover as {@code rhizomectl history} and the status page show it. */
  public static Map<String, Object> historyRow(HistoryEntry h) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("time", Instant.ofEpochMilli(h.getTimeMillis()).toString());
    row.put("kind", h.getPlanned() ? "switchover" : "failover");
    row.put("from", h.getOldMasterKeeper() + "/" + h.getOldMasterDbUid());
    row.put("to", h.getNewMasterKeeper() + "/" + h.getNewMasterDbUid());
    row.put("timeline", h.getTimelineId());
    row.put("durationMillis", h.getDurationMillis());
    row.put("reason", h.getReason());
    return row;
  }

  private static Optional<PostgresState> report(Map<String, KeeperInfo> infos, Db db) {
    return Optional.ofNullable(infos.get(db.getSpec().getKeeperId())).map(KeeperInfo::getPostgres)
        .filter(p -> p.getDbUid().equals(db.getUid()));
  }
}
