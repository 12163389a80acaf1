package io.rhizome.node.keeper;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The parameters the keeper writes into postgresql.conf: the spec's {@code pgParameters} with
 * everything replication, failover and fencing depend on taken over by the keeper (as stolon
 * does). Pure: inputs in, file content and one sentence per dropped spec parameter out.
 */
public final class ManagedParameters {
  private ManagedParameters() {}

  /** Where a standby streams from; nullable fields are left out of the file. */
  public record Recovery(String primaryConninfo, String primarySlotName, String recoveryMinApplyDelay) {
    public Recovery {
      Objects.requireNonNull(primaryConninfo, "primaryConninfo");
    }
  }

  /**
   * @param synchronousStandbyNames already rendered ({@link SynchronousStandbyNames#render}); ""
   *     for none
   * @param recovery present when PostgreSQL follows a primary
   * @param readOnly self-fenced: PostgreSQL must not take writes
   */
  public record ParameterInputs(
      String listenAddress,
      int port,
      Path socketDir,
      boolean standby,
      int maxStandbys,
      int additionalWalSenders,
      int additionalReplicationSlots,
      String synchronousStandbyNames,
      Map<String, String> specParameters,
      Optional<Recovery> recovery,
      boolean readOnly,
      int pgMajor) {
    public ParameterInputs {
      Objects.requireNonNull(listenAddress, "listenAddress");
      Objects.requireNonNull(socketDir, "socketDir");
      Objects.requireNonNull(synchronousStandbyNames, "synchronousStandbyNames");
      specParameters = Map.copyOf(specParameters);
      Objects.requireNonNull(recovery, "recovery");
    }
  }

  /**
   * @param parameters what postgresql.conf holds, names in lower case
   * @param ignored one sentence per spec parameter that is not in {@code parameters}
   */
  public record Result(SortedMap<String, String> parameters, List<String> ignored) {
    public Result {
      parameters = Collections.unmodifiableSortedMap(new TreeMap<>(parameters));
      ignored = List.copyOf(ignored);
    }
  }

  /** The keeper's own; a spec value for these is always dropped. */
  static final Set<String> OWNED = Set.of(
      "listen_addresses", "port", "unix_socket_directories", "hot_standby", "max_wal_senders",
      "max_replication_slots", "wal_log_hints", "synchronous_standby_names",
      // recovery: the keeper decides whom a standby follows and when it is promoted
      "primary_conninfo", "primary_slot_name", "recovery_min_apply_delay", "restore_command",
      "archive_cleanup_command", "recovery_end_command", "promote_trigger_file",
      // recovery.conf names of PostgreSQL < 12: PostgreSQL 12+ refuses to start with them
      "standby_mode", "trigger_file");

  /**
   * Names that would move the files the keeper manages or pull other files in, behind the
   * keeper's back (not in stolon's list).
   */
  static final Set<String> FORBIDDEN = Set.of(
      "data_directory", "config_file", "hba_file", "ident_file", "external_pid_file",
      "include", "include_dir", "include_if_exists");

