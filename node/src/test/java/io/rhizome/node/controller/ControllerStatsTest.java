package io.rhizome.node.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.HistoryEntry;
import io.rhizome.proto.cluster.Keeper;
import io.rhizome.proto.cluster.KeeperStatus;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ControllerStatsTest {
  static HistoryEntry entry(long time, boolean planned, long millis) {
    return HistoryEntry.newBuilder().setTimeMillis(time).setPlanned(planned).setDurationMillis(millis).build();
  }

  @Test
  void countsOnlyEntriesThisRoundAddedEvenWhenTheBoundedHistoryDropsOne() {
    ClusterData before = ClusterData.newBuilder().addHistory(entry(1, false, 100)).addHistory(entry(2, true, 200)).build();
    // full history: the oldest is dropped as the new one is appended
    ClusterData after = ClusterData.newBuilder().addHistory(entry(2, true, 200)).addHistory(entry(3, false, 2500))
        .putKeepers("k0", Keeper.newBuilder().setId("k0").setStatus(KeeperStatus.newBuilder().setHealthy(true)).build())
        .putKeepers("k1", Keeper.newBuilder().setId("k1").build())
        .build();
    ControllerStats stats = new ControllerStats();
    stats.recordRound(before, after);
    stats.recordRound(after, after);
    assertEquals(1, stats.failovers());
    assertEquals(0, stats.switchovers());
    assertEquals(Optional.of(Duration.ofMillis(2500)), stats.lastFailoverDuration());
    assertEquals(Optional.of(new ControllerStats.KeeperCount(1, 2)), stats.keepers());
  }

  @Test
  void aFirstEntryIsCounted() {
    ControllerStats stats = new ControllerStats();
    stats.recordRound(ClusterData.getDefaultInstance(), ClusterData.newBuilder().addHistory(entry(5, true, 800)).build());
    assertEquals(1, stats.switchovers());
  }
}
