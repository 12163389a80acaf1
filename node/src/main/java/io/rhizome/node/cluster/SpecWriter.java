package io.rhizome.node.cluster;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import io.rhizome.cluster.Durations;
import io.rhizome.cluster.EffectiveSpec;
import io.rhizome.proto.cluster.ClusterRole;
import io.rhizome.proto.cluster.ClusterSpec;
import io.rhizome.proto.cluster.InitMode;
import io.rhizome.proto.cluster.SelfFenceMode;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A {@link ClusterSpec} as a JSON object with stolon's field names, in stolon's order. */
final class SpecWriter {
  private SpecWriter() {}

  /** Only the fields that are set: what the operator wrote, which is what the store keeps. */
  static JsonObject setFields(ClusterSpec s) {
    JsonObject o = new JsonObject();
    duration(o, "sleepInterval", s.hasSleepInterval(), s.getSleepInterval());
    duration(o, "requestTimeout", s.hasRequestTimeout(), s.getRequestTimeout());
    duration(o, "failInterval", s.hasFailInterval(), s.getFailInterval());
    duration(o, "convergenceTimeout", s.hasConvergenceTimeout(), s.getConvergenceTimeout());
    duration(o, "initTimeout", s.hasInitTimeout(), s.getInitTimeout());
    duration(o, "syncTimeout", s.hasSyncTimeout(), s.getSyncTimeout());
    duration(o, "dbWaitReadyTimeout", s.hasDbWaitReadyTimeout(), s.getDbWaitReadyTimeout());
    duration(o, "deadKeeperRemovalInterval", s.hasDeadKeeperRemovalInterval(), s.getDeadKeeperRemovalInterval());
    duration(o, "proxyCheckInterval", s.hasProxyCheckInterval(), s.getProxyCheckInterval());
    duration(o, "proxyTimeout", s.hasProxyTimeout(), s.getProxyTimeout());
    if (s.hasMaxStandbys()) {
      o.addProperty("maxStandbys", s.getMaxStandbys());
    }
    if (s.hasMaxStandbysPerSender()) {
      o.addProperty("maxStandbysPerSender", s.getMaxStandbysPerSender());
    }
    if (s.hasMaxStandbyLag()) {
      o.addProperty("maxStandbyLag", s.getMaxStandbyLag());
    }
    if (s.hasSynchronousReplication()) {
      o.addProperty("synchronousReplication", s.getSynchronousReplication());
    }
    if (s.hasMinSynchronousStandbys()) {
      o.addProperty("minSynchronousStandbys", s.getMinSynchronousStandbys());
    }
    if (s.hasMaxSynchronousStandbys()) {
      o.addProperty("maxSynchronousStandbys", s.getMaxSynchronousStandbys());
    }
    if (s.hasAdditionalWalSenders()) {
      o.addProperty("additionalWalSenders", s.getAdditionalWalSenders());
    }
    if (s.getAdditionalMasterReplicationSlotsCount() > 0) {
      o.add("additionalMasterReplicationSlots", array(s.getAdditionalMasterReplicationSlotsList()));
    }
    if (s.hasUsePgrewind()) {
      o.addProperty("usePgrewind", s.getUsePgrewind());
    }
    addInitAndRole(o, s, s.getRole() != ClusterRole.CLUSTER_ROLE_UNSPECIFIED);
    if (s.getPgParametersCount() > 0) {
      o.add("pgParameters", parameters(s.getPgParametersMap()));
    }
    if (s.hasPgHba()) {
      o.add("pgHBA", array(s.getPgHba().getLinesList()));
    }
    if (s.hasAutomaticPgRestart()) {
      o.addProperty("automaticPgRestart", s.getAutomaticPgRestart());
    }
    if (s.getSelfFenceMode() != SelfFenceMode.SELF_FENCE_MODE_UNSPECIFIED) {
      o.addProperty("selfFenceMode", selfFenceMode(s.getSelfFenceMode()));
    }
    if (s.hasCommitLease()) {
      o.addProperty("commitLease", s.getCommitLease());
    }
    return o;
  }

