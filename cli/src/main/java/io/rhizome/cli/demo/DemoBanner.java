package io.rhizome.cli.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What the demo prints once the cluster answers: how to connect, the status, what to try. */
record DemoBanner(String dir, String pgpass, String suPasswordFile, String psql, int proxyPort, int readOnlyPort,
    String user, String clusterName, String endpoints, String rhizomectl, String status, Map<String, Long> pids,
    String masterKeeper, String standbyKeeper) {

  /** The line tests and scripts wait for: everything above it is printed. */
  static final String LAST_LINE_START = "Ctrl-C stops";

  String text() {
    StringBuilder b = new StringBuilder();
    b.append("\nRhizome demo is up: 3 sentinels, 2 keepers, 1 proxy on ").append(DemoCluster.HOST)
        .append(" (data in ").append(dir).append(", logs in ").append(dir).append("/logs)\n\n");
    b.append("Connect through the proxy (it always routes to the master):\n");
    b.append("  PGPASSFILE=").append(pgpass).append(' ').append(psql).append(" \"host=").append(DemoCluster.HOST)
        .append(" port=").append(proxyPort).append(" user=").append(user).append(" dbname=postgres\"\n");
    b.append("  (password in ").append(suPasswordFile).append("; reads on a standby: port ").append(readOnlyPort)
        .append(")\n\n");
    b.append(status.strip()).append("\n\n");
    b.append(pidTable()).append('\n');
    b.append("Look at it:\n");
    b.append("  export RHIZOME_CLUSTER_NAME=").append(clusterName).append(" RHIZOME_STORE_ENDPOINTS=")
        .append(endpoints).append('\n');
    b.append("  ").append(rhizomectl).append(" status\n");
    Long keeperPid = pids.get("keeper " + masterKeeper);
    Long pgPid = pids.get("postgres " + masterKeeper);
    b.append("Try a failover: kill -9 ").append(keeperPid).append(pgPid == null ? "" : " " + pgPid)
        .append("   (keeper ").append(masterKeeper).append(" and its PostgreSQL, the master): the proxy routes to ")
        .append(standbyKeeper).append(" in about 3 s; the demo restarts ").append(masterKeeper)
        .append(", which rejoins as a standby\n");
    b.append("Try a switchover: ").append(rhizomectl).append(" switchover   (planned: no write lost)\n\n");
    b.append(LAST_LINE_START).append(" every process above, PostgreSQL included; 'rhizome demo' again reuses ")
        .append("the data, --fresh starts over.\n");
    return b.toString();
  }

  private String pidTable() {
    List<List<String>> rows = new ArrayList<>();
    pids.forEach((name, pid) -> rows.add(List.of(name, Long.toString(pid))));
    int width = rows.stream().mapToInt(r -> r.get(0).length()).max().orElse(0);
    StringBuilder b = new StringBuilder(String.format("%-" + width + "s  %s%n", "PROCESS", "PID"));
    rows.forEach(r -> b.append(String.format("%-" + width + "s  %s%n", r.get(0), r.get(1))));
    return b.toString();
  }
}
