package io.rhizome.chaos;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The chaos scenarios beyond CI's budget: {@code mvn -Pchaos} runs them (docs/chaos.md).
 */
@Tag("chaos-extended")
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class ChaosExtendedScenariosTest extends ChaosScenarios {

  @ParameterizedTest(name = "{0}")
  @EnumSource(Replication.class)
  void postgresCrashRestartedByItsKeeperWithoutFailover(Replication mode) throws Exception {
    postgresCrashIsRestartedWithoutFailover(mode);
  }

  @Test
  void masterKeeperAndPostgresKilledAsync() throws Exception {
    masterKeeperAndPostgresKilled(Replication.ASYNC);
  }

  @Test
  void frozenMasterThawedDoesNotServeWritesAsync() throws Exception {
    frozenMasterThawedDoesNotServeWrites(Replication.ASYNC, false);
  }

  @Test
  void masterKeeperKilledAloneSync() throws Exception {
    masterKeeperKilledAloneItsPostgresAcknowledgesNothingAfterFailover(Replication.SYNC);
  }

  @Test
  void masterPartitionedFromStoreFencesItselfSync() throws Exception {
    masterPartitionedFromStore(Replication.SYNC);
  }

  @Test
  void storeQuorumLostAndRestoredAsync() throws Exception {
    storeQuorumLostAndRestored(Replication.ASYNC);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Replication.class)
  void standbyKilledAndReturnedNoFailover(Replication mode) throws Exception {
    standbyKilledAndReturned(mode);
  }

  @Test
  void switchoverUnderLoadLosesNothingSync() throws Exception {
    switchoverUnderLoad(Replication.SYNC);
  }

  @Test
  void standbyLaggingBeyondMaxStandbyLagIsNotElected() throws Exception {
    laggingStandbyNotElected();
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Replication.class)
  void newMasterDiesBeforeTheOldOneReturns(Replication mode) throws Exception {
    twoFaultsInARow(mode);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Replication.class)
  void keeperWithWipedDataDirDoesNotInitialiseASecondCluster(Replication mode) throws Exception {
    wipedDataDirDoesNotInitialiseASecondCluster(mode);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Replication.class)
  void leaderSentinelKilledMidFailover(Replication mode) throws Exception {
    leaderSentinelKilledDuringFailover(mode);
  }
}
