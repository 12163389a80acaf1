package io.rhizome.chaos;

import io.rhizome.chaos.ChaosScenarios.Replication;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The real-host scenarios beyond CI's budget: {@code mvn -Pchaos} runs them (docs/chaos.md). */
@Tag("chaos-extended")
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class HostExtendedScenariosTest extends HostScenarios {

  @ParameterizedTest(name = "{0}")
  @EnumSource(Replication.class)
  void masterHostIsolatedThenHealed(Replication mode) throws Exception {
    masterHostIsolated(mode);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Replication.class)
  void masterHostPoweredOffThenOn(Replication mode) throws Exception {
    masterHostPoweredOff(mode);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Replication.class)
  void masterCutFromTheSentinelMajorityButNotFromTheProxy(Replication mode) throws Exception {
    masterCutFromSentinelMajority(mode);
  }

  @Test
  void proxyHostCutFromTheSentinelsStopsRouting() throws Exception {
    proxyHostCutFromSentinels();
  }

  @Test
  void masterCutFromTheProxyOnlyDoesNotFailOver() throws Exception {
    masterCutFromProxyOnly();
  }

  @Test
  void synchronousStandbyHostIsolatedWritesGoOn() throws Exception {
    synchronousStandbyHostIsolated();
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Replication.class)
  void masterHostFrozenThenThawed(Replication mode) throws Exception {
    masterHostFrozen(mode);
  }

  @Test
  void leaderSentinelHostPoweredOffSync() throws Exception {
    leaderSentinelHostPoweredOff(Replication.SYNC);
  }
}
