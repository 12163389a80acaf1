package io.rhizome.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.rhizome.node.cluster.ClusterDataStore;
import io.rhizome.node.cluster.ClusterInit;
import io.rhizome.node.cluster.SpecJson;
import io.rhizome.node.common.RefusedException;
import io.rhizome.node.common.UsageException;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.store.StoreClient;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code rhizomectl clusterdata read|write}: the raw cluster data document, as protobuf JSON. */
@Command(name = "clusterdata", mixinStandardHelpOptions = true,
    description = "Reads or writes the whole cluster data (for inspection, backup and moving a cluster).",
    subcommands = {ClusterDataCtl.ReadCmd.class, ClusterDataCtl.WriteCmd.class})
final class ClusterDataCtl implements Runnable {
  @ParentCommand RhizomeCtl ctl;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    // spec.commandLine(), not a new CommandLine: the message must go to this run's err writer
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command: use 'read' or 'write'");
  }

  @Command(name = "read", mixinStandardHelpOptions = true, description = "Prints the cluster data as JSON.")
  static final class ReadCmd implements Callable<Integer> {
    @ParentCommand ClusterDataCtl parent;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--pretty", description = "indent the JSON")
    boolean pretty;

    @Override
    public Integer call() throws InvalidProtocolBufferException {
      RhizomeCtl ctl = parent.ctl;
      try (StoreClient client = ctl.store.connect()) {
        ClusterData cd = SpecCtl.requireInitialised(KeeperCtl.clusterData(ctl, client), ctl);
        JsonFormat.Printer printer = JsonFormat.printer();
        var out = spec.commandLine().getOut();
        out.println((pretty ? printer : printer.omittingInsignificantWhitespace()).print(cd));
        out.flush();
      }
      return 0;
    }
  }

  @Command(name = "write", mixinStandardHelpOptions = true,
      description = {"Replaces the whole cluster data with a JSON document as 'clusterdata read' prints it.",
          "Refuses when cluster data exists, unless --yes."})
  static final class WriteCmd implements Callable<Integer> {
    @ParentCommand ClusterDataCtl parent;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "the cluster data JSON; - reads stdin")
    String file;

    @Option(names = {"-y", "--yes"}, description = "write over the cluster data that is there")
    boolean yes;

    @Override
    public Integer call() {
      if (file == null) {
        throw new UsageException("--file is required (the cluster data as JSON, as 'clusterdata read' prints it; "
            + "- reads stdin)");
      }
      ClusterData data = parse(SpecCtl.readInput(file, "--file"));
      RhizomeCtl ctl = parent.ctl;
      try (StoreClient client = ctl.store.connect()) {
        ClusterDataStore store = KeeperCtl.clusterData(ctl, client);
        if (yes) {
          store.overwrite(data);
        } else if (!store.create(data)) {
          Optional<ClusterDataStore.Versioned> current = store.read();
          String uid = current.map(v -> v.data().getCluster().getUid()).orElse("?");
          throw new RefusedException("cluster '" + ctl.store.clusterName + "' already has cluster data (uid " + uid
              + "); writing over it replaces the whole state of the cluster (add --yes to do that)");
        }
      }
      var out = spec.commandLine().getOut();
      out.println("wrote the cluster data of cluster '" + ctl.store.clusterName + "' (uid "
          + data.getCluster().getUid() + ")");
      out.flush();
      return 0;
    }

    /** Parsed strictly, and checked enough that the controller and keepers can read it. */
    private ClusterData parse(String text) {
      ClusterData.Builder b = ClusterData.newBuilder();
      try {
        JsonFormat.parser().merge(text, b);
      } catch (InvalidProtocolBufferException | RuntimeException e) {
        throw new UsageException("--file " + file + " is not cluster data JSON: "
            + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
      }
      ClusterData data = b.build();
      if (data.getFormatVersion() != ClusterInit.FORMAT_VERSION) {
        throw new UsageException("--file " + file + ": formatVersion " + data.getFormatVersion()
            + " is not " + ClusterInit.FORMAT_VERSION + " (write what 'rhizomectl clusterdata read' prints)");
      }
      if (data.getCluster().getUid().isEmpty()) {
        throw new UsageException("--file " + file + ": cluster.uid is missing");
      }
      List<String> problems = SpecJson.validate(data.getCluster().getSpec());
      if (!problems.isEmpty()) {
        throw new UsageException("--file " + file + ": " + String.join("; ", problems));
      }
      return data;
    }
  }
}
