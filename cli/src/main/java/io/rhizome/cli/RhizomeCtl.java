package io.rhizome.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code rhizomectl}: the operator's command line. */
@Command(name = "ctl", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = {"rhizomectl: look at and change a Rhizome cluster.",
        "Every flag can also be set as RHIZOME_<FLAG>, e.g. RHIZOME_STORE_ENDPOINTS."},
    subcommands = {SentinelCtl.class, KeeperCtl.RestartCmd.class, KeeperCtl.ReinitCmd.class,
        SpecCtl.InitCmd.class, SpecCtl.SpecCmd.class, SpecCtl.UpdateCmd.class, ClusterDataCtl.class})
final class RhizomeCtl implements Runnable {
  @Mixin StoreOptions store;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(new CommandLine(this),
        "missing command: use 'sentinel list|add|remove', 'restart KEEPER' or 'reinit KEEPER' (see --help)");
  }
}
