package io.rhizome.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code rhizomectl status} as a table, from the view {@link io.rhizome.node.status.ClusterStatusView} builds. */
final class StatusView {
  private StatusView() {}

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