  /** Every field, defaults filled in from {@link EffectiveSpec}. */
  static JsonObject withDefaults(ClusterSpec s) {
    EffectiveSpec e = EffectiveSpec.of(s);
    JsonObject o = new JsonObject();
    o.addProperty("sleepInterval", GoDuration.format(e.sleepInterval()));
    o.addProperty("requestTimeout", GoDuration.format(e.requestTimeout()));
    o.addProperty("failInterval", GoDuration.format(e.failInterval()));
    o.addProperty("convergenceTimeout", GoDuration.format(e.convergenceTimeout()));
    o.addProperty("initTimeout", GoDuration.format(e.initTimeout()));
    o.addProperty("syncTimeout", GoDuration.format(e.syncTimeout()));
    o.addProperty("dbWaitReadyTimeout", GoDuration.format(e.dbWaitReadyTimeout()));
    o.addProperty("deadKeeperRemovalInterval", GoDuration.format(e.deadKeeperRemovalInterval()));
    o.addProperty("proxyCheckInterval", GoDuration.format(e.proxyCheckInterval()));
    o.addProperty("proxyTimeout", GoDuration.format(e.proxyTimeout()));
    o.addProperty("maxStandbys", e.maxStandbys());
    o.addProperty("maxStandbysPerSender", e.maxStandbysPerSender());
    o.addProperty("maxStandbyLag", e.maxStandbyLag());
    o.addProperty("synchronousReplication", e.synchronousReplication());
    o.addProperty("minSynchronousStandbys", e.minSynchronousStandbys());
    o.addProperty("maxSynchronousStandbys", e.maxSynchronousStandbys());
    o.addProperty("additionalWalSenders", e.additionalWalSenders());
    o.add("additionalMasterReplicationSlots", array(e.additionalMasterReplicationSlots()));
    o.addProperty("usePgrewind", e.usePgrewind());
    addInitAndRole(o, s, true);
    o.add("pgParameters", parameters(e.pgParameters()));
    // null, as stolon prints it: the default pg_hba.conf rule, which [] would switch off
    o.add("pgHBA", e.pgHba().map(SpecWriter::array).map(a -> (com.google.gson.JsonElement) a)
        .orElse(JsonNull.INSTANCE));
    o.addProperty("automaticPgRestart", e.automaticPgRestart());
    o.addProperty("selfFenceMode", selfFenceMode(e.selfFenceMode()));
    o.addProperty("commitLease", e.commitLease());
    return o;
  }

  private static void addInitAndRole(JsonObject o, ClusterSpec s, boolean withRole) {
    if (s.getInitMode() != InitMode.INIT_MODE_UNSPECIFIED) {
      o.addProperty("initMode", initMode(s.getInitMode()));
    }
    if (withRole) {
      o.addProperty("role", s.getRole() == ClusterRole.CLUSTER_STANDBY ? "standby" : "master");
    }
    if (s.hasNewConfig()) {
      JsonObject n = new JsonObject();
      if (!s.getNewConfig().getLocale().isEmpty()) {
        n.addProperty("locale", s.getNewConfig().getLocale());
      }
      if (!s.getNewConfig().getEncoding().isEmpty()) {
        n.addProperty("encoding", s.getNewConfig().getEncoding());
      }
      if (s.getNewConfig().hasDataChecksums()) {
        n.addProperty("dataChecksums", s.getNewConfig().getDataChecksums());
      }
      o.add("newConfig", n);
    }
    if (s.hasExistingConfig()) {
      JsonObject x = new JsonObject();
      if (!s.getExistingConfig().getKeeperUid().isEmpty()) {
        x.addProperty("keeperUID", s.getExistingConfig().getKeeperUid());
      }
      o.add("existingConfig", x);
    }
    if (s.hasStandbySettings()) {
      JsonObject settings = new JsonObject();
      var ss = s.getStandbySettings();
      if (!ss.getPrimaryConninfo().isEmpty()) {
        settings.addProperty("primaryConninfo", ss.getPrimaryConninfo());
      }
      if (!ss.getPrimarySlotName().isEmpty()) {
        settings.addProperty("primarySlotName", ss.getPrimarySlotName());
      }
      if (!ss.getRecoveryMinApplyDelay().isEmpty()) {
        settings.addProperty("recoveryMinApplyDelay", ss.getRecoveryMinApplyDelay());
      }
      JsonObject standbyConfig = new JsonObject();
      standbyConfig.add("standbySettings", settings);
      o.add("standbyConfig", standbyConfig);
    }
  }

  static String initMode(InitMode m) {
    return m.name().toLowerCase(java.util.Locale.ROOT);
  }

  static String selfFenceMode(SelfFenceMode m) {
    return m == SelfFenceMode.READ_ONLY ? "read-only" : "stop";
  }

  private static void duration(JsonObject o, String name, boolean present, com.google.protobuf.Duration d) {
    if (present) {
      o.addProperty(name, GoDuration.format(Durations.fromProto(d)));
    }
  }

  private static JsonArray array(List<String> values) {
    JsonArray a = new JsonArray();
    values.forEach(a::add);
    return a;
  }

  /** Sorted, so the same spec always prints the same. */
  private static JsonObject parameters(Map<String, String> params) {
    JsonObject p = new JsonObject();
    new TreeMap<>(params).forEach(p::addProperty);
    return p;
  }
}
