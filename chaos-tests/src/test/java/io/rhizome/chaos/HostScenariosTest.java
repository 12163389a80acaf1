package io.rhizome.chaos;

import io.rhizome.chaos.ChaosScenarios.Replication;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real-host scenario CI runs (docs/chaos.md): a master host that goes silent and then the
 * next one losing power (the failures loopback cannot show). The others run under
 * {@code mvn -Pchaos} ({@link HostExtendedScenariosTest}).
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class HostScenariosTest extends HostScenarios {

  @Test
  void masterHostIsolatedThenTheNextMastersHostPoweredOffSync() throws Exception {
    masterHostIsolatedThenNextMasterHostPoweredOff(Replication.SYNC);
  }
}
