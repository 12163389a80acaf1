package io.rhizome.node.keeper;

import io.rhizome.node.common.DurationText;
import io.rhizome.node.common.EnvironmentDefaults;
import io.rhizome.node.common.HttpOptions;
import io.rhizome.node.common.RefusedException;
import io.rhizome.node.common.Signals;
import io.rhizome.node.common.TlsOptions;
import io.rhizome.node.common.UsageException;
import io.rhizome.store.PeerAddress;
import io.rhizome.store.StoreClientConfig;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code rhizome keeper}: manages one local PostgreSQL instance. */
@Command(name = "keeper", mixinStandardHelpOptions = true,
    description = {"Runs one keeper: it converges a local PostgreSQL to the cluster data and reports its state.",
        "Every flag can also be set as RHIZOME_<FLAG>, e.g. RHIZOME_STORE_ENDPOINTS."})
public final class KeeperCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(KeeperCommand.class);
  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

  @Option(names = "--cluster-name", description = "cluster name (required)")
  String clusterName;

  @Option(names = "--id", description = "this keeper's id: lowercase letters, digits, '_' and '-' (required)")
  String id;

  @Option(names = "--data-dir", description = "the keeper's dir; PostgreSQL's data lives in its postgres/ (required)")
  Path dataDir;

  @Option(names = "--store-endpoints", description = "sentinels as HOST:PORT[,HOST:PORT...] (required)")
  String storeEndpoints;

  @Option(names = "--store-timeout", defaultValue = "1s",
      description = "how long one store request may take, retries included; default ${DEFAULT-VALUE}")
  String storeTimeout;

  @Mixin TlsOptions tls;

  @Mixin HttpOptions http;

  @Option(names = "--pg-listen-address", description = "address PostgreSQL listens on (required)")
  String pgListenAddress;

  @Option(names = "--pg-advertise-address", description = "address other hosts use to reach PostgreSQL (default: --pg-listen-address)")
  String pgAdvertiseAddress;

  @Option(names = "--pg-port", defaultValue = "5432", description = "PostgreSQL port; default ${DEFAULT-VALUE}")
  int pgPort;

  @Option(names = "--pg-advertise-port", description = "port other hosts use to reach PostgreSQL, e.g. behind NAT "
      + "or a relay (default: --pg-port)")
  Integer pgAdvertisePort;

  @Option(names = "--pg-bin-path", description = "dir of the PostgreSQL server binaries (default: pg_config --bindir, else the newest /usr/lib/postgresql/N/bin)")
  Path pgBinPath;

  @Option(names = "--pg-su-username", description = "PostgreSQL superuser name (default: the OS user)")
  String suUsername;

  @Option(names = "--pg-su-passwordfile", description = "file holding the superuser's password (required)")
  Path suPasswordFile;

  @Option(names = "--pg-repl-username", defaultValue = "repluser", description = "replication user name; default ${DEFAULT-VALUE}")
  String replUsername;

  @Option(names = "--pg-repl-passwordfile", description = "file holding the replication user's password (required)")
  Path replPasswordFile;

  @Option(names = "--pg-auth-method", defaultValue = "scram-sha-256",
      description = "password method in pg_hba.conf: scram-sha-256 or md5; default ${DEFAULT-VALUE}")
  String authMethod;

  @Option(names = "--can-be-master", arity = "0..1", defaultValue = "true", fallbackValue = "true",
      description = "may this keeper's PostgreSQL become master; default ${DEFAULT-VALUE}")
  boolean canBeMaster;

  @Option(names = "--can-be-synchronous-replica", arity = "0..1", defaultValue = "true", fallbackValue = "true",
      description = "may it be a synchronous standby; default ${DEFAULT-VALUE}")
  boolean canBeSynchronousReplica;

  @Option(names = "--priority", defaultValue = "0",
      description = "failover preference: the controller promotes the highest priority first; default ${DEFAULT-VALUE}")
  int priority;

  @Mixin io.rhizome.node.common.LogOptions log;

  @Option(names = "--on-role-change", paramLabel = "CMD",
      description = "run CMD ROLE CLUSTER DBUID whenever PostgreSQL changes role (ROLE: master, standby, stopped); "
          + "on its own thread, output logged, never blocking the keeper")
  String onRoleChange;

  @Option(names = "--callback-timeout", defaultValue = "30s",
      description = "kill --on-role-change after this long; default ${DEFAULT-VALUE}")
  String callbackTimeout;

  @Override
  public Integer call() throws Exception {
    KeeperSettings settings = settings();
    try (Keeper keeper = Keeper.start(settings)) {
      String signal = Signals.awaitTermination();
      LOG.info("received {}: stopping keeper id={} (PostgreSQL is stopped too)", signal, settings.keeperId());
    }
    return 0;
  }

  KeeperSettings settings() {
    require(clusterName, "--cluster-name");
    require(id, "--id");
    if (!ID.matcher(id).matches()) {
      throw new UsageException("--id '" + id + "' is not valid: use lowercase letters, digits, '_' and '-', "
          + "starting with a letter or digit, e.g. keeper1");
    }
    require(dataDir, "--data-dir");
    require(storeEndpoints, "--store-endpoints");
    require(pgListenAddress, "--pg-listen-address");
    require(suPasswordFile, "--pg-su-passwordfile");
    require(replPasswordFile, "--pg-repl-passwordfile");
    if (pgPort < 1 || pgPort > 65535) {
      throw new UsageException("--pg-port " + pgPort + " is not a port (use 1-65535)");
    }
    var httpListen = http.listen();
    if (pgAdvertisePort != null && (pgAdvertisePort < 1 || pgAdvertisePort > 65535)) {
      throw new UsageException("--pg-advertise-port " + pgAdvertisePort + " is not a port (use 1-65535)");
    }
    if (!authMethod.equals("scram-sha-256") && !authMethod.equals("md5")) {
      throw new UsageException("--pg-auth-method '" + authMethod + "' is not supported (use scram-sha-256 or md5)");
    }
    String su = suUsername == null || suUsername.isBlank() ? System.getProperty("user.name") : suUsername;
    String suPassword = parse(() -> PasswordFile.read(suPasswordFile, "--pg-su-passwordfile", LOG::warn));
    String replPassword = parse(() -> PasswordFile.read(replPasswordFile, "--pg-repl-passwordfile", LOG::warn));
    if (su.equals(replUsername) && !suPassword.equals(replPassword)) {
      throw new UsageException("--pg-su-username and --pg-repl-username are both '" + su
          + "' but their password files differ; use one password or two users");
    }
    if (RunningUser.isRoot()) {
      throw new RefusedException("the keeper must not run as root: PostgreSQL refuses to, and its data dir "
          + "must belong to the user that runs it; run it as an unprivileged user (e.g. postgres)");
    }
    PgBinaries binaries = parse(() -> PgBinaries.locate(Optional.ofNullable(pgBinPath), Path.of("/usr/lib/postgresql")));
    StoreClientConfig store = parse(() -> StoreClientConfig.of(PeerAddress.parseEndpoints(storeEndpoints, "--store-endpoints"))
        .withRequestTimeout(DurationText.parse(storeTimeout, "--store-timeout"))
        .withTls(tls.files()));
    return new KeeperSettings(clusterName, id, dataDir.toAbsolutePath(), store, binaries, pgListenAddress,
        pgAdvertiseAddress == null || pgAdvertiseAddress.isBlank() ? pgListenAddress : pgAdvertiseAddress,
        pgPort, pgAdvertisePort == null ? pgPort : pgAdvertisePort, su, suPassword, replUsername, replPassword,
        authMethod, canBeMaster, canBeSynchronousReplica, priority, roleHook(), httpListen);
  }

  private RoleHook roleHook() {
    java.time.Duration timeout = parse(() -> DurationText.parse(callbackTimeout, "--callback-timeout"));
    if (timeout.isZero() || timeout.isNegative()) {
      throw new UsageException("--callback-timeout " + callbackTimeout + " must be positive (e.g. 30s)");
    }
    if (onRoleChange == null || onRoleChange.isBlank()) {
      return new RoleHook("", timeout);
    }
    String program = onRoleChange.strip().split("\\s+")[0];
    if (program.contains("/") && !java.nio.file.Files.isExecutable(Path.of(program))) {
      throw new UsageException("--on-role-change: " + program + " is not an executable file (chmod +x it, or give its full path)");
    }
    return new RoleHook(onRoleChange.strip(), timeout);
  }

  static void require(Object value, String flag) {
    if (value == null || value.toString().isBlank()) {
      throw new UsageException(flag + " is required (or set " + EnvironmentDefaults.variableFor(flag) + ")");
    }
  }

  static <T> T parse(java.util.function.Supplier<T> parser) {
    try {
      return parser.get();
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }
}
