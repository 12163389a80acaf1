package io.rhizome.node.keeper;

import io.rhizome.store.StoreClientConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Everything a keeper is started with. The passwords are read from files once at start and live
 * only here: never on a command line, in the store or in a log.
 */
record KeeperSettings(
    String clusterName,
    String keeperId,
    Path dataDir,
    StoreClientConfig store,
    PgBinaries binaries,
    String pgListenAddress,
    String pgAdvertiseAddress,
    int pgPort,
    int pgAdvertisePort,
    String suUsername,
    String suPassword,
    String replUsername,
    String replPassword,
    String authMethod,
    boolean canBeMaster,
    boolean canBeSynchronousReplica,
    int priority,
    RoleHook roleHook,
    Optional<InetSocketAddress> http) {

  /** Without an --on-role-change command and HTTP. */
  KeeperSettings(String clusterName, String keeperId, Path dataDir, StoreClientConfig store, PgBinaries binaries,
      String pgListenAddress, String pgAdvertiseAddress, int pgPort, String suUsername, String suPassword,
      String replUsername, String replPassword, String authMethod, boolean canBeMaster,
      boolean canBeSynchronousReplica, int priority) {
    this(clusterName, keeperId, dataDir, store, binaries, pgListenAddress, pgAdvertiseAddress, pgPort, pgPort,
        suUsername, suPassword, replUsername, replPassword, authMethod, canBeMaster, canBeSynchronousReplica, priority,
        RoleHook.NONE, Optional.empty());
  }

  KeeperSettings withRoleHook(RoleHook hook) {
    return new KeeperSettings(clusterName, keeperId, dataDir, store, binaries, pgListenAddress, pgAdvertiseAddress,
        pgPort, pgAdvertisePort, suUsername, suPassword, replUsername, replPassword, authMethod, canBeMaster,
        canBeSynchronousReplica, priority, hook, http);
  }

  @Override
  public String toString() {
    // never print the passwords, not even by accident in a debug line
    return "KeeperSettings[cluster=" + clusterName + ", id=" + keeperId + ", dataDir=" + dataDir
        + ", pg=" + pgListenAddress + ":" + pgPort
        + ", advertised=" + pgAdvertiseAddress + ":" + pgAdvertisePort
        + ", su=" + suUsername + ", repl=" + replUsername + "]";
  }
}
