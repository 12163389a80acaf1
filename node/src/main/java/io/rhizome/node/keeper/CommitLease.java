package io.rhizome.node.keeper;

import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.ClusterStatus;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.DbRole;
import java.time.Duration;

/**
 * The commit lease of a master's keeper (docs/keeper.md, "Commit lease"). The master's commits
 * wait for the keeper's lease standby to confirm them, and it confirms only while this says the
 * lease is held: the last store read that started less than a lease term ago named this db the
 * master, with no unplanned failover deposing it, and the keeper's info key was refreshed within
 * a term too. The term is shorter than failInterval, so when the controller sees the keeper's key
 * expire, the master has already stopped acknowledging commits, whoever connects to it; when the
 * keeper is alive, it says it has let go ({@link #releasedFor()}) once it reads the failover.
 *
 * <p>No I/O and no clock: times are passed in (System.nanoTime()). Thread-safe: reads come from
 * the keeper's loop and its renewal timer, checks from the lease standby's thread.
 */
final class CommitLease {
  /** What one read of the cluster data says about this keeper's db. */
  enum Verdict {
    /** The db is the master and nothing deposes it: the lease may be renewed. */
    HOLDER,
    /** An unplanned failover of this db is under way: the lease is given up at once. */
    DEPOSED,
    /** Not the master (a standby, another db, no db): nothing to confirm. */
    NOT_MASTER
  }

  private boolean confirmed;
  private long confirmedAtNanos;
  private boolean anyRead;
  private long lastReadStartNanos;
  private boolean published;
  private long publishedAtNanos;
  private long releasedFor;

  /** Judges one read. A planned switchover keeps the lease: its keeper stops PostgreSQL itself. */
  static Verdict judge(ClusterData cd, String dbUid) {
    Db db = cd.getDbsMap().get(dbUid);
    if (dbUid.isEmpty() || db == null || db.getSpec().getRole() != DbRole.MASTER) {
      return Verdict.NOT_MASTER;
    }
    ClusterStatus status = cd.getCluster().getStatus();
    if (status.hasFailover() && !status.getFailover().getPlanned()
        && status.getFailover().getOldMasterDbUid().equals(dbUid)) {
      return Verdict.DEPOSED;
    }
    return status.getMasterDbUid().equals(dbUid) ? Verdict.HOLDER : Verdict.NOT_MASTER;
  }

  /**
   * A read of the cluster data that started at {@code startNanos} succeeded. Reads may finish out
   * of order (the loop's and the timer's): an older one than the latest applied is ignored, so a
   * slow read from before a failover cannot take the lease back after it was given up.
   */
  synchronized void read(long startNanos, ClusterData cd, String dbUid) {
    if (anyRead && startNanos - lastReadStartNanos < 0) {
      return;
    }
    anyRead = true;
    lastReadStartNanos = startNanos;
    Verdict v = judge(cd, dbUid);
    if (v == Verdict.HOLDER) {
      confirmed = true;
      confirmedAtNanos = startNanos;
      return;
    }
    confirmed = false;
    if (v == Verdict.DEPOSED) {
      releasedFor = cd.getCluster().getStatus().getFailover().getStartedAtMillis();
    }
  }

  /** The keeper's info key was written by a call that started at {@code startNanos}. */
  synchronized void published(long startNanos) {
    if (!published || startNanos - publishedAtNanos > 0) {
      published = true;
      publishedAtNanos = startNanos;
    }
  }

  /** Whether a commit may be confirmed now. */
  synchronized boolean held(long nowNanos, Duration term) {
    long t = term.toNanos();
    return confirmed && published && nowNanos - confirmedAtNanos < t && nowNanos - publishedAtNanos < t;
  }

  /** The started_at_millis of the last unplanned failover of this db read; 0 if none. */
  synchronized long releasedFor() {
    return releasedFor;
  }
}
