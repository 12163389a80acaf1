package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PgRoleTest {

  static Observed observed(boolean running, boolean healthy, boolean standbySignal, boolean inRecovery) {
    return new Observed(true, running, healthy, standbySignal, inRecovery, 1, 1, Set.of(), "", "", Set.of(), List.of(),
        Set.of());
  }

  @ParameterizedTest(name = "running={0} healthy={1} standby.signal={2} inRecovery={3} -> {4}")
  @CsvSource({
      "false, false, false, false, STOPPED",
      "false, false, true,  false, STOPPED",
      "true,  true,  false, false, MASTER",
      "true,  true,  true,  true,  STANDBY",
      // promoted: standby.signal is gone before the keeper looks again; the server's word counts
      "true,  true,  true,  false, MASTER",
      // running but not answering yet: standby.signal decides, as for the keeper itself
      "true,  false, true,  false, STANDBY",
      "true,  false, false, false, MASTER"})
  void roleOfAnObservation(boolean running, boolean healthy, boolean standbySignal, boolean inRecovery, PgRole role) {
    assertEquals(role, PgRole.of(observed(running, healthy, standbySignal, inRecovery)));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      // roles observed round after round       | callbacks run
      "STOPPED STOPPED MASTER MASTER              | MASTER",
      "STANDBY STANDBY MASTER                     | STANDBY MASTER",
      "MASTER STOPPED MASTER                      | MASTER STOPPED MASTER",
      "STOPPED STANDBY STANDBY STOPPED            | STANDBY STOPPED",
      "STOPPED                                    | ''"})
  void aCallbackOnlyWhenTheRoleChanges(String observedRoles, String expected) {
    PgRole.Changes changes = new PgRole.Changes();
    List<String> calls = new ArrayList<>();
    for (String r : observedRoles.trim().split("\\s+")) {
      changes.observe(PgRole.valueOf(r)).map(PgRole::name).ifPresent(calls::add);
    }
    assertEquals(expected.isBlank() ? List.of() : List.of(expected.trim().split("\\s+")), calls);
  }

  @org.junit.jupiter.api.Test
  void theWordsTheCallbackGets() {
    assertEquals(List.of("master", "standby", "stopped"), List.of(PgRole.MASTER.word(), PgRole.STANDBY.word(),
        PgRole.STOPPED.word()));
    assertEquals(Optional.of(PgRole.MASTER), new PgRole.Changes().observe(PgRole.MASTER));
  }
}
