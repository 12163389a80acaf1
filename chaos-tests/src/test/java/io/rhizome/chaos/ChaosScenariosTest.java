package io.rhizome.chaos;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The chaos scenarios CI runs (about a minute each on two cores): the ones that guard the
 * failover protocol's safety. The others, and the other replication mode of these, are in
 * {@link ChaosExtendedScenariosTest} ({@code mvn -Pchaos}). Failovers of a host that goes silent
 * run in CI on real hosts ({@link HostScenariosTest}).
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ChaosScenariosTest extends ChaosScenarios {

  @Test
  void masterKeeperAndPostgresKilledSync() throws Exception {
    masterKeeperAndPostgresKilled(Replication.SYNC);
  }

  @Test
  void frozenMasterThawedDoesNotServeWritesSync() throws Exception {
    frozenMasterThawedDoesNotServeWrites(Replication.SYNC, true);
  }

  /** Async, clients connected directly: only the commit lease keeps the thawed master from taking writes. */
  @Test
  void frozenAsyncMasterTakesNoDirectWriteAfterThaw() throws Exception {
    frozenMasterThawedDoesNotServeWrites(Replication.ASYNC, true);
  }

  /** The keeper dies, its PostgreSQL runs on with direct clients: the commit lease holds their commits. */
  @Test
  void masterKeeperKilledAloneAsync() throws Exception {
    masterKeeperKilledAloneItsPostgresAcknowledgesNothingAfterFailover(Replication.ASYNC);
  }

  @Test
  void masterPartitionedFromStoreFencesItselfAsync() throws Exception {
    masterPartitionedFromStore(Replication.ASYNC);
  }

  @Test
  void storeQuorumLostAndRestoredSync() throws Exception {
    storeQuorumLostAndRestored(Replication.SYNC);
  }

  @Test
  void switchoverUnderLoadLosesNothingAsync() throws Exception {
    switchoverUnderLoad(Replication.ASYNC);
  }

  @Test
  void proxyPartitionedFromStoreStopsRoutingAndRecovers() throws Exception {
    proxyPartitionedFromStore();
  }

  @Test
  void calmUnderASaturatedCpu() throws Exception {
    calmUnderSaturatedCpu(Duration.ofSeconds(Long.getLong("chaos.calm.seconds", 120)));
  }
}
