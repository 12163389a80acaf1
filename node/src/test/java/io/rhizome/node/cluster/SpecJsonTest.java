package io.rhizome.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.cluster.Durations;
import io.rhizome.proto.cluster.ClusterRole;
import io.rhizome.proto.cluster.ClusterSpec;
import io.rhizome.proto.cluster.ExistingConfig;
import io.rhizome.proto.cluster.HbaLines;
import io.rhizome.proto.cluster.InitMode;
import io.rhizome.proto.cluster.NewConfig;
import io.rhizome.proto.cluster.SelfFenceMode;
import io.rhizome.proto.cluster.StandbySettings;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SpecJsonTest {
  static com.google.protobuf.Duration d(Duration x) {
    return Durations.toProto(x);
  }

  static final String EVERY_FIELD = """
      {
        "sleepInterval": "1s",
        "requestTimeout": "3s",
        "failInterval": "4s",
        "convergenceTimeout": "1m30s",
        "initTimeout": "10m",
        "syncTimeout": "2h",
        "dbWaitReadyTimeout": "45s",
        "deadKeeperRemovalInterval": "72h",
        "proxyCheckInterval": "500ms",
        "proxyTimeout": "3s",
        "maxStandbys": 10,
        "maxStandbysPerSender": 2,
        "maxStandbyLag": 2097152,
        "synchronousReplication": true,
        "minSynchronousStandbys": 0,
        "maxSynchronousStandbys": 2,
        "additionalWalSenders": 7,
        "additionalMasterReplicationSlots": ["backup", "cdc_1"],
        "usePgrewind": false,
        "initMode": "existing",
        "role": "standby",
        "newConfig": {"locale": "C.UTF-8", "encoding": "UTF8", "dataChecksums": true},
        "existingConfig": {"keeperUID": "k0"},
        "standbyConfig": {"standbySettings": {"primaryConninfo": "host=db1 user=repl",
            "primarySlotName": "dr", "recoveryMinApplyDelay": "5min"}},
        "pgParameters": {"max_connections": "200", "log_min_duration_statement": "1s"},
        "pgHBA": ["host all all 10.0.0.0/8 scram-sha-256"],
        "automaticPgRestart": true,
        "selfFenceMode": "read-only"
      }
      """;

  static final ClusterSpec EVERY_FIELD_PROTO = ClusterSpec.newBuilder()
      .setSleepInterval(d(Duration.ofSeconds(1)))
      .setRequestTimeout(d(Duration.ofSeconds(3)))
      .setFailInterval(d(Duration.ofSeconds(4)))
      .setConvergenceTimeout(d(Duration.ofSeconds(90)))
      .setInitTimeout(d(Duration.ofMinutes(10)))
      .setSyncTimeout(d(Duration.ofHours(2)))
      .setDbWaitReadyTimeout(d(Duration.ofSeconds(45)))
      .setDeadKeeperRemovalInterval(d(Duration.ofHours(72)))
      .setProxyCheckInterval(d(Duration.ofMillis(500)))
      .setProxyTimeout(d(Duration.ofSeconds(3)))
      .setMaxStandbys(10)
      .setMaxStandbysPerSender(2)
      .setMaxStandbyLag(2097152)
      .setSynchronousReplication(true)
      .setMinSynchronousStandbys(0)
      .setMaxSynchronousStandbys(2)
      .setAdditionalWalSenders(7)
      .addAllAdditionalMasterReplicationSlots(List.of("backup", "cdc_1"))
      .setUsePgrewind(false)
      .setInitMode(InitMode.EXISTING)
      .setRole(ClusterRole.CLUSTER_STANDBY)
      .setNewConfig(NewConfig.newBuilder().setLocale("C.UTF-8").setEncoding("UTF8").setDataChecksums(true))
      .setExistingConfig(ExistingConfig.newBuilder().setKeeperUid("k0"))
      .setStandbySettings(StandbySettings.newBuilder().setPrimaryConninfo("host=db1 user=repl")
          .setPrimarySlotName("dr").setRecoveryMinApplyDelay("5min"))
      .putPgParameters("max_connections", "200")
      .putPgParameters("log_min_duration_statement", "1s")
      .setPgHba(HbaLines.newBuilder().addLines("host all all 10.0.0.0/8 scram-sha-256"))
      .setAutomaticPgRestart(true)
      .setSelfFenceMode(SelfFenceMode.READ_ONLY)
      .build();

  @Test
  void everyFieldIsParsed() {
    assertEquals(EVERY_FIELD_PROTO, SpecJson.parse(EVERY_FIELD));
  }

  @Test
  void everyFieldSurvivesPrintAndParse() {
    String printed = SpecJson.print(EVERY_FIELD_PROTO);
    assertEquals(EVERY_FIELD_PROTO, SpecJson.parse(printed));
    assertTrue(printed.contains("\"convergenceTimeout\": \"1m30s\""), printed);
    assertTrue(printed.contains("\"selfFenceMode\": \"read-only\""), printed);
  }

  @Test
  void printShowsOnlyTheFieldsSet() {
    assertEquals("{\n  \"initMode\": \"new\"\n}", SpecJson.print(SpecJson.parse("{\"initMode\":\"new\"}")));
  }

  @Test
  void pgHbaNullAndEmptyStayDistinct() {
    ClusterSpec none = SpecJson.parse("{\"initMode\":\"new\",\"pgHBA\":null}");
    ClusterSpec empty = SpecJson.parse("{\"initMode\":\"new\",\"pgHBA\":[]}");
    assertFalse(none.hasPgHba());
    assertTrue(empty.hasPgHba());
    assertEquals(0, empty.getPgHba().getLinesCount());
    assertEquals(empty, SpecJson.parse(SpecJson.print(empty)));
    assertTrue(SpecJson.print(empty).contains("\"pgHBA\": []"));
    assertFalse(SpecJson.print(none).contains("pgHBA"));
  }

  /** Specs as stolon's documentation writes them (doc/*.md), and as `stolonctl spec` prints one. */
  static Stream<Arguments> stolonSpecs() {
    return Stream.of(
        Arguments.of("{ \"initMode\": \"new\" }"),
        Arguments.of("{ \"initMode\": \"existing\", \"existingConfig\": { \"keeperUID\": \"keeper01\" } }"),
        Arguments.of("""
            {
              "role": "standby",
              "initMode": "existing",
              "existingConfig": { "keeperUID": "keeper01" },
              "standbyConfig": {
                "standbySettings": {
                  "primaryConnInfo": "host=remoteinstancehost port=5432 user=repluser password=replpassword sslmode=disable",
                  "primarySlotName": "standbycluster",
                  "recoveryMinApplyDelay": "10s"
                }
              }
            }"""),
        Arguments.of("""
            {
              "initMode": "new",
              "synchronousReplication": true, "minSynchronousStandbys": 2, "maxSynchronousStandbys": 3,
              "pgParameters": { "archive_mode": "on", "archive_command": "/path/to/your/archive/command %p",
                                "log_min_duration_statement": "1s" }
            }"""),
        // stolonctl spec prints these four with null when unset (no omitempty in stolon's struct)
        Arguments.of("""
            {
              "sleepInterval": "5s", "requestTimeout": "10s", "failInterval": "20s",
              "deadKeeperRemovalInterval": "48h0m0s", "initTimeout": "5m0s", "dbWaitReadyTimeout": "1m0s",
              "proxyCheckInterval": "5s", "proxyTimeout": "15s", "maxStandbyLag": 1048576,
              "additionalWalSenders": null, "additionalMasterReplicationSlots": null,
              "initMode": "new", "newConfig": {}, "pgHBA": null, "automaticPgRestart": null
            }"""));
  }

  @ParameterizedTest
  @MethodSource("stolonSpecs")
  void aStolonSpecIsAccepted(String json) {
    ClusterSpec spec = SpecJson.parse(json);
    assertEquals(spec, SpecJson.parse(SpecJson.print(spec)));
    assertEquals(io.rhizome.cluster.EffectiveSpec.of(spec),
        io.rhizome.cluster.EffectiveSpec.of(SpecJson.parse(SpecJson.printWithDefaults(spec))),
        "the defaults print parses back to the same effective spec");
  }

  @Test
  void stolonsDocumentedSpellingOfPrimaryConnInfoIsAccepted() {
    ClusterSpec s = SpecJson.parse("{\"initMode\":\"existing\",\"existingConfig\":{\"keeperUID\":\"k\"},"
        + "\"role\":\"standby\",\"standbyConfig\":{\"standbySettings\":{\"primaryConnInfo\":\"host=x\"}}}");
    assertEquals("host=x", s.getStandbySettings().getPrimaryConninfo());
  }

  static Stream<Arguments> durations() {
    return Stream.of(
        Arguments.of("500ms", Duration.ofMillis(500), "500ms"),
        Arguments.of("5s", Duration.ofSeconds(5), "5s"),
        Arguments.of("1m30s", Duration.ofSeconds(90), "1m30s"),
        Arguments.of("90s", Duration.ofSeconds(90), "1m30s"),
        Arguments.of("48h", Duration.ofHours(48), "48h"),
        Arguments.of("48h0m0s", Duration.ofHours(48), "48h"),
        Arguments.of("1.5h", Duration.ofMinutes(90), "1h30m"),
        Arguments.of("2h45m", Duration.ofMinutes(165), "2h45m"),
        Arguments.of("1.25s", Duration.ofMillis(1250), "1.25s"),
        Arguments.of(".5s", Duration.ofMillis(500), "500ms"),
        Arguments.of("0", Duration.ZERO, "0s"),
        Arguments.of("0s", Duration.ZERO, "0s"),
        Arguments.of("300us", Duration.ofNanos(300_000), "300us"),
        Arguments.of("2\u00b5s", Duration.ofNanos(2_000), "2us"),
        Arguments.of("1.5ms", Duration.ofNanos(1_500_000), "1.5ms"),
        Arguments.of("7ns", Duration.ofNanos(7), "7ns"),
        Arguments.of("+3s", Duration.ofSeconds(3), "3s"),
        Arguments.of("-1.5s", Duration.ofMillis(-1500), "-1.5s"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("durations")
  void goDurations(String text, Duration expected, String printed) {
    assertEquals(expected, GoDuration.parse(text).orElseThrow());
    assertEquals(printed, GoDuration.format(expected));
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"", "4x", "5", "s", "1.2.3s", "5 s", "1d", "-", "5S",
      "99999999999h"})
  void notGoDurations(String text) {
    assertTrue(GoDuration.parse(text).isEmpty(), text);
  }

  /** A spec (initMode new unless the document sets it) and the exact message of its one problem. */
  static Stream<Arguments> problems() {
    return Stream.of(
        // JSON itself
        Arguments.of("", "the spec is not valid JSON: it ends too early (it is empty)"),
        Arguments.of("[1]", "the spec must be a JSON object, e.g. {\"initMode\": \"new\"}"),
        Arguments.of("{\"initMode\":\"new\"} x", "the spec is not valid JSON: more text after the closing }"),
        Arguments.of("{\"initMode\":\"new\",\"initMode\":\"new\"}", "spec.initMode is given twice"),
        // fields
        Arguments.of("{\"initMode\":\"new\",\"sleepIntervall\":\"5s\"}",
            "spec.sleepIntervall is not a known field (check its spelling against docs/cluster-spec.md)"),
        Arguments.of("{\"initMode\":\"new\",\"newConfig\":{\"lc\":\"C\"}}",
            "spec.newConfig.lc is not a known field (check its spelling against docs/cluster-spec.md)"),
        Arguments.of("{\"initMode\":\"new\",\"pitrConfig\":{}}",
            "spec.pitrConfig is not supported: point-in-time recovery (initMode \"pitr\") is not implemented yet "
                + "(remove the field)"),
        Arguments.of("{\"initMode\":\"new\",\"mergePgParameters\":true}",
            "spec.mergePgParameters is not supported: Rhizome never copies an instance's parameters back into "
                + "the spec; set pgParameters yourself (remove the field)"),
        Arguments.of("{\"initMode\":\"new\",\"defaultSUReplAccessMode\":\"strict\"}",
            "spec.defaultSUReplAccessMode is not supported: the superuser and replication users' pg_hba.conf "
                + "rules are fixed; add your own with pgHBA (remove the field)"),
        Arguments.of("{\"initMode\":\"new\",\"standbyConfig\":{\"archiveRecoverySettings\":{}}}",
            "spec.standbyConfig.archiveRecoverySettings is not supported: following an external primary through "
                + "restore_command alone is not implemented; use standbySettings.primaryConninfo (remove the field)"),
        Arguments.of("{\"initMode\":\"new\",\"sleepInterval\":\"5s\",\"SleepInterval\":\"5s\"}",
            "spec.sleepInterval is given twice (as \"sleepInterval\" and \"SleepInterval\")"),
        // values of the wrong kind
        Arguments.of("{\"initMode\":\"new\",\"failInterval\":\"4x\"}",
            "spec.failInterval: \"4x\" is not a duration (use e.g. \"4s\")"),
        Arguments.of("{\"initMode\":\"new\",\"failInterval\":5}",
            "spec.failInterval: 5 is not a duration (write it as a string, e.g. \"5s\")"),
        Arguments.of("{\"initMode\":\"new\",\"maxStandbys\":\"3\"}",
            "spec.maxStandbys: \"3\" is not a number (use e.g. 3)"),
        Arguments.of("{\"initMode\":\"new\",\"maxStandbys\":-1}",
            "spec.maxStandbys: -1 is not a whole number >= 0 (use e.g. 3)"),
        Arguments.of("{\"initMode\":\"new\",\"maxStandbys\":2.5}",
            "spec.maxStandbys: 2.5 is not a whole number >= 0 (use e.g. 3)"),
        Arguments.of("{\"initMode\":\"new\",\"maxStandbys\":70000}", "spec.maxStandbys: 70000 is too large (at most 65535)"),
        Arguments.of("{\"initMode\":\"new\",\"maxStandbyLag\":\"1MiB\"}",
            "spec.maxStandbyLag: \"1MiB\" is not a number (use a number of bytes, e.g. 1048576 for 1 MiB)"),
        Arguments.of("{\"initMode\":\"new\",\"usePgrewind\":\"yes\"}", "spec.usePgrewind: \"yes\" is not true or false"),
        Arguments.of("{\"initMode\":\"new\",\"existingConfig\":{\"keeperUID\":7}}",
            "spec.existingConfig.keeperUID: 7 is not a string (put it in double quotes)"),
        Arguments.of("{\"initMode\":\"new\",\"newConfig\":\"C\"}", "spec.newConfig: \"C\" is not an object (use {...})"),
        Arguments.of("{\"initMode\":\"new\",\"newConfig\":{\"dataChecksums\":false}}",
            "spec.newConfig.dataChecksums: false is not supported: Rhizome always runs initdb --data-checksums so "
                + "that pg_rewind works (remove the field)"),
        Arguments.of("{\"initMode\":\"new\",\"pgHBA\":\"host all all all trust\"}",
            "spec.pgHBA: \"host all all all trust\" is not a list of strings (use [\"...\", ...])"),
        Arguments.of("{\"initMode\":\"new\",\"pgHBA\":[1]}", "spec.pgHBA[0]: 1 is not a string (put it in double quotes)"),
        Arguments.of("{\"initMode\":\"new\",\"pgParameters\":{\"max_connections\":100}}",
            "spec.pgParameters.max_connections: 100 is not a string (write \"100\")"),
        Arguments.of("{\"initMode\":\"new\",\"pgParameters\":[]}",
            "spec.pgParameters: [] is not an object (use {\"name\": \"value\", ...})"),
        Arguments.of("{\"initMode\":\"old\"}", "spec.initMode: \"old\" is not \"new\" or \"existing\""),
        Arguments.of("{\"initMode\":\"pitr\"}", "spec.initMode: \"pitr\" is not supported yet (use \"new\" or \"existing\")"),
        Arguments.of("{\"initMode\":\"new\",\"role\":\"replica\"}", "spec.role: \"replica\" is not \"master\" or \"standby\""),
        Arguments.of("{\"initMode\":\"new\",\"selfFenceMode\":\"halt\"}",
            "spec.selfFenceMode: \"halt\" is not \"stop\" or \"read-only\""),
        // rules over the whole spec
        Arguments.of("{}", "spec.initMode is required: \"new\" (initdb a new database) or \"existing\" "
            + "(adopt the data dir of existingConfig.keeperUID)"),
        Arguments.of("{\"initMode\":\"new\",\"sleepInterval\":\"-5s\"}", "spec.sleepInterval (-5s) must be >= 0"),
        Arguments.of("{\"initMode\":\"new\",\"syncTimeout\":\"-1ms\"}", "spec.syncTimeout (-1ms) must be >= 0"),
        Arguments.of("{\"initMode\":\"new\",\"proxyTimeout\":\"1s\"}",
            "spec.proxyCheckInterval (1s) must be less than proxyTimeout (1s)"),
        Arguments.of("{\"initMode\":\"new\",\"proxyCheckInterval\":\"2s\",\"proxyTimeout\":\"2s\"}",
            "spec.proxyCheckInterval (2s) must be less than proxyTimeout (2s)"),
        Arguments.of("{\"initMode\":\"new\",\"maxStandbys\":0}", "spec.maxStandbys (0) must be at least 1"),
        Arguments.of("{\"initMode\":\"new\",\"maxStandbysPerSender\":0}", "spec.maxStandbysPerSender (0) must be at least 1"),
        Arguments.of("{\"initMode\":\"new\",\"maxSynchronousStandbys\":0,\"minSynchronousStandbys\":0}",
            "spec.maxSynchronousStandbys (0) must be at least 1"),
        Arguments.of("{\"initMode\":\"new\",\"minSynchronousStandbys\":2,\"maxSynchronousStandbys\":1}",
            "spec.maxSynchronousStandbys (1) must be >= minSynchronousStandbys (2)"),
        Arguments.of("{\"initMode\":\"new\",\"minSynchronousStandbys\":2}",
            "spec.maxSynchronousStandbys (1) must be >= minSynchronousStandbys (2)"),
        Arguments.of("{\"initMode\":\"new\",\"additionalMasterReplicationSlots\":[\"Backup\"]}",
            "spec.additionalMasterReplicationSlots[0]: \"Backup\" is not a valid replication slot name "
                + "(use lowercase letters, digits and _)"),
        Arguments.of("{\"initMode\":\"new\",\"additionalMasterReplicationSlots\":[\"ok\",\"rhizome_x\"]}",
            "spec.additionalMasterReplicationSlots[1]: \"rhizome_x\" starts with \"rhizome_\", which is reserved "
                + "(give the name without it; the keeper adds it)"),
        Arguments.of("{\"initMode\":\"new\",\"additionalMasterReplicationSlots\":[\"" + "a".repeat(56) + "\"]}",
            "spec.additionalMasterReplicationSlots[0]: \"" + "a".repeat(56) + "\" is too long (at most 55 "
                + "characters, as the keeper prefixes it with \"rhizome_\")"),
        Arguments.of("{\"initMode\":\"existing\"}", "spec.existingConfig.keeperUID is required when initMode is "
            + "\"existing\" (the keeper whose data dir becomes the master)"),
        Arguments.of("{\"initMode\":\"existing\",\"existingConfig\":{}}", "spec.existingConfig.keeperUID is required "
            + "when initMode is \"existing\" (the keeper whose data dir becomes the master)"),
        Arguments.of("{\"initMode\":\"new\",\"role\":\"standby\",\"standbyConfig\":{\"standbySettings\":"
            + "{\"primaryConninfo\":\"postgresql://x/db\"}}}", "spec.standbyConfig.standbySettings.primaryConninfo: "
            + "expected keyword=value pairs (host=... port=... user=...), found a URI"),
        Arguments.of("{\"initMode\":\"existing\",\"existingConfig\":{\"keeperUID\":\"k\"},\"role\":\"standby\"}",
            "spec.standbyConfig.standbySettings.primaryConninfo is required when role is \"standby\" "
                + "(the external primary to follow)"),
        Arguments.of("{\"initMode\":\"new\",\"pgHBA\":[\"local all all trust\",\"host all\\nall\"]}",
            "spec.pgHBA[1] contains a newline (give each pg_hba.conf line as its own list element)"),
        Arguments.of("{\"initMode\":\"new\",\"pgParameters\":{\"work_mem\":\"4MB\\n\"}}",
            "spec.pgParameters.work_mem contains a newline (a postgresql.conf value is one line)"),
        Arguments.of("{\"initMode\":\"new\",\"pgParameters\":{\"\":\"x\"}}",
            "spec.pgParameters has a parameter with an empty name (remove it)"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("problems")
  void everyProblemIsOneSentenceNamingTheField(String json, String expected) {
    InvalidSpecException e = assertThrows(InvalidSpecException.class, () -> SpecJson.parse(json));
    assertEquals(List.of(expected), e.problems());
    assertFalse(e.getMessage().contains("\n"), "one line");
  }

  @Test
  void severalProblemsAreAllReported() {
    InvalidSpecException e = assertThrows(InvalidSpecException.class,
        () -> SpecJson.parse("{\"initMode\":\"new\",\"failInterval\":\"x\",\"maxStandbys\":\"y\",\"foo\":1}"));
    assertEquals(3, e.problems().size(), e.getMessage());
  }

  @Test
  void defaultsAreFilledIn() {
    String printed = SpecJson.printWithDefaults(SpecJson.parse("{\"initMode\":\"new\",\"failInterval\":\"3s\"}"));
    for (String expected : List.of("\"sleepInterval\": \"500ms\"", "\"failInterval\": \"3s\"",
        "\"proxyTimeout\": \"3s\"", "\"proxyCheckInterval\": \"1s\"", "\"deadKeeperRemovalInterval\": \"48h\"",
        "\"syncTimeout\": \"0s\"", "\"maxStandbys\": 20", "\"maxStandbyLag\": 1048576", "\"usePgrewind\": true",
        "\"role\": \"master\"", "\"pgHBA\": null", "\"selfFenceMode\": \"stop\"", "\"initMode\": \"new\"",
        "\"pgParameters\": {}", "\"additionalMasterReplicationSlots\": []")) {
      assertTrue(printed.contains(expected), expected + " in " + printed);
    }
  }

  static Stream<Arguments> validUpdates() {
    return Stream.of(
        Arguments.of("{\"initMode\":\"new\"}", "{\"initMode\":\"new\",\"failInterval\":\"3s\"}", List.of()),
        Arguments.of("{\"initMode\":\"new\"}", "{\"initMode\":\"existing\",\"existingConfig\":{\"keeperUID\":\"k\"}}",
            List.of("spec.initMode cannot change after init (from \"new\" to \"existing\"); to start a new cluster "
                + "instead, run 'rhizomectl init --yes'")),
        Arguments.of("{\"initMode\":\"existing\",\"existingConfig\":{\"keeperUID\":\"k\"}}",
            "{\"initMode\":\"existing\",\"existingConfig\":{\"keeperUID\":\"k\"},\"role\":\"standby\","
                + "\"standbyConfig\":{\"standbySettings\":{\"primaryConninfo\":\"host=x\"}}}",
            List.of("spec.role cannot change from \"master\" to \"standby\": a primary cluster cannot start "
                + "following another (standby to master, i.e. promote, is allowed)")),
        Arguments.of("{\"initMode\":\"existing\",\"existingConfig\":{\"keeperUID\":\"k\"},\"role\":\"standby\","
                + "\"standbyConfig\":{\"standbySettings\":{\"primaryConninfo\":\"host=x\"}}}",
            "{\"initMode\":\"existing\",\"existingConfig\":{\"keeperUID\":\"k\"},\"role\":\"master\"}", List.of()));
  }

  @ParameterizedTest
  @MethodSource("validUpdates")
  void updateRules(String old, String next, List<String> expected) {
    assertEquals(expected, SpecJson.validateUpdate(SpecJson.parse(old), SpecJson.parse(next)));
  }

  static Stream<Arguments> mergePatches() {
    return Stream.of(
        // RFC 7386 appendix A
        Arguments.of("{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"),
        Arguments.of("{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"),
        Arguments.of("{\"a\":\"b\"}", "{\"a\":null}", "{}"),
        Arguments.of("{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"),
        Arguments.of("{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"),
        Arguments.of("{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"),
        Arguments.of("{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}"),
        Arguments.of("{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"),
        Arguments.of("{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}"),
        Arguments.of("{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"),
        // the spec's own cases, as stolon's docs show them
        Arguments.of("{\"initMode\":\"new\",\"pgParameters\":{\"a\":\"1\",\"b\":\"2\"}}",
            "{\"pgParameters\":{\"a\":null}}", "{\"initMode\":\"new\",\"pgParameters\":{\"b\":\"2\"}}"),
        Arguments.of("{\"initMode\":\"new\",\"pgParameters\":{\"a\":\"1\"}}", "{\"pgParameters\":null}",
            "{\"initMode\":\"new\"}"),
        Arguments.of("{\"initMode\":\"new\",\"pgHBA\":[\"x\"]}", "{\"pgHBA\":[]}", "{\"initMode\":\"new\",\"pgHBA\":[]}"));
  }

  @ParameterizedTest
  @MethodSource("mergePatches")
  void mergePatch(String document, String patch, String expected) {
    assertEquals(JsonText.parseObject(expected, "x"),
        JsonText.parseObject(SpecJson.mergePatch(document, patch), "x"));
  }

  @Test
  void patchingASpecMergesAndValidates() {
    ClusterSpec current = SpecJson.parse("{\"initMode\":\"new\",\"pgParameters\":{\"a\":\"1\"},\"pgHBA\":[\"x\"]}");
    ClusterSpec next = SpecJson.patch(current,
        "{\"synchronousReplication\":true,\"pgParameters\":{\"a\":null,\"b\":\"2\"},\"pgHBA\":null}");
    assertTrue(next.getSynchronousReplication());
    assertEquals(java.util.Map.of("b", "2"), next.getPgParametersMap());
    assertFalse(next.hasPgHba());
    InvalidSpecException e = assertThrows(InvalidSpecException.class,
        () -> SpecJson.patch(current, "{\"minSynchronousStandbys\":3}"));
    assertEquals(List.of("spec.maxSynchronousStandbys (1) must be >= minSynchronousStandbys (3)"), e.problems());
    assertThrows(InvalidSpecException.class, () -> SpecJson.patch(current, "[]"));
  }

  @Test
  void freshClusterData() {
    ClusterSpec spec = SpecJson.parse("{\"initMode\":\"new\"}");
    var cd = ClusterInit.fresh(spec, "0a1b2c3d");
    assertEquals(1, cd.getFormatVersion());
    assertEquals("0a1b2c3d", cd.getCluster().getUid());
    assertEquals(1, cd.getCluster().getGeneration());
    assertEquals(spec, cd.getCluster().getSpec());
    assertEquals(io.rhizome.proto.cluster.ClusterStatus.Phase.INITIALIZING, cd.getCluster().getStatus().getPhase());
    assertEquals(1, cd.getProxy().getGeneration());
    assertEquals("", cd.getProxy().getSpec().getMasterDbUid());
    assertEquals(0, cd.getKeepersCount());
    assertEquals(0, cd.getDbsCount());
  }
}
