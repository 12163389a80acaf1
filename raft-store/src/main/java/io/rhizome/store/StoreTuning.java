package io.rhizome.store;

import java.time.Duration;

/**
 * Knobs of the store's state machine and Raft log. Defaults suit a few clusters' worth of keepers
 * and proxies; tests shrink them to exercise snapshots and compaction.
 *
 * @param snapshotThreshold take a snapshot every this many log entries
 * @param retainedEvents how many recent events a watch can resume from before it must re-list
 * @param maxWatches parked watches one sentinel accepts
 * @param maxWatchTimeout the longest a watch waits on the server; clients keep their request
 *     timeout above it
 * @param ttlTick how often the leader looks for expired keys
 */
public record StoreTuning(
    long snapshotThreshold,
    int retainedEvents,
    int maxWatches,
    Duration maxWatchTimeout,
    Duration ttlTick) {

  public static final Duration MAX_WATCH_TIMEOUT = Duration.ofSeconds(10);

  public static StoreTuning defaults() {
    return new StoreTuning(10_000, 10_000, 10_000, MAX_WATCH_TIMEOUT, Duration.ofMillis(100));
  }

  public StoreTuning withSnapshotThreshold(long entries) {
    return new StoreTuning(entries, retainedEvents, maxWatches, maxWatchTimeout, ttlTick);
  }

  public StoreTuning withRetainedEvents(int events) {
    return new StoreTuning(snapshotThreshold, events, maxWatches, maxWatchTimeout, ttlTick);
  }
}
