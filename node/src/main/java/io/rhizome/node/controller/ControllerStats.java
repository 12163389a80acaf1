package io.rhizome.node.controller;

import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.HistoryEntry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the controller reports as metrics, kept by its loop and read by a scrape: the loop writes
 * single fields after each round, a scrape only reads them, so neither waits on the other.
 *
 * <p>Failovers are counted when this sentinel's controller wrote the history entry that records
 * one; summed over the sentinels the counters give the cluster's total, and a new leader does not
 * count again what an old one recorded.
 */
public final class ControllerStats {
  private final AtomicLong failovers = new AtomicLong();
  private final AtomicLong switchovers = new AtomicLong();
  private volatile boolean leading;
  private volatile Optional<ClusterData> lastRead = Optional.empty();

  /** A round read {@code read} and wrote {@code written} (equal when it changed nothing). */
  void recordRound(ClusterData read, ClusterData written) {
    for (HistoryEntry h : newEntries(read, written)) {
      (h.getPlanned() ? switchovers : failovers).incrementAndGet();
    }
    lastRead = Optional.of(written);
  }

  void setLeading(boolean value) {
    leading = value;
  }

  /** History entries in {@code after} that {@code before} lacks (the history is bounded: compare by time). */
  static List<HistoryEntry> newEntries(ClusterData before, ClusterData after) {
    long last = before.getHistoryCount() == 0 ? Long.MIN_VALUE
        : before.getHistory(before.getHistoryCount() - 1).getTimeMillis();
    return after.getHistoryList().stream().filter(h -> h.getTimeMillis() > last).toList();
  }

  public boolean leading() {
    return leading;
  }

  public long failovers() {
    return failovers.get();
  }

  public long switchovers() {
    return switchovers.get();
  }

  /** From the decision to fail over to the new master routed, for the latest entry in the history. */
  public Optional<Duration> lastFailoverDuration() {
    return lastRead.filter(cd -> cd.getHistoryCount() > 0)
        .map(cd -> Duration.ofMillis(cd.getHistory(cd.getHistoryCount() - 1).getDurationMillis()));
  }

  /** Keepers the cluster data marks healthy, of all it lists. */
  public record KeeperCount(long healthy, long total) {}

  /** Empty before the first round. */
  public Optional<KeeperCount> keepers() {
    return lastRead.map(cd -> new KeeperCount(
        cd.getKeepersMap().values().stream().filter(k -> k.getStatus().getHealthy()).count(),
        cd.getKeepersCount()));
  }
}
