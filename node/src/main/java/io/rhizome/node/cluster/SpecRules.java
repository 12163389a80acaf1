package io.rhizome.node.cluster;

import io.rhizome.cluster.EffectiveSpec;
import io.rhizome.proto.cluster.ClusterRole;
import io.rhizome.proto.cluster.ClusterSpec;
import io.rhizome.proto.cluster.InitMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** stolon's spec validation, plus ours; each problem is one sentence naming the field and the fix. */
final class SpecRules {
  /** The keeper prefixes every managed slot with this (SlotNames.PREFIX), as stolon does with "stolon_". */
  static final String SLOT_PREFIX = "rhizome_";
  /** PostgreSQL's NAMEDATALEN - 1, less our prefix. */
  static final int MAX_SLOT_NAME = 63 - SLOT_PREFIX.length();
  private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]+");

  private SpecRules() {}

  static List<String> validate(ClusterSpec s) {
    List<String> problems = new ArrayList<>();
    // stolon checks the defaulted spec, so a relation like proxyCheckInterval < proxyTimeout
    // also holds when only one of the two is set
    EffectiveSpec e = EffectiveSpec.of(s);
    nonNegative(problems, "sleepInterval", e.sleepInterval());
    nonNegative(problems, "requestTimeout", e.requestTimeout());
    nonNegative(problems, "failInterval", e.failInterval());
    nonNegative(problems, "convergenceTimeout", e.convergenceTimeout());
    nonNegative(problems, "initTimeout", e.initTimeout());
    nonNegative(problems, "syncTimeout", e.syncTimeout());
    nonNegative(problems, "dbWaitReadyTimeout", e.dbWaitReadyTimeout());
    nonNegative(problems, "deadKeeperRemovalInterval", e.deadKeeperRemovalInterval());
    nonNegative(problems, "proxyCheckInterval", e.proxyCheckInterval());
    nonNegative(problems, "proxyTimeout", e.proxyTimeout());
    if (e.proxyCheckInterval().compareTo(e.proxyTimeout()) >= 0) {
      // a proxy must get at least one check in before it gives up on the store
      problems.add("spec.proxyCheckInterval (" + GoDuration.format(e.proxyCheckInterval())
          + ") must be less than proxyTimeout (" + GoDuration.format(e.proxyTimeout()) + ")");
    }
    atLeastOne(problems, "maxStandbys", e.maxStandbys());
    atLeastOne(problems, "maxStandbysPerSender", e.maxStandbysPerSender());
    atLeastOne(problems, "maxSynchronousStandbys", e.maxSynchronousStandbys());
    if (e.maxSynchronousStandbys() < e.minSynchronousStandbys()) {
      problems.add("spec.maxSynchronousStandbys (" + e.maxSynchronousStandbys()
          + ") must be >= minSynchronousStandbys (" + e.minSynchronousStandbys() + ")");
    }
    List<String> slots = s.getAdditionalMasterReplicationSlotsList();
    for (int i = 0; i < slots.size(); i++) {
      slot(problems, "spec.additionalMasterReplicationSlots[" + i + "]", slots.get(i));
    }
    initModeAndRole(problems, s);
    List<String> hba = s.getPgHba().getLinesList();
    for (int i = 0; i < hba.size(); i++) {
      if (hasNewline(hba.get(i))) {
        problems.add("spec.pgHBA[" + i + "] contains a newline (give each pg_hba.conf line as its own list element)");
      }
    }
    for (Map.Entry<String, String> p : new java.util.TreeMap<>(s.getPgParametersMap()).entrySet()) {
      if (p.getKey().isBlank()) {
        problems.add("spec.pgParameters has a parameter with an empty name (remove it)");
      } else if (hasNewline(p.getKey())) {
        problems.add("spec.pgParameters: the name " + quote(p.getKey()) + " contains a newline (remove it)");
      } else if (hasNewline(p.getValue())) {
        problems.add("spec.pgParameters." + p.getKey() + " contains a newline (a postgresql.conf value is one line)");
      }
    }
    return problems;
  }

  private static void initModeAndRole(List<String> problems, ClusterSpec s) {
    InitMode mode = s.getInitMode();
    ClusterRole role = s.getRole();
    if (mode == InitMode.INIT_MODE_UNSPECIFIED) {
      problems.add("spec.initMode is required: \"new\" (initdb a new database) or \"existing\" "
          + "(adopt the data dir of existingConfig.keeperUID)");
    } else if (mode == InitMode.EXISTING && s.getExistingConfig().getKeeperUid().isEmpty()) {
      problems.add("spec.existingConfig.keeperUID is required when initMode is \"existing\" "
          + "(the keeper whose data dir becomes the master)");
    } else if (mode != InitMode.NEW && mode != InitMode.EXISTING) {
      problems.add("spec.initMode " + SpecWriter.initMode(mode) + " is not supported (use \"new\" or \"existing\")");
    }
    if (role == ClusterRole.CLUSTER_STANDBY) {
      // initMode "new" on a standby cluster copies the external primary (pg_basebackup);
      // "existing" adopts a copy the operator made
      String conninfo = s.getStandbySettings().getPrimaryConninfo();
      if (conninfo.isEmpty()) {
        problems.add("spec.standbyConfig.standbySettings.primaryConninfo is required when role is \"standby\" "
            + "(the external primary to follow)");
      } else {
        try {
          io.rhizome.node.keeper.ExternalConnInfo.split(conninfo);
        } catch (IllegalArgumentException e) {
          problems.add("spec.standbyConfig.standbySettings.primaryConninfo: " + e.getMessage());
        }
      }
    }
  }

  private static void slot(List<String> problems, String path, String name) {
    if (!SLOT_NAME.matcher(name).matches()) {
      problems.add(path + ": " + quote(name) + " is not a valid replication slot name "
          + "(use lowercase letters, digits and _)");
    } else if (name.startsWith(SLOT_PREFIX)) {
      problems.add(path + ": " + quote(name) + " starts with \"" + SLOT_PREFIX + "\", which is reserved "
          + "(give the name without it; the keeper adds it)");
    } else if (name.length() > MAX_SLOT_NAME) {
      problems.add(path + ": " + quote(name) + " is too long (at most " + MAX_SLOT_NAME
          + " characters, as the keeper prefixes it with \"" + SLOT_PREFIX + "\")");
    }
  }

  static List<String> validateUpdate(ClusterSpec old, ClusterSpec next) {
    List<String> problems = new ArrayList<>();
    if (old.getInitMode() != next.getInitMode()) {
      problems.add("spec.initMode cannot change after init (from " + quote(name(old.getInitMode())) + " to "
          + quote(name(next.getInitMode())) + "); to start a new cluster instead, run 'rhizomectl init --yes'");
    }
    if (EffectiveSpec.of(old).role() == ClusterRole.CLUSTER_MASTER
        && EffectiveSpec.of(next).role() == ClusterRole.CLUSTER_STANDBY) {
      problems.add("spec.role cannot change from \"master\" to \"standby\": a primary cluster cannot start "
          + "following another (standby to master, i.e. promote, is allowed)");
    }
    return problems;
  }

  private static String name(InitMode m) {
    return m == InitMode.INIT_MODE_UNSPECIFIED ? "unset" : SpecWriter.initMode(m);
  }

  private static void nonNegative(List<String> problems, String field, Duration d) {
    if (d.isNegative()) {
      problems.add("spec." + field + " (" + GoDuration.format(d) + ") must be >= 0");
    }
  }

  private static void atLeastOne(List<String> problems, String field, int n) {
    if (n < 1) {
      problems.add("spec." + field + " (" + n + ") must be at least 1");
    }
  }

  private static boolean hasNewline(String s) {
    return s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0;
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r") + "\"";
  }
}
