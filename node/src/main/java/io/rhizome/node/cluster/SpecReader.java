package io.rhizome.node.cluster;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.rhizome.cluster.Durations;
import io.rhizome.proto.cluster.ClusterRole;
import io.rhizome.proto.cluster.ClusterSpec;
import io.rhizome.proto.cluster.ExistingConfig;
import io.rhizome.proto.cluster.HbaLines;
import io.rhizome.proto.cluster.InitMode;
import io.rhizome.proto.cluster.NewConfig;
import io.rhizome.proto.cluster.SelfFenceMode;
import io.rhizome.proto.cluster.StandbySettings;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a spec JSON object in stolon's format into a {@link ClusterSpec}, collecting one sentence
 * per problem. Like Go's encoding/json (which stolon uses) a key matches its field whatever its
 * case, and null means "not set".
 */
final class SpecReader {
  static final long UINT16_MAX = 65_535;
  private static final Pattern LEADING_NUMBER = Pattern.compile("^\\d+(\\.\\d+)?");

  /** A field's reader: gets the non-null JSON value and the builder to fill in. */
  private interface Field<B> {
    void read(SpecReader r, String path, JsonElement value, B builder);
  }

  private static final Map<String, Field<ClusterSpec.Builder>> SPEC = new LinkedHashMap<>();
  private static final Map<String, String> SPEC_UNSUPPORTED = new LinkedHashMap<>();
  private static final Map<String, Field<NewConfig.Builder>> NEW_CONFIG = new LinkedHashMap<>();
  private static final Map<String, Field<ExistingConfig.Builder>> EXISTING_CONFIG = new LinkedHashMap<>();
  private static final Map<String, Field<StandbySettings.Builder>> STANDBY_SETTINGS = new LinkedHashMap<>();

