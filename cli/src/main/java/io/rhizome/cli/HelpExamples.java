package io.rhizome.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * At least one example on every command's --help, kept in one table so a test can check that
 * every command has one and that every example parses. Keys are the command's path below the
 * program ("" is the program itself; rhizomectl's commands sit under "ctl").
 */
final class HelpExamples {
  private HelpExamples() {}

  static final String E = "127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003";
  static final String P = "s1=127.0.0.1:7001,s2=127.0.0.1:7002,s3=127.0.0.1:7003";

  static final Map<String, List<String>> EXAMPLES = Map.ofEntries(
      Map.entry("", List.of(
          "rhizome demo                        # a whole cluster on loopback, to try it",
          "rhizome sentinel --cluster-name demo --id s1 --data-dir /var/lib/rhizome/s1 --peers " + P,
          "rhizome ctl status                  # the same as rhizomectl status")),
      Map.entry("sentinel", List.of(
          "rhizome sentinel --cluster-name demo --id s1 --data-dir /var/lib/rhizome/s1 --peers " + P,
          "rhizome sentinel --cluster-name demo --id s4 --data-dir /var/lib/rhizome/s4 --join "
              + "--peers s1=127.0.0.1:7001,s2=127.0.0.1:7002,s4=127.0.0.1:7004")),
      Map.entry("keeper", List.of(
          "rhizome keeper --cluster-name demo --id k0 --data-dir /var/lib/rhizome/k0 --store-endpoints " + E
              + " --pg-listen-address 127.0.0.1 --pg-port 5433 --pg-su-username postgres"
              + " --pg-su-passwordfile /etc/rhizome/su.pw --pg-repl-passwordfile /etc/rhizome/repl.pw",
          "rhizome keeper --cluster-name demo --id k1 --data-dir /var/lib/rhizome/k1 --store-endpoints " + E
              + " --pg-listen-address 127.0.0.1 --pg-su-passwordfile /etc/rhizome/su.pw"
              + " --pg-repl-passwordfile /etc/rhizome/repl.pw --on-role-change /etc/rhizome/on-role-change.sh"
              + "   # runs: on-role-change.sh master|standby|stopped demo DBUID")),
      Map.entry("proxy", List.of(
          "rhizome proxy --cluster-name demo --store-endpoints " + E + " --port 25432 --read-only-port 25433")),
      Map.entry("demo", List.of(
          "rhizome demo                        # ./rhizome-demo, ports 17001-17033",
          "rhizome demo --fresh                # start over with an empty cluster",
          "rhizome demo --dir /tmp/rz --base-port 18000",
          "sudo bin/rhizome demo               # as root: data in /var/lib/rhizome-demo, daemons run as postgres")),
      Map.entry("ctl", List.of(
          "export RHIZOME_CLUSTER_NAME=demo RHIZOME_STORE_ENDPOINTS=" + E,
          "rhizomectl status",
          "rhizomectl --cluster-name demo --store-endpoints " + E + " switchover")),
      Map.entry("ctl init", List.of(
          "rhizomectl init                     # the default spec: {\"initMode\":\"new\"}",
          "rhizomectl init --file spec.json")),
      Map.entry("ctl status", List.of("rhizomectl status", "rhizomectl status --format json")),
      Map.entry("ctl spec", List.of("rhizomectl spec", "rhizomectl spec --defaults")),
      Map.entry("ctl update", List.of(
          "rhizomectl update --patch '{\"synchronousReplication\": true}'",
          "rhizomectl update --patch '{\"maxStandbyLag\": null}'   # back to the default",
          "rhizomectl update --file spec.json")),
      Map.entry("ctl switchover", List.of("rhizomectl switchover", "rhizomectl switchover --to k1 --timeout 30s")),
      Map.entry("ctl promote", List.of(
          "rhizomectl promote --yes            # a standby cluster becomes writable; stop the external primary first",
          "rhizomectl promote --yes --timeout 2m")),
      Map.entry("ctl failkeeper", List.of("rhizomectl failkeeper k0")),
      Map.entry("ctl removekeeper", List.of("rhizomectl removekeeper k2")),
      Map.entry("ctl pause", List.of("rhizomectl pause                    # then 'rhizomectl resume'")),
      Map.entry("ctl resume", List.of("rhizomectl resume")),
      Map.entry("ctl history", List.of("rhizomectl history", "rhizomectl history --format json")),
      Map.entry("ctl restart", List.of("rhizomectl restart k1")),
      Map.entry("ctl reinit", List.of("rhizomectl reinit k1")),
      Map.entry("ctl clusterdata", List.of(
          "rhizomectl clusterdata read --pretty > clusterdata.json",
          "rhizomectl clusterdata write --file clusterdata.json --yes")),
      Map.entry("ctl clusterdata read", List.of("rhizomectl clusterdata read --pretty > clusterdata.json")),
      Map.entry("ctl clusterdata write", List.of(
          "rhizomectl clusterdata write --file clusterdata.json",
          "rhizomectl clusterdata write --file - --yes < clusterdata.json")),
      Map.entry("ctl sentinel", List.of("rhizomectl sentinel list", "rhizomectl sentinel remove s3")),
      Map.entry("ctl sentinel list", List.of("rhizomectl sentinel list", "rhizomectl sentinel list --format json")),
      Map.entry("ctl sentinel add", List.of("rhizomectl sentinel add s4=127.0.0.1:7004")),
      Map.entry("ctl sentinel remove", List.of("rhizomectl sentinel remove s3")),
      Map.entry("ctl generate-completion", List.of(
          "rhizomectl generate-completion > /etc/bash_completion.d/rhizomectl",
          "source <(bin/rhizomectl generate-completion)")));

  /** Sets the footer of {@code cl} and every command below it; {@code path} is cl's key. */
  static void apply(CommandLine cl, String path) {
    List<String> examples = EXAMPLES.get(path);
    if (examples != null) {
      List<String> footer = new ArrayList<>();
      footer.add("");
      footer.add("Example" + (examples.size() > 1 ? "s" : "") + ":");
      // picocli formats footers: a literal % must be doubled
      examples.forEach(e -> footer.add("  " + e.replace("%", "%%")));
      cl.getCommandSpec().usageMessage().footer(footer.toArray(String[]::new));
    }
    cl.getSubcommands().forEach((name, sub) -> {
      if (sub.getCommandName().equals(name)) {
        apply(sub, path.isEmpty() ? name : path + " " + name);
      }
    });
  }
}
