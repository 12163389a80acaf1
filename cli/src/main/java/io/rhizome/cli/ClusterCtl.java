package io.rhizome.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import io.rhizome.node.cluster.ClusterDataStore;
import io.rhizome.node.cluster.ClusterEdits;
import io.rhizome.node.common.DurationText;
import io.rhizome.node.common.RefusedException;
import io.rhizome.node.common.UsageException;
import io.rhizome.node.status.ClusterStatusReader;
import io.rhizome.node.status.ClusterStatusView;
import io.rhizome.node.status.Json;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.HistoryEntry;
import io.rhizome.proto.cluster.KeeperInfo;
import io.rhizome.cluster.ClusterKeys;
import io.rhizome.proto.store.KeyValue;
import io.rhizome.store.StoreClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** rhizomectl commands about the cluster as a whole: status, failover, switchover, pause. */
final class ClusterCtl {
  private ClusterCtl() {}

  static ClusterData current(RhizomeCtl ctl, StoreClient client) {
    return KeeperCtl.clusterData(ctl, client).read().map(ClusterDataStore.Versioned::data)
        .orElseThrow(() -> new RefusedException("cluster '" + ctl.store.clusterName
            + "' is not initialised (run 'rhizomectl init' first)"));
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "The cluster at a glance.")
  static final class StatusCmd implements Callable<Integer> {
    @ParentCommand RhizomeCtl ctl;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--format", defaultValue = "table", description = "table or json")
    String format;

    @Override
    public Integer call() {
      if (!format.equals("table") && !format.equals("json")) {
        throw new UsageException("--format " + format + " is not table or json");
      }
      try (StoreClient client = ctl.store.connect()) {
        KeeperCtl.clusterData(ctl, client); // refuses a missing --cluster-name
        Map<String, Object> view = ClusterStatusReader.read(client, ctl.store.clusterName);
        var out = spec.commandLine().getOut();
        out.println(format.equals("json") ? Json.write(view) : StatusView.text(ctl.store.clusterName, view));
        out.flush();
      }
      return 0;
    }
  }