  static {
    SPEC.put("sleepInterval", (r, p, v, b) -> r.duration(p, v, b::setSleepInterval));
    SPEC.put("requestTimeout", (r, p, v, b) -> r.duration(p, v, b::setRequestTimeout));
    SPEC.put("failInterval", (r, p, v, b) -> r.duration(p, v, b::setFailInterval));
    SPEC.put("convergenceTimeout", (r, p, v, b) -> r.duration(p, v, b::setConvergenceTimeout));
    SPEC.put("initTimeout", (r, p, v, b) -> r.duration(p, v, b::setInitTimeout));
    SPEC.put("syncTimeout", (r, p, v, b) -> r.duration(p, v, b::setSyncTimeout));
    SPEC.put("dbWaitReadyTimeout", (r, p, v, b) -> r.duration(p, v, b::setDbWaitReadyTimeout));
    SPEC.put("deadKeeperRemovalInterval", (r, p, v, b) -> r.duration(p, v, b::setDeadKeeperRemovalInterval));
    SPEC.put("proxyCheckInterval", (r, p, v, b) -> r.duration(p, v, b::setProxyCheckInterval));
    SPEC.put("proxyTimeout", (r, p, v, b) -> r.duration(p, v, b::setProxyTimeout));
    SPEC.put("maxStandbys", (r, p, v, b) -> r.count(p, v, UINT16_MAX, n -> b.setMaxStandbys(n.intValue())));
    SPEC.put("maxStandbysPerSender",
        (r, p, v, b) -> r.count(p, v, UINT16_MAX, n -> b.setMaxStandbysPerSender(n.intValue())));
    SPEC.put("maxStandbyLag", (r, p, v, b) -> r.byteCount(p, v, b::setMaxStandbyLag));
    SPEC.put("synchronousReplication", (r, p, v, b) -> r.bool(p, v, b::setSynchronousReplication));
    SPEC.put("minSynchronousStandbys",
        (r, p, v, b) -> r.count(p, v, UINT16_MAX, n -> b.setMinSynchronousStandbys(n.intValue())));
    SPEC.put("maxSynchronousStandbys",
        (r, p, v, b) -> r.count(p, v, UINT16_MAX, n -> b.setMaxSynchronousStandbys(n.intValue())));
    SPEC.put("additionalWalSenders",
        (r, p, v, b) -> r.count(p, v, UINT16_MAX, n -> b.setAdditionalWalSenders(n.intValue())));
    SPEC.put("additionalMasterReplicationSlots",
        (r, p, v, b) -> r.strings(p, v).ifPresent(b::addAllAdditionalMasterReplicationSlots));
    SPEC.put("usePgrewind", (r, p, v, b) -> r.bool(p, v, b::setUsePgrewind));
    SPEC.put("initMode", (r, p, v, b) -> r.initMode(p, v, b));
    SPEC.put("newConfig", (r, p, v, b) -> r.object(p, v, NEW_CONFIG, Map.of(), b.getNewConfigBuilder()));
    SPEC.put("existingConfig",
        (r, p, v, b) -> r.object(p, v, EXISTING_CONFIG, Map.of(), b.getExistingConfigBuilder()));
    SPEC.put("role", (r, p, v, b) -> r.role(p, v, b));
    SPEC.put("standbyConfig", (r, p, v, b) -> r.standbyConfig(p, v, b));
    SPEC.put("pgParameters", (r, p, v, b) -> r.pgParameters(p, v, b));
    SPEC.put("pgHBA", (r, p, v, b) -> r.strings(p, v).ifPresent(l -> b.setPgHba(HbaLines.newBuilder().addAllLines(l))));
    SPEC.put("automaticPgRestart", (r, p, v, b) -> r.bool(p, v, b::setAutomaticPgRestart));
    SPEC.put("selfFenceMode", (r, p, v, b) -> r.selfFenceMode(p, v, b));
    SPEC.put("commitLease", (r, p, v, b) -> r.bool(p, v, b::setCommitLease));

    SPEC_UNSUPPORTED.put("pitrConfig", "point-in-time recovery (initMode \"pitr\") is not implemented yet");
    SPEC_UNSUPPORTED.put("mergePgParameters",
        "Rhizome never copies an instance's parameters back into the spec; set pgParameters yourself");
    SPEC_UNSUPPORTED.put("defaultSUReplAccessMode",
        "the superuser and replication users' pg_hba.conf rules are fixed; add your own with pgHBA");

    NEW_CONFIG.put("locale", (r, p, v, b) -> r.string(p, v, b::setLocale));
    NEW_CONFIG.put("encoding", (r, p, v, b) -> r.string(p, v, b::setEncoding));
    NEW_CONFIG.put("dataChecksums", (r, p, v, b) -> r.bool(p, v, on -> {
      if (!on) {
        r.problem(p + ": false is not supported: Rhizome always runs initdb --data-checksums so that "
            + "pg_rewind works (remove the field)");
      }
      b.setDataChecksums(on);
    }));
    EXISTING_CONFIG.put("keeperUID", (r, p, v, b) -> r.string(p, v, b::setKeeperUid));
    STANDBY_SETTINGS.put("primaryConninfo", (r, p, v, b) -> r.string(p, v, b::setPrimaryConninfo));
    STANDBY_SETTINGS.put("primarySlotName", (r, p, v, b) -> r.string(p, v, b::setPrimarySlotName));
    STANDBY_SETTINGS.put("recoveryMinApplyDelay", (r, p, v, b) -> r.string(p, v, b::setRecoveryMinApplyDelay));
  }

  private final List<String> problems = new ArrayList<>();

  /** Reads {@code spec}; the problems found are in {@link #problems()}. */
  ClusterSpec read(JsonObject spec) {
    ClusterSpec.Builder b = ClusterSpec.newBuilder();
    fields("spec", spec, SPEC, SPEC_UNSUPPORTED, b);
    return b.build();
  }

  List<String> problems() {
    return problems;
  }

  void problem(String sentence) {
    problems.add(sentence);
  }

