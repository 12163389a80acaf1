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
 * @param logSegmentBytes size at which a Raft log segment is closed; the log is purged after a
 *     snapshot only in whole closed segments, so a segment holding far more entries than
 *     {@code snapshotThreshold} means the log is never purged and a lagging peer is never sent a
 *     snapshot
 */
public record StoreTuning(
    long snapshotThreshold,
    int retainedEvents,
    int maxWatches,
    Duration maxWatchTimeout,
    Duration ttlTick,
    long logSegmentBytes) {

  public static final Duration MAX_WATCH_TIMEOUT = Duration.ofSeconds(10);
  public static final long DEFAULT_LOG_SEGMENT_BYTES = 4L * 1024 * 1024;

  public StoreTuning {
    if (logSegmentBytes < 1024) {
      throw new IllegalArgumentException("log segment size " + logSegmentBytes
          + " bytes is too small (use 1KB or more)");
    }
  }

  /** The tuning without a log segment size: the default segment size. */
  public StoreTuning(long snapshotThreshold, int retainedEvents, int maxWatches,
      Duration maxWatchTimeout, Duration ttlTick) {
    this(snapshotThreshold, retainedEvents, maxWatches, maxWatchTimeout, ttlTick,
        DEFAULT_LOG_SEGMENT_BYTES);
  }

  public static StoreTuning defaults() {
    return new StoreTuning(10_000, 10_000, 10_000, MAX_WATCH_TIMEOUT, Duration.ofMillis(100),
        DEFAULT_LOG_SEGMENT_BYTES);
  }

  public StoreTuning withSnapshotThreshold(long entries) {
    return new StoreTuning(entries, retainedEvents, maxWatches, maxWatchTimeout, ttlTick,
        logSegmentBytes);
  }

  public StoreTuning withRetainedEvents(int events) {
    return new StoreTuning(snapshotThreshold, events, maxWatches, maxWatchTimeout, ttlTick,
        logSegmentBytes);
  }

  /** Tests shrink segments so that a few hundred writes are enough to purge the log. */
  public StoreTuning withLogSegmentBytes(long bytes) {
    return new StoreTuning(snapshotThreshold, retainedEvents, maxWatches, maxWatchTimeout, ttlTick,
        bytes);
  }
}
