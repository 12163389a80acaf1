package io.rhizome.cli;

import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.Keeper;
import io.rhizome.proto.cluster.KeeperInfo;
import io.rhizome.proto.cluster.PostgresState;
import io.rhizome.proto.cluster.ProxyInfo;
import io.rhizome.proto.store.StatusReply;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/** What {@code rhizomectl status} shows, built from the store's contents (pure; printing is elsewhere). */
final class StatusView {
  private StatusView() {}

  static Map<String, Object> build(String clusterName, ClusterData cd, Map<String, KeeperInfo> infos, Map<String, ProxyInfo> proxies,
      Optional<StatusReply> store) {
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
        .sorted(java.util.Comparator.comparing(ProxyInfo::getProxyId)).forEach(p -> {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("id", p.getProxyId());
          row.put("generation", p.getGeneration());
          row.put("current", p.getGeneration() >= cd.getProxy().getGeneration());
          proxyRows.add(row);
        });
    out.put("proxies", proxyRows);
    out.put("reasons", List.copyOf(status.getReasonsList()));
    return out;
  }

  private static Optional<PostgresState> report(Map<String, KeeperInfo> infos, Db db) {
    return Optional.ofNullable(infos.get(db.getSpec().getKeeperId())).map(KeeperInfo::getPostgres)
        .filter(p -> p.getDbUid().equals(db.getUid()));
  }

  /** The table form: a header block, then keepers, sentinels and proxies. */
  @SuppressWarnings("unchecked")
  static String text(String clusterName, Map<String, Object> v) {
    StringBuilder out = new StringBuilder();
    Map<String, Object> cluster = (Map<String, Object>) v.get("cluster");
    Map<String, Object> master = (Map<String, Object>) v.get("master");
    if ((Boolean) cluster.get("paused")) {
      out.append("*** PAUSED: no automatic failover; keepers leave PostgreSQL as it is ('rhizomectl resume') ***\n");
    }
    out.append("cluster ").append(clusterName).append(" (uid ").append(cluster.get("uid")).append("), ")
        .append(cluster.get("phase")).append('\n');
    out.append("master: ").append(master.get("keeper").toString().isEmpty() ? "none"
        : "keeper " + master.get("keeper") + ", db " + master.get("db"));
    out.append(master.get("routed").toString().isEmpty() ? " (proxies fenced)\n" : "\n");
    if (cluster.containsKey("failover")) {
      out.append(cluster.get("failover")).append('\n');
    }
    if (cluster.containsKey("noMasterReason")) {
      out.append("no master: ").append(cluster.get("noMasterReason")).append('\n');
    }
    out.append('\n');
    List<List<String>> rows = new ArrayList<>();
    for (Map<String, Object> k : (List<Map<String, Object>>) v.get("keepers")) {
      rows.add(List.of(k.get("id").toString(), (Boolean) k.get("healthy") ? "yes" : "no", k.get("role").toString(),
          (Boolean) k.get("pgHealthy") ? "yes" : "no", k.get("timelineId").toString(), k.get("lag").toString(),
          (Boolean) k.get("converged") ? "yes" : "no"));
    }
    out.append(Table.render(List.of("KEEPER", "HEALTHY", "ROLE", "PG HEALTHY", "TIMELINE", "LAG BYTES", "CONVERGED"),
        rows)).append("\n\n");
    List<List<String>> sentinels = new ArrayList<>();
    for (Map<String, Object> s : (List<Map<String, Object>>) v.get("sentinels")) {
      sentinels.add(List.of(s.get("id").toString(), s.get("address").toString(), (Boolean) s.get("leader") ? "yes" : "no"));
    }
    out.append(Table.render(List.of("SENTINEL", "ADDRESS", "LEADER"), sentinels)).append("\n\n");
    List<List<String>> proxies = new ArrayList<>();
    for (Map<String, Object> p : (List<Map<String, Object>>) v.get("proxies")) {
      proxies.add(List.of(p.get("id").toString(), p.get("generation").toString(), (Boolean) p.get("current") ? "yes" : "no"));
    }
    out.append(proxies.isEmpty() ? "no proxies\n" : Table.render(List.of("PROXY", "GENERATION", "CURRENT"), proxies) + "\n");
    List<String> reasons = (List<String>) v.get("reasons");
    if (!reasons.isEmpty()) {
      out.append("\ncontroller: ").append(String.join("; ", reasons)).append('\n');
    }
    return out.toString();
  }
}
