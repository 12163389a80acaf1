package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.node.keeper.ManagedParameters.ParameterInputs;
import io.rhizome.node.keeper.ManagedParameters.Recovery;
import io.rhizome.node.keeper.ManagedParameters.Result;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ManagedParametersTest {
  private static final Recovery RECOVERY =
      new Recovery("host=10.0.0.1 port=5432 user=repl", "rhizome_db1", "5s");

  /** A standby following a primary, with the given spec parameters. */
  static ParameterInputs standby(Map<String, String> spec) {
    return new ParameterInputs("10.0.0.2", 5433, Path.of("/run/rhizome"), true, 3, 1, 2,
        "", spec, Optional.of(RECOVERY), false, 15);
  }

  static ParameterInputs primary(Map<String, String> spec, String syncNames, boolean readOnly,
      int pgMajor) {
    return new ParameterInputs("10.0.0.1", 5432, Path.of("/run/rhizome"), false, 2, 0, 0,
        syncNames, spec, Optional.empty(), readOnly, pgMajor);
  }

  @Test
  void theKeeperSetsWhatReplicationNeeds() {
    Result r = ManagedParameters.compute(standby(Map.of()));
    assertEquals(Map.ofEntries(
        Map.entry("listen_addresses", "10.0.0.2"),
        Map.entry("port", "5433"),
        Map.entry("unix_socket_directories", "/run/rhizome"),
        Map.entry("hot_standby", "on"),
        Map.entry("wal_level", "replica"),
        Map.entry("wal_log_hints", "on"),
        Map.entry("max_wal_senders", "10"), // 2*3 + 3 + 1
        Map.entry("max_replication_slots", "5"), // 3 + 2
        Map.entry("synchronous_standby_names", ""),
        Map.entry("wal_keep_size", "128MB"),
        Map.entry("recovery_target_timeline", "latest"),
        Map.entry("primary_conninfo", "host=10.0.0.1 port=5432 user=repl"),
        Map.entry("primary_slot_name", "rhizome_db1"),
        Map.entry("recovery_min_apply_delay", "5s")), r.parameters());
    assertEquals(List.of(), r.ignored());
  }

  @Test
  void aPrimaryHasNoRecoverySettingsAndCarriesTheSynchronousNames() {
    Result r = ManagedParameters.compute(primary(Map.of(), "2 (\"a\",\"b\")", false, 15));
    assertEquals("2 (\"a\",\"b\")", r.parameters().get("synchronous_standby_names"));
    assertEquals("7", r.parameters().get("max_wal_senders"));
    assertEquals("2", r.parameters().get("max_replication_slots"));
    for (String name : List.of("primary_conninfo", "primary_slot_name", "recovery_min_apply_delay",
        "recovery_target_timeline", "default_transaction_read_only")) {
      assertFalse(r.parameters().containsKey(name), name);
    }
  }

  @Test
  void nullableRecoveryFieldsAreLeftOut() {
    ParameterInputs in = new ParameterInputs("h", 5432, Path.of("/s"), true, 1, 0, 0, "",
        Map.of(), Optional.of(new Recovery("host=p", null, null)), false, 15);
    Result r = ManagedParameters.compute(in);
    assertEquals("host=p", r.parameters().get("primary_conninfo"));
    assertFalse(r.parameters().containsKey("primary_slot_name"));
    assertFalse(r.parameters().containsKey("recovery_min_apply_delay"));
  }

  static Stream<String> ownedNames() {
    return Stream.of("listen_addresses", "port", "unix_socket_directories", "hot_standby",
        "max_wal_senders", "max_replication_slots", "wal_log_hints", "synchronous_standby_names",
        "primary_conninfo", "primary_slot_name", "recovery_target_timeline",
        "recovery_min_apply_delay", "restore_command", "recovery_target", "recovery_target_lsn",
        "recovery_target_name", "recovery_target_time", "recovery_target_xid",
        "recovery_target_inclusive", "recovery_target_action", "archive_cleanup_command",
        "recovery_end_command", "promote_trigger_file", "standby_mode", "trigger_file");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ownedNames")
  void aSpecValueForAnOwnedNameIsIgnoredWithASentence(String name) {
    Result r = ManagedParameters.compute(standby(Map.of(name, "spec-value")));
    assertEquals(List.of("pgParameters." + name + " is managed by the keeper and was ignored"),
        r.ignored());
    assertTrue(!"spec-value".equals(r.parameters().get(name)), r.parameters().toString());
  }

  @Test
  void ownedNamesAreRecognisedInAnyCase() {
    Result r = ManagedParameters.compute(standby(Map.of("Port", "1", "MAX_WAL_SENDERS", "1")));
    assertEquals("5433", r.parameters().get("port"));
    assertEquals("10", r.parameters().get("max_wal_senders"));
    assertEquals(List.of(
        "pgParameters.MAX_WAL_SENDERS is managed by the keeper and was ignored",
        "pgParameters.Port is managed by the keeper and was ignored"), r.ignored());
  }

  @Test
  void otherSpecParametersAreKeptUnderTheirLowerCaseName() {
    Result r = ManagedParameters.compute(standby(Map.of(
        "Shared_Buffers", "256MB", "work_mem", "8MB", "pg_stat_statements.max", "5000")));
    assertEquals("256MB", r.parameters().get("shared_buffers"));
    assertEquals("8MB", r.parameters().get("work_mem"));
    assertEquals("5000", r.parameters().get("pg_stat_statements.max"));
    assertFalse(r.parameters().containsKey("Shared_Buffers"));
    assertEquals(List.of(), r.ignored());
  }

  @Test
  void ofTwoSpellingsOfOneNameTheLowerCaseOneWins() {
    Result r = ManagedParameters.compute(standby(Map.of("work_mem", "8MB", "Work_Mem", "1GB")));
    assertEquals("8MB", r.parameters().get("work_mem"));
    assertEquals(List.of("pgParameters.Work_Mem repeats work_mem in another spelling "
        + "(names are case-insensitive) and was ignored"), r.ignored());
  }

  static Stream<Arguments> walLevels() {
    return Stream.of(
        Arguments.of("logical", "logical", List.of()),
        Arguments.of("LOGICAL", "logical", List.of()),
        Arguments.of("replica", "replica", List.of()),
        Arguments.of("minimal", "replica", List.of("pgParameters.wal_level = 'minimal' would break "
            + "replication (use replica or logical) and was ignored")),
        Arguments.of("archive", "replica", List.of("pgParameters.wal_level = 'archive' would break "
            + "replication (use replica or logical) and was ignored")));
  }

  @ParameterizedTest(name = "wal_level={0} -> {1}")
  @MethodSource("walLevels")
  void walLevelIsReplicaUnlessTheSpecAsksForLogical(String spec, String effective,
      List<String> ignored) {
    Result r = ManagedParameters.compute(standby(Map.of("wal_level", spec)));
    assertEquals(effective, r.parameters().get("wal_level"));
    assertEquals(ignored, r.ignored());
  }

  static Stream<Arguments> walKeep() {
    return Stream.of(
        // pgMajor, spec, expected entries, ignored
        Arguments.of(15, Map.of(), Map.of("wal_keep_size", "128MB"), List.of()),
        Arguments.of(13, Map.of("wal_keep_size", "1GB"), Map.of("wal_keep_size", "1GB"), List.of()),
        Arguments.of(15, Map.of("wal_keep_segments", "64"), Map.of("wal_keep_size", "128MB"),
            List.of("pgParameters.wal_keep_segments does not exist in PostgreSQL 15 "
                + "(use wal_keep_size) and was ignored")),
        Arguments.of(12, Map.of(), Map.of("wal_keep_segments", "8"), List.of()),
        Arguments.of(12, Map.of("wal_keep_segments", "64"), Map.of("wal_keep_segments", "64"),
            List.of()),
        Arguments.of(12, Map.of("wal_keep_size", "1GB"), Map.of("wal_keep_segments", "8"),
            List.of("pgParameters.wal_keep_size does not exist in PostgreSQL 12 "
                + "(use wal_keep_segments) and was ignored")));
  }

  @ParameterizedTest(name = "PostgreSQL {0}, spec {1}")
  @MethodSource("walKeep")
  void walKeepHasADefaultTheSpecMayOverride(int pgMajor, Map<String, String> spec,
      Map<String, String> expected, List<String> ignored) {
    Result r = ManagedParameters.compute(primary(spec, "", false, pgMajor));
    expected.forEach((name, value) -> assertEquals(value, r.parameters().get(name), name));
    String other = pgMajor >= 13 ? "wal_keep_segments" : "wal_keep_size";
    assertFalse(r.parameters().containsKey(other), other);
    assertEquals(ignored, r.ignored());
  }

  static Stream<Arguments> readOnly() {
    return Stream.of(
        // readOnly, spec value, effective, ignored
        Arguments.of(true, null, "on", List.of()),
        Arguments.of(true, "off", "on", List.of(
            "pgParameters.default_transaction_read_only is managed by the keeper and was ignored")),
        Arguments.of(false, null, null, List.of()),
        Arguments.of(false, "on", "on", List.of()));
  }

  @ParameterizedTest(name = "readOnly={0}, spec={1} -> {2}")
  @MethodSource("readOnly")
  void aFencedPrimaryIsReadOnlyWhateverTheSpecSays(boolean readOnly, String spec, String effective,
      List<String> ignored) {
    Map<String, String> specParams =
        spec == null ? Map.of() : Map.of("default_transaction_read_only", spec);
    Result r = ManagedParameters.compute(primary(specParams, "", readOnly, 15));
    assertEquals(effective, r.parameters().get("default_transaction_read_only"));
    assertEquals(ignored, r.ignored());
  }

  static Stream<Arguments> badEntries() {
    return Stream.of(
        Arguments.of("work mem", "8MB",
            "pgParameters key 'work mem' is not a valid parameter name and was ignored"),
        Arguments.of("1work_mem", "8MB",
            "pgParameters key '1work_mem' is not a valid parameter name and was ignored"),
        Arguments.of("work-mem", "8MB",
            "pgParameters key 'work-mem' is not a valid parameter name and was ignored"),
        Arguments.of("a.b.c", "1",
            "pgParameters key 'a.b.c' is not a valid parameter name and was ignored"),
        Arguments.of("x.", "1", "pgParameters key 'x.' is not a valid parameter name and was ignored"),
        Arguments.of("", "1", "pgParameters key '' is not a valid parameter name and was ignored"),
        Arguments.of("work_mem\n", "1",
            "pgParameters key 'work_mem\n' is not a valid parameter name and was ignored"),
        Arguments.of("application_name", "a\nport = 1",
            "pgParameters.application_name has a line break or NUL character in its value and "
                + "was ignored"),
        Arguments.of("application_name", "a\rb",
            "pgParameters.application_name has a line break or NUL character in its value and "
                + "was ignored"),
        Arguments.of("application_name", "a\0b",
            "pgParameters.application_name has a line break or NUL character in its value and "
                + "was ignored"),
        Arguments.of("data_directory", "/elsewhere",
            "pgParameters.data_directory would move or include files the keeper manages and was "
                + "ignored"),
        Arguments.of("hba_file", "/etc/hba",
            "pgParameters.hba_file would move or include files the keeper manages and was ignored"),
        Arguments.of("include", "/etc/more.conf",
            "pgParameters.include would move or include files the keeper manages and was ignored"),
        Arguments.of("Include_Dir", "/etc/conf.d",
            "pgParameters.Include_Dir would move or include files the keeper manages and was "
                + "ignored"));
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("badEntries")
  void badNamesAndValuesAreIgnoredWithASentenceNamingThem(String name, String value,
      String sentence) {
    Result r = ManagedParameters.compute(standby(Map.of(name, value, "work_mem", "8MB")));
    assertEquals(List.of(sentence), r.ignored());
    assertEquals("8MB", r.parameters().get("work_mem"));
    assertFalse(r.parameters().containsKey(name.toLowerCase()));
  }

  @Test
  void theResultRendersAndReadsBackUnchanged() {
    Result r = ManagedParameters.compute(standby(Map.of("application_name", "it's a \\ test")));
    assertEquals(r.parameters(), PgConfFile.parse(PgConfFile.render(r.parameters())));
  }
}
