package io.rhizome.node.keeper;

import io.rhizome.node.keeper.ManagedParameters.Recovery;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.cluster.DbSpec;
import io.rhizome.proto.cluster.FollowConfig;
import io.rhizome.proto.cluster.StandbySettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Renders postgresql.conf and pg_hba.conf as the assigned db wants them. Pure: the planner
 * compares the result with what is on disk.
 */
final class WantedFilesRenderer {

  /**
   * Where and as whom this keeper's PostgreSQL runs.
   *
   * @param passFile the keeper's pgpass file: primary_conninfo names it instead of holding a password
   */
  record Local(String listenAddress, int port, Path socketDir, Path passFile, String suUser, String replUser,
      String authMethod, int pgMajor) {}

  /** The rendered files, plus one sentence per spec entry that could not be used. */
  record Result(WantedFiles files, List<String> ignored) {}

  private WantedFilesRenderer() {}

  /**
   * @param onDisk the current postgresql.conf: a standby whose primary is not known right now
   *     keeps streaming from where it does
   * @param readOnly self-fenced in read-only mode
   */
  static Result render(Db db, Optional<Peer> followed, Local local, Map<String, String> onDisk, boolean readOnly) {
    return render(db, followed, local, onDisk, readOnly, Map.of(), Map.of(), false);
  }

  /**
   * @param refused parameter values PostgreSQL refused to load (name to value): one bad line
   *     makes PostgreSQL ignore the whole file on reload and refuse to start, so such a value is
   *     replaced by {@code lastGood}'s (or left out) until the spec changes it
   * @param lastGood the parameters of the last file PostgreSQL loaded without an error
   * @param commitLease a master's commits also wait for the keeper's lease standby
   */
  static Result render(Db db, Optional<Peer> followed, Local local, Map<String, String> onDisk, boolean readOnly,
      Map<String, String> refused, Map<String, String> lastGood, boolean commitLease) {
    DbSpec spec = db.getSpec();
    boolean standby = spec.getRole() == DbRole.STANDBY;
    // A standby ignores synchronous_standby_names; it carries the lease name already, so that an
    // async promotion does not change it and a master-to-be needs nothing new for the lease.
    boolean sync = !standby && spec.getSynchronousReplication();
    String syncNames = SynchronousStandbyNames.render(sync ? spec.getSynchronousStandbysList() : List.of(),
        withLease(sync ? spec.getExternalSynchronousStandbysList() : List.of(), commitLease));
    Optional<Recovery> recovery = standby ? Optional.ofNullable(recovery(db, followed, local, onDisk)) : Optional.empty();
    ManagedParameters.Result params = ManagedParameters.compute(new ManagedParameters.ParameterInputs(
        local.listenAddress(), local.port(), local.socketDir(), standby,
        Math.max(1, spec.getMaxStandbys()), spec.getAdditionalWalSenders(), spec.getAdditionalReplicationSlotsCount(),
        syncNames, withKeeperDefaults(spec.getPgParametersMap()), recovery, readOnly, local.pgMajor()));
    Optional<List<String>> specHba = spec.hasPgHba() ? Optional.of(spec.getPgHba().getLinesList()) : Optional.empty();
    PgHbaFile.Rendered hba = PgHbaFile.render(new PgHbaFile.HbaInputs(local.suUser(), local.replUser(),
        local.authMethod(), specHba, false));
    PgHbaFile.Rendered gated = PgHbaFile.render(new PgHbaFile.HbaInputs(local.suUser(), local.replUser(),
        local.authMethod(), specHba, true));
    List<String> ignored = new java.util.ArrayList<>(params.ignored());
    java.util.SortedMap<String, String> parameters = new java.util.TreeMap<>(params.parameters());
    refused.forEach((name, value) -> {
      if (value.equals(parameters.get(name))) {
        String previous = lastGood.get(name);
        if (previous == null || previous.equals(value)) {
          parameters.remove(name);
        } else {
          parameters.put(name, previous);
        }
        ignored.add("pgParameters." + name + " = '" + value + "' was refused by PostgreSQL: "
            + (previous == null || previous.equals(value) ? "left out" : "keeping '" + previous + "'"));
      }
    });
    hba.rejected().forEach(r -> ignored.add("pgHBA line '" + r.line() + "' was ignored: " + r.reason()));
    return new Result(new WantedFiles(withBaseInclude(PgConfFile.render(parameters)), hba.text(), gated.text()),
        ignored);
  }

  /** The lease standby last, so that the real standbys keep their priorities. */
  static List<String> withLease(List<String> externalNames, boolean commitLease) {
    if (!commitLease) {
      return externalNames;
    }
    List<String> names = new java.util.ArrayList<>(externalNames);
    names.add(LeaseStandby.NAME);
    return names;
  }

  /**
   * initdb's (or an adopted cluster's own) postgresql.conf is kept as postgresql.base.conf and
   * read first, so its locale, time zone and tuning stay in effect under the managed settings.
   */
  static String withBaseInclude(String rendered) {
    String include = "include_if_exists = '" + ActionExecutor.BASE_CONF + "'\n";
    int end = rendered.indexOf("\n\n");
    return end < 0 ? include + rendered : rendered.substring(0, end + 2) + include + rendered.substring(end + 2);
  }

  /**
   * Defaults the spec may override: a standby retries its primary every second instead of every
   * five, so it streams again quickly from a new master (its slot appears a moment after promotion).
   */
  static Map<String, String> withKeeperDefaults(Map<String, String> spec) {
    Map<String, String> params = new java.util.TreeMap<>();
    params.put("wal_retrieve_retry_interval", "1s");
    params.putAll(spec);
    return params;
  }

  private static Recovery recovery(Db db, Optional<Peer> followed, Local local, Map<String, String> onDisk) {
    FollowConfig follow = db.getSpec().getFollowConfig();
    if (follow.getType() == FollowConfig.Type.EXTERNAL) {
      StandbySettings s = follow.getStandbySettings();
      return new Recovery(s.getPrimaryConninfo(), blankToNull(s.getPrimarySlotName()),
          blankToNull(s.getRecoveryMinApplyDelay()));
    }
    if (followed.isPresent() && !followed.get().host().isEmpty() && followed.get().port() > 0) {
      Peer p = followed.get();
      ConnInfo conninfo = ConnInfo.of(p.host(), p.port(), local.replUser(), null)
          .withApplicationName(db.getUid())
          .withOption("passfile", local.passFile().toString())
          .withOption("connect_timeout", "2");
      return new Recovery(conninfo.conninfo(), SlotNames.forDb(db.getUid()), null);
    }
    String current = onDisk.get("primary_conninfo");
    return current == null ? null : new Recovery(current, onDisk.get("primary_slot_name"), null);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
