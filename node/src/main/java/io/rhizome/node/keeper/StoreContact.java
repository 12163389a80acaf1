package io.rhizome.node.keeper;

import java.time.Duration;

/**
 * When the keeper last read and last wrote the store with success, counted from the start of each
 * call (a conservative point: the store applied it later). The self-fencing watchdog judges by
 * the older of the two: a keeper that can read but not write lets its info key expire, one that
 * can write but not read cannot see a failover of its master; either way it is cut off.
 *
 * <p>No clock inside: times are System.nanoTime() values passed in. Thread-safe.
 */
final class StoreContact {
  private long lastReadNanos;
  private long lastWriteNanos;

  /** A keeper that just started counts as in contact: it has not yet had the time to fail. */
  StoreContact(long nowNanos) {
    this.lastReadNanos = nowNanos;
    this.lastWriteNanos = nowNanos;
  }

  /** A read that started at {@code startNanos} succeeded; an older one than the last changes nothing. */
  synchronized void read(long startNanos) {
    if (startNanos - lastReadNanos > 0) {
      lastReadNanos = startNanos;
    }
  }

  /** A write that started at {@code startNanos} succeeded. */
  synchronized void wrote(long startNanos) {
    if (startNanos - lastWriteNanos > 0) {
      lastWriteNanos = startNanos;
    }
  }

  /** How long the keeper has been without a successful read or without a successful write, whichever is longer. */
  synchronized Duration cutOffFor(long nowNanos) {
    long oldest = lastReadNanos - lastWriteNanos < 0 ? lastReadNanos : lastWriteNanos;
    return Duration.ofNanos(Math.max(0, nowNanos - oldest));
  }
}