  /** PostgreSQL's config-file syntax: an identifier, optionally qualified once (ext.name). */
  private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)?");

  /** What pg_basebackup/pg_rewind need kept; 8 segments of 16MB on PostgreSQL 12. */
  static final String DEFAULT_WAL_KEEP_SIZE = "128MB";
  static final String DEFAULT_WAL_KEEP_SEGMENTS = "8";

  public static Result compute(ParameterInputs in) {
    SortedMap<String, String> params = new TreeMap<>();
    List<String> ignored = new ArrayList<>();
    boolean walKeepSet = false;
    String walKeepName = in.pgMajor() >= 13 ? "wal_keep_size" : "wal_keep_segments";
    String walKeepGone = in.pgMajor() >= 13 ? "wal_keep_segments" : "wal_keep_size";

    for (Map.Entry<String, String> e : inSpecOrder(in.specParameters())) {
      String key = e.getKey();
      String value = e.getValue();
      String name = key.toLowerCase(Locale.ROOT);
      String where = "pgParameters." + key;
      if (!NAME.matcher(name).matches()) {
        ignored.add("pgParameters key '" + key + "' is not a valid parameter name and was ignored");
      } else if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0
          || value.indexOf('\0') >= 0) {
        ignored.add(where + " has a line break or NUL character in its value and was ignored");
      } else if (params.containsKey(name)) {
        ignored.add(where + " repeats " + name + " in another spelling (names are case-insensitive)"
            + " and was ignored");
      } else if (owned(name, in.readOnly())) {
        ignored.add(where + " is managed by the keeper and was ignored");
      } else if (FORBIDDEN.contains(name)) {
        ignored.add(where + " would move or include files the keeper manages and was ignored");
      } else if (name.equals(walKeepGone)) {
        ignored.add(where + " does not exist in PostgreSQL " + in.pgMajor() + " (use "
            + walKeepName + ") and was ignored");
      } else if (name.equals("wal_level")) {
        String level = value.strip().toLowerCase(Locale.ROOT);
        if (level.equals("replica") || level.equals("logical")) {
          params.put(name, level);
        } else {
          ignored.add(where + " = '" + value + "' would break replication (use replica or logical)"
              + " and was ignored");
        }
      } else {
        walKeepSet |= name.equals(walKeepName);
        params.put(name, value);
      }
    }

    params.putIfAbsent("wal_level", "replica");
    if (!walKeepSet) {
      params.put(walKeepName, in.pgMajor() >= 13 ? DEFAULT_WAL_KEEP_SIZE : DEFAULT_WAL_KEEP_SEGMENTS);
    }
    params.put("listen_addresses", in.listenAddress());
    params.put("port", Integer.toString(in.port()));
    params.put("unix_socket_directories", in.socketDir().toString());
    params.put("hot_standby", "on");
    // pg_rewind needs hint bits WAL-logged (or data checksums) to rewind an old primary
    params.put("wal_log_hints", "on");
    // two per standby (streaming plus a pg_basebackup or pg_rewind in flight) and three spare:
    // the keeper's own probe holds one (IDENTIFY_SYSTEM each round), its lease standby one
    params.put("max_wal_senders",
        Integer.toString(2 * in.maxStandbys() + 3 + in.additionalWalSenders()));
    params.put("max_replication_slots",
        Integer.toString(in.maxStandbys() + in.additionalReplicationSlots()));
    // written even when empty: a stale list would keep commits waiting for a standby that is gone
    params.put("synchronous_standby_names", in.synchronousStandbyNames());
    if (in.readOnly()) {
      params.put("default_transaction_read_only", "on");
    }
    if (in.standby()) {
      params.put("recovery_target_timeline", "latest");
    }
    in.recovery().ifPresent(r -> {
      params.put("primary_conninfo", r.primaryConninfo());
      if (r.primarySlotName() != null) {
        params.put("primary_slot_name", r.primarySlotName());
      }
      if (r.recoveryMinApplyDelay() != null) {
        params.put("recovery_min_apply_delay", r.recoveryMinApplyDelay());
      }
    });
    return new Result(params, ignored);
  }

  static boolean owned(String name, boolean readOnly) {
    return OWNED.contains(name)
        || name.startsWith("recovery_target")
        // a self-fenced primary must not take writes whatever the spec says
        || (readOnly && name.equals("default_transaction_read_only"));
  }

  /**
   * Deterministic whatever the map's order: by lower-case name, the lower-case spelling first,
   * so of two spellings of one name the lower-case one wins.
   */
  private static List<Map.Entry<String, String>> inSpecOrder(Map<String, String> spec) {
    List<Map.Entry<String, String>> entries = new ArrayList<>(spec.entrySet());
    entries.sort(Comparator
        .comparing((Map.Entry<String, String> e) -> e.getKey().toLowerCase(Locale.ROOT))
        .thenComparing(e -> !e.getKey().equals(e.getKey().toLowerCase(Locale.ROOT)))
        .thenComparing(Map.Entry::getKey));
    return entries;
  }
}
