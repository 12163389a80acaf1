package io.rhizome.cli;

import io.rhizome.node.cluster.ClusterDataStore;
import io.rhizome.node.cluster.ClusterInit;
import io.rhizome.node.cluster.InvalidSpecException;
import io.rhizome.node.cluster.SpecJson;
import io.rhizome.node.common.RefusedException;
import io.rhizome.node.common.UsageException;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.ClusterSpec;
import io.rhizome.store.StoreClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** rhizomectl init, spec and update: the cluster spec (docs/cluster-spec.md). */
final class SpecCtl {
  static final String DEFAULT_SPEC = "{\"initMode\":\"new\"}";
  private static final SecureRandom RANDOM = new SecureRandom();

  private SpecCtl() {}

  /** The text of {@code file}, or of stdin for "-". */
  static String readInput(String file, String flag) {
    try {
      if (file.equals("-")) {
        return new String(System.in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      }
      return Files.readString(Path.of(file));
    } catch (NoSuchFileException e) {
      throw new UsageException(flag + " " + file + ": no such file");
    } catch (IOException e) {
      throw new UsageException(flag + " " + file + ": cannot read it (" + e.getMessage() + ")");
    }
  }

  /** A bad spec is bad input: exit 2, with every problem on the one line. */
  static <T> T specInput(Supplier<T> parse) {
    try {
      return parse.get();
    } catch (InvalidSpecException e) {
      throw new UsageException(e.getMessage());
    }
  }

  static ClusterData requireInitialised(ClusterDataStore store, RhizomeCtl ctl) {
    return store.read().map(ClusterDataStore.Versioned::data).orElseThrow(() -> new RefusedException(
        "cluster '" + ctl.store.clusterName + "' is not initialised (run 'rhizomectl init' first)"));
  }

  static String newClusterUid() {
    byte[] b = new byte[4];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = {"Initialises a new cluster with a spec (default {\"initMode\":\"new\"}).",
          "Refuses when the cluster exists: initialising again makes a new cluster and loses the current one's data."})
  static final class InitCmd implements Callable<Integer> {
    @ParentCommand RhizomeCtl ctl;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "the spec as JSON; - reads stdin")
    String file;

    @Option(names = {"-y", "--yes"}, description = "initialise even if the cluster exists (its data will be lost)")
    boolean yes;

    @Override
    public Integer call() {
      String text = file == null ? DEFAULT_SPEC : readInput(file, "--file");
      ClusterSpec clusterSpec = specInput(() -> SpecJson.parse(text));
      ClusterData fresh = ClusterInit.fresh(clusterSpec, newClusterUid());
      try (StoreClient client = ctl.store.connect()) {
        ClusterDataStore store = KeeperCtl.clusterData(ctl, client);
        if (yes) {
          store.overwrite(fresh);
        } else if (!store.create(fresh)) {
          Optional<ClusterDataStore.Versioned> current = store.read();
          String uid = current.map(v -> v.data().getCluster().getUid()).orElse("?");
          throw new RefusedException("cluster '" + ctl.store.clusterName + "' is already initialised (uid " + uid
              + "); initialising it again makes a new cluster and the data of the current one will be lost "
              + "(add --yes to do that)");
        }
      }
      var out = spec.commandLine().getOut();
      out.println("initialised cluster '" + ctl.store.clusterName + "' (uid " + fresh.getCluster().getUid()
          + ", initMode " + clusterSpec.getInitMode().name().toLowerCase(java.util.Locale.ROOT)
          + "); the controller assigns dbs as keepers register");
      out.flush();
      return 0;
    }
  }

  @Command(name = "spec", mixinStandardHelpOptions = true,
      description = "Prints the cluster spec as JSON: the fields set, or with --defaults every field.")
  static final class SpecCmd implements Callable<Integer> {
    @ParentCommand RhizomeCtl ctl;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--defaults", description = "fill in the default of every field not set")
    boolean defaults;

    @Override
    public Integer call() {
      try (StoreClient client = ctl.store.connect()) {
        ClusterSpec current = requireInitialised(KeeperCtl.clusterData(ctl, client), ctl).getCluster().getSpec();
        var out = spec.commandLine().getOut();
        out.println(defaults ? SpecJson.printWithDefaults(current) : SpecJson.print(current));
        out.flush();
      }
      return 0;
    }
  }

  @Command(name = "update", mixinStandardHelpOptions = true,
      description = {"Changes the cluster spec: --patch merges a JSON merge patch (RFC 7386: null removes a field),",
          "--file replaces the whole spec. initMode cannot change; role cannot go from master to standby."})
  static final class UpdateCmd implements Callable<Integer> {
    @ParentCommand RhizomeCtl ctl;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = {"-p", "--patch"}, paramLabel = "JSON", description = "a JSON merge patch, e.g. '{\"failInterval\":\"3s\"}'")
    String patch;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "a whole new spec as JSON; - reads stdin")
    String file;

    @Override
    public Integer call() {
      if ((patch == null) == (file == null)) {
        throw new UsageException("give either --patch JSON (merge into the current spec) or --file FILE "
            + "(replace it; - reads stdin)");
      }
      ClusterSpec replacement = null;
      if (file != null) {
        String text = readInput(file, "--file");
        replacement = specInput(() -> SpecJson.parse(text));
      } else {
        // a patch that is not even JSON is refused before the store is touched
        specInput(() -> SpecJson.mergePatch("{}", patch));
      }
      ClusterSpec whole = replacement;
      boolean[] changed = {false};
      ClusterData written;
      try (StoreClient client = ctl.store.connect()) {
        ClusterDataStore store = KeeperCtl.clusterData(ctl, client);
        requireInitialised(store, ctl);
        written = store.update(cd -> {
          ClusterSpec old = cd.getCluster().getSpec();
          ClusterSpec next = whole != null ? whole : specInput(() -> SpecJson.patch(old, patch));
          var refused = SpecJson.validateUpdate(old, next);
          if (!refused.isEmpty()) {
            throw new RefusedException(String.join("; ", refused));
          }
          changed[0] = !next.equals(old);
          if (!changed[0]) {
            return cd;
          }
          // a new generation tells the controller and the keepers that the spec changed
          return cd.toBuilder().setCluster(cd.getCluster().toBuilder()
              .setSpec(next).setGeneration(cd.getCluster().getGeneration() + 1)).build();
        });
      }
      var out = spec.commandLine().getOut();
      out.println(changed[0]
          ? "updated the spec of cluster '" + ctl.store.clusterName + "' (generation "
              + written.getCluster().getGeneration() + ")"
          : "the spec is unchanged; nothing written");
      out.flush();
      return 0;
    }
  }
}
