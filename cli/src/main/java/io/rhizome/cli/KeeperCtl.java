package io.rhizome.cli;

import io.rhizome.node.cluster.ClusterDataStore;
import io.rhizome.node.cluster.ClusterEdits;
import io.rhizome.node.common.UsageException;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.store.StoreClient;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** rhizomectl commands that ask one keeper to do something to its PostgreSQL. */
final class KeeperCtl {
  private KeeperCtl() {}

  static ClusterDataStore clusterData(RhizomeCtl ctl, StoreClient client) {
    if (ctl.store.clusterName == null || ctl.store.clusterName.isBlank()) {
      throw new UsageException("--cluster-name is required (or set RHIZOME_CLUSTER_NAME)");
    }
    return new ClusterDataStore(client, ctl.store.clusterName);
  }

  @Command(name = "restart", mixinStandardHelpOptions = true,
      description = {"Restarts the PostgreSQL of one keeper (e.g. for a parameter that needs a restart).",
          "Restart standbys one at a time, and the master last (or switch over first)."})
  static final class RestartCmd implements Callable<Integer> {
    @ParentCommand RhizomeCtl ctl;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "KEEPER", description = "the keeper id")
    String keeper;

    @Override
    public Integer call() {
      try (StoreClient client = ctl.store.connect()) {
        ClusterData cd = clusterData(ctl, client)
            .update(current -> ClusterEdits.requestRestart(current, keeper, System.currentTimeMillis()));
        spec.commandLine().getOut().println("asked keeper " + keeper + " to restart PostgreSQL (db "
            + ClusterEdits.dbOf(cd, keeper).getUid() + "); 'rhizomectl status' shows when it is back");
      }
      return 0;
    }
  }

  @Command(name = "reinit", mixinStandardHelpOptions = true,
      description = {"Rebuilds the standby of one keeper from scratch with pg_basebackup, under a new db uid.",
          "Refused for the master."})
  static final class ReinitCmd implements Callable<Integer> {
    @ParentCommand RhizomeCtl ctl;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "KEEPER", description = "the keeper id")
    String keeper;

    @Override
    public Integer call() {
      String newUid = UUID.randomUUID().toString().substring(0, 8);
      try (StoreClient client = ctl.store.connect()) {
        clusterData(ctl, client).update(current -> ClusterEdits.reinit(current, keeper, newUid));
        spec.commandLine().getOut().println("keeper " + keeper + " will copy its standby again from scratch as db "
            + newUid + "; its current data dir is replaced");
      }
      return 0;
    }
  }
}
