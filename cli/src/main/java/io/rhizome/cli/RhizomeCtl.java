package io.rhizome.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code rhizomectl}: the operator's command line. */
@Command(name = "ctl", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = {"rhizomectl: look at and change a Rhizome cluster.",
        "Every flag can also be set as RHIZOME_<FLAG>, e.g. RHIZOME_STORE_ENDPOINTS."},
    subcommands = {SpecCtl.InitCmd.class, ClusterCtl.StatusCmd.class, SpecCtl.SpecCmd.class, SpecCtl.UpdateCmd.class,
        ClusterCtl.SwitchoverCmd.class, ClusterCtl.PromoteCmd.class, ClusterCtl.FailKeeperCmd.class, ClusterCtl.RemoveKeeperCmd.class,
        ClusterCtl.PauseCmd.class, ClusterCtl.ResumeCmd.class, ClusterCtl.HistoryCmd.class, KeeperCtl.RestartCmd.class,
        KeeperCtl.ReinitCmd.class, ClusterDataCtl.class, SentinelCtl.class, AutoComplete.GenerateCompletion.class})
final class RhizomeCtl implements Runnable {
  @Mixin StoreOptions store;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(new CommandLine(this),
        "missing command: use init, status, spec, update, switchover, failkeeper, removekeeper, pause, resume, history, restart, reinit, clusterdata or sentinel (see --help)");
  }
}