  private <B> void fields(String path, JsonObject o, Map<String, Field<B>> known, Map<String, String> unsupported,
      B builder) {
    Map<String, String> seen = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : o.entrySet()) {
      String name = canonical(e.getKey(), known.keySet());
      String unsupportedName = canonical(e.getKey(), unsupported.keySet());
      if (name == null && unsupportedName == null) {
        problem(path + "." + e.getKey() + " is not a known field (check its spelling against docs/cluster-spec.md)");
        continue;
      }
      String fieldName = name != null ? name : unsupportedName;
      String earlier = seen.put(fieldName.toLowerCase(Locale.ROOT), e.getKey());
      if (earlier != null) {
        problem(path + "." + fieldName + " is given twice (as \"" + earlier + "\" and \"" + e.getKey() + "\")");
        continue;
      }
      if (e.getValue().isJsonNull()) {
        continue; // null = not set, as in stolon (and how a merge patch removes a field)
      }
      if (name == null) {
        problem(path + "." + unsupportedName + " is not supported: " + unsupported.get(unsupportedName)
            + " (remove the field)");
        continue;
      }
      known.get(name).read(this, path + "." + name, e.getValue(), builder);
    }
  }

  /** The field {@code key} names: exact, else ignoring case as Go does; null when none. */
  private static String canonical(String key, Iterable<String> names) {
    String caseless = null;
    for (String n : names) {
      if (n.equals(key)) {
        return n;
      }
      if (n.equalsIgnoreCase(key)) {
        caseless = n;
      }
    }
    return caseless;
  }

  private <B> void object(String path, JsonElement v, Map<String, Field<B>> known, Map<String, String> unsupported,
      B builder) {
    if (!v.isJsonObject()) {
      problem(path + ": " + show(v) + " is not an object (use {...})");
      return;
    }
    fields(path, v.getAsJsonObject(), known, unsupported, builder);
  }

  private void standbyConfig(String path, JsonElement v, ClusterSpec.Builder b) {
    Map<String, Field<ClusterSpec.Builder>> known = Map.of("standbySettings",
        (r, p, value, spec) -> r.object(p, value, STANDBY_SETTINGS, Map.of(), spec.getStandbySettingsBuilder()));
    object(path, v, known, Map.of("archiveRecoverySettings",
        "following an external primary through restore_command alone is not implemented; "
            + "use standbySettings.primaryConninfo"), b);
  }

  private void duration(String path, JsonElement v, Consumer<com.google.protobuf.Duration> set) {
    if (!isString(v)) {
      problem(path + ": " + show(v) + " is not a duration (write it as a string, e.g. \"" + suggest(show(v)) + "\")");
      return;
    }
    String text = v.getAsString();
    Optional<Duration> d = GoDuration.parse(text);
    if (d.isEmpty()) {
      problem(path + ": \"" + text + "\" is not a duration (use e.g. \"" + suggest(text) + "\")");
      return;
    }
    set.accept(Durations.toProto(d.get()));
  }

  /** "4x" -> "4s": keep the number the operator meant, add a unit. */
  private static String suggest(String text) {
    Matcher m = LEADING_NUMBER.matcher(text);
    return (m.find() ? m.group() : "5") + "s";
  }

  private void count(String path, JsonElement v, long max, Consumer<Long> set) {
    wholeNumber(path, v, max, "e.g. 3").ifPresent(set);
  }

  private void byteCount(String path, JsonElement v, Consumer<Long> set) {
    wholeNumber(path, v, Long.MAX_VALUE, "a number of bytes, e.g. 1048576 for 1 MiB").ifPresent(set);
  }

  private Optional<Long> wholeNumber(String path, JsonElement v, long max, String example) {
    if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
      problem(path + ": " + show(v) + " is not a number (use " + example + ")");
      return Optional.empty();
    }
    BigDecimal n = v.getAsBigDecimal();
    if (n.signum() < 0 || n.stripTrailingZeros().scale() > 0) {
      problem(path + ": " + show(v) + " is not a whole number >= 0 (use " + example + ")");
      return Optional.empty();
    }
    if (n.compareTo(BigDecimal.valueOf(max)) > 0) {
      problem(path + ": " + show(v) + " is too large (at most " + max + ")");
      return Optional.empty();
    }
    return Optional.of(n.longValue());
  }

  private void bool(String path, JsonElement v, Consumer<Boolean> set) {
    if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isBoolean()) {
      problem(path + ": " + show(v) + " is not true or false");
      return;
    }
    set.accept(v.getAsBoolean());
  }

  private void string(String path, JsonElement v, Consumer<String> set) {
    if (!isString(v)) {
      problem(path + ": " + show(v) + " is not a string (put it in double quotes)");
      return;
    }
    set.accept(v.getAsString());
  }

  private Optional<List<String>> strings(String path, JsonElement v) {
    if (!v.isJsonArray()) {
      problem(path + ": " + show(v) + " is not a list of strings (use [\"...\", ...])");
      return Optional.empty();
    }
    JsonArray a = v.getAsJsonArray();
    List<String> out = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      if (!isString(a.get(i))) {
        problem(path + "[" + i + "]: " + show(a.get(i)) + " is not a string (put it in double quotes)");
        return Optional.empty();
      }
      out.add(a.get(i).getAsString());
    }
    return Optional.of(out);
  }

  private void pgParameters(String path, JsonElement v, ClusterSpec.Builder b) {
    if (!v.isJsonObject()) {
      problem(path + ": " + show(v) + " is not an object (use {\"name\": \"value\", ...})");
      return;
    }
    for (Map.Entry<String, JsonElement> e : v.getAsJsonObject().entrySet()) {
      JsonElement value = e.getValue();
      if (value.isJsonNull()) {
        continue; // a patch's way to remove a parameter; nothing to store
      }
      if (!isString(value)) {
        // PostgreSQL parameters are text in postgresql.conf; stolon refuses numbers too
        String fix = value.isJsonPrimitive() ? "write \"" + value.getAsString() + "\"" : "use a string";
        problem(path + "." + e.getKey() + ": " + show(value) + " is not a string (" + fix + ")");
        continue;
      }
      b.putPgParameters(e.getKey(), value.getAsString());
    }
  }

  private void initMode(String path, JsonElement v, ClusterSpec.Builder b) {
    String s = isString(v) ? v.getAsString() : show(v);
    switch (s) {
      case "new" -> b.setInitMode(InitMode.NEW);
      case "existing" -> b.setInitMode(InitMode.EXISTING);
      case "pitr" -> problem(path + ": \"pitr\" is not supported yet (use \"new\" or \"existing\")");
      default -> problem(path + ": " + show(v) + " is not \"new\" or \"existing\"");
    }
  }

  private void role(String path, JsonElement v, ClusterSpec.Builder b) {
    String s = isString(v) ? v.getAsString() : show(v);
    switch (s) {
      case "master" -> b.setRole(ClusterRole.CLUSTER_MASTER);
      case "standby" -> b.setRole(ClusterRole.CLUSTER_STANDBY);
      default -> problem(path + ": " + show(v) + " is not \"master\" or \"standby\"");
    }
  }

  private void selfFenceMode(String path, JsonElement v, ClusterSpec.Builder b) {
    String s = isString(v) ? v.getAsString() : show(v);
    switch (s) {
      case "stop" -> b.setSelfFenceMode(SelfFenceMode.STOP);
      case "read-only" -> b.setSelfFenceMode(SelfFenceMode.READ_ONLY);
      default -> problem(path + ": " + show(v) + " is not \"stop\" or \"read-only\"");
    }
  }

  private static boolean isString(JsonElement v) {
    return v.isJsonPrimitive() && v.getAsJsonPrimitive().isString();
  }

  /** The value as the operator wrote it, for messages. */
  static String show(JsonElement v) {
    if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
      return v.getAsBigDecimal().toString();
    }
    return v.toString();
  }
}