  static <T> Optional<T> parse(KeyValue kv, com.google.protobuf.Parser<T> parser) {
    try {
      return Optional.of(parser.parseFrom(kv.getValue()));
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }

  /** Applies one cluster-data edit and prints what it did. */
  abstract static class EditCmd implements Callable<Integer> {
    @ParentCommand RhizomeCtl ctl;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    abstract ClusterData edit(ClusterData cd);

    abstract String done();

    @Override
    public Integer call() {
      try (StoreClient client = ctl.store.connect()) {
        KeeperCtl.clusterData(ctl, client).update(this::edit);
        spec.commandLine().getOut().println(done());
      }
      return 0;
    }
  }

  @Command(name = "failkeeper", mixinStandardHelpOptions = true,
      description = "Treats a keeper as failed once: if it holds the master, the controller fails over.")
  static final class FailKeeperCmd extends EditCmd {
    @Parameters(paramLabel = "KEEPER") String keeper;

    ClusterData edit(ClusterData cd) {
      return ClusterEdits.failKeeper(cd, keeper);
    }

    String done() {
      return "keeper " + keeper + " marked failed; 'rhizomectl status' shows the controller's decision";
    }
  }

  @Command(name = "removekeeper", mixinStandardHelpOptions = true,
      description = "Forgets a keeper and its db (refused for the master).")
  static final class RemoveKeeperCmd extends EditCmd {
    @Parameters(paramLabel = "KEEPER") String keeper;

    ClusterData edit(ClusterData cd) {
      return ClusterEdits.removeKeeper(cd, keeper);
    }

    String done() {
      return "keeper " + keeper + " removed from the cluster data";
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true,
      description = "Maintenance mode: no automatic failover; keepers leave PostgreSQL as it is.")
  static final class PauseCmd extends EditCmd {
    ClusterData edit(ClusterData cd) {
      return ClusterEdits.setPaused(cd, true);
    }

    String done() {
      return "paused: no automatic failover until 'rhizomectl resume'";
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true, description = "Ends maintenance mode.")
  static final class ResumeCmd extends EditCmd {
    ClusterData edit(ClusterData cd) {
      return ClusterEdits.setPaused(cd, false);
    }

    String done() {
      return "resumed: the controller acts again";
    }
  }

  @Command(name = "switchover", mixinStandardHelpOptions = true,
      description = {"Planned switchover: fence proxies (they hold new connections), stop writes on the master,",
          "wait until the target has replayed everything, promote it, route to it. No acknowledged write is lost."})
  static final class SwitchoverCmd implements Callable<Integer> {
    @ParentCommand RhizomeCtl ctl;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--to", description = "the keeper to promote (default: the best standby)")
    String target = "";

    @Option(names = "--timeout", defaultValue = "60s", description = "how long to wait for it; default ${DEFAULT-VALUE}")
    String timeout;

    @Override
    public Integer call() throws InterruptedException {
      Duration limit;
      try {
        limit = DurationText.parse(timeout, "--timeout");
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      }
      try (StoreClient client = ctl.store.connect()) {
        ClusterDataStore store = KeeperCtl.clusterData(ctl, client);
        ClusterData asked = store.update(cd -> ClusterEdits.requestSwitchover(cd, target, System.currentTimeMillis()));
        int historyBefore = asked.getHistoryCount();
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
          ClusterData cd = current(ctl, client);
          if (cd.getHistoryCount() > historyBefore) {
            HistoryEntry h = cd.getHistory(cd.getHistoryCount() - 1);
            spec.commandLine().getOut().println("switched over to keeper " + h.getNewMasterKeeper() + " (db "
                + h.getNewMasterDbUid() + ", timeline " + h.getTimelineId() + ") in " + h.getDurationMillis() + " ms");
            return 0;
          }
          var status = cd.getCluster().getStatus();
          if (!status.hasSwitchoverRequest() && !status.hasFailover()) {
            String refused = status.getReasonsList().stream().filter(r -> r.startsWith("switchover")).findFirst()
                .orElse("the controller did not carry it out");
            throw new RefusedException(refused);
          }
          Thread.sleep(100);
        }
        throw new RefusedException("the switchover did not finish within " + timeout
            + "; 'rhizomectl status' shows where it stands");
      }
    }
  }

  @Command(name = "promote", mixinStandardHelpOptions = true,
      description = {"Makes a standby cluster a primary cluster: its head stops following the external primary",
          "and is promoted; the other keepers keep following it. There is no way back."})
  static final class PromoteCmd implements Callable<Integer> {
    @ParentCommand RhizomeCtl ctl;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--yes", description = "confirm: the external primary must not take writes any more, "
        + "or the two diverge for good")
    boolean yes;

    @Option(names = "--timeout", defaultValue = "60s", description = "how long to wait for it; default ${DEFAULT-VALUE}")
    String timeout;

    @Override
    public Integer call() throws InterruptedException {
      Duration limit;
      try {
        limit = DurationText.parse(timeout, "--timeout");
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      }
      if (!yes) {
        throw new UsageException("promote makes this standby cluster writable for good; stop writes on the external "
            + "primary first, then run 'rhizomectl promote --yes'");
      }
      try (StoreClient client = ctl.store.connect()) {
        ClusterData promoted = KeeperCtl.clusterData(ctl, client).update(ClusterEdits::promote);
        String head = promoted.getCluster().getStatus().getMasterDbUid();
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
          ClusterData cd = current(ctl, client);
          Optional<KeeperInfo> info = Optional.ofNullable(cd.getDbsMap().get(head))
              .flatMap(db -> keeperInfo(client, db.getSpec().getKeeperId()));
          Db db = cd.getDbsMap().get(head);
          if (db != null && db.getSpec().getRole() == io.rhizome.proto.cluster.DbRole.MASTER && info.isPresent()
              && info.get().getPostgres().getDbUid().equals(head) && info.get().getPostgres().getHealthy()
              && !info.get().getPostgres().getInRecovery() && info.get().getPostgres().getGeneration() == db.getGeneration()) {
            spec.commandLine().getOut().println("promoted: db " + head + " on keeper " + db.getSpec().getKeeperId()
                + " is the master (timeline " + info.get().getPostgres().getTimelineId() + ")");
            return 0;
          }
          Thread.sleep(100);
        }
        throw new RefusedException("the cluster's role is master now, but its head did not run as primary within "
            + timeout + "; 'rhizomectl status' shows where it stands");
      }
    }

    private Optional<KeeperInfo> keeperInfo(StoreClient client, String keeperId) {
      return client.get(new ClusterKeys(ctl.store.clusterName).keeper(keeperId)).flatMap(kv -> parse(kv, KeeperInfo.parser()));
    }
  }

  @Command(name = "history", mixinStandardHelpOptions = true, description = "Failovers and switchovers, oldest first.")
  static final class HistoryCmd implements Callable<Integer> {
    @ParentCommand RhizomeCtl ctl;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--format", defaultValue = "table", description = "table or json")
    String format;

    @Override
    public Integer call() {
      try (StoreClient client = ctl.store.connect()) {
        ClusterData cd = current(ctl, client);
        List<Map<String, Object>> rows = cd.getHistoryList().stream().map(ClusterStatusView::historyRow).toList();
        var out = spec.commandLine().getOut();
        if (format.equals("json")) {
          out.println(Json.write(rows));
        } else if (rows.isEmpty()) {
          out.println("no failover or switchover yet");
        } else {
          out.println(Table.render(List.of("TIME", "KIND", "FROM", "TO", "TIMELINE", "MS", "REASON"), rows.stream()
              .map(r -> r.values().stream().map(Object::toString).toList()).toList()));
        }
        out.flush();
      }
      return 0;
    }
  }
}
