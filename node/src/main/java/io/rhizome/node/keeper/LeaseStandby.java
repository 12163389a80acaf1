package io.rhizome.node.keeper;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyDual;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keeper's side of the commit lease: a synchronous standby of the local master, listed in its
 * synchronous_standby_names as {@value #NAME}, that streams WAL only to learn how far commits
 * have gone and confirms them only while the {@link CommitLease} is held. A frozen, hung or dead
 * keeper confirms nothing, so its PostgreSQL acknowledges no commit, not even to a client that
 * connects to it directly; this is what the proxy's fencing cannot cover.
 *
 * <p>One thread, one replication connection, open only while the lease is held: the first
 * message that finds it lapsed ends the stream. Without the standby connected, commits wait just
 * the same, and a shutting-down PostgreSQL, whose walsender waits for its standby to confirm the
 * shutdown checkpoint, is not held up by a standby that may not confirm. When the lease is held
 * again the stream starts anew, and its first status update confirms everything up to the flush
 * position. The WAL is discarded: a confirmation says "this master held the lease when its commit
 * reached here", not "a copy exists".
 */
final class LeaseStandby implements AutoCloseable {
  static final String NAME = "rhizome_lease";
  private static final Logger LOG = LoggerFactory.getLogger(LeaseStandby.class);
  private static final long IDLE_PARK_NANOS = Duration.ofMillis(10).toNanos();
  private static final long RETRY_PARK_NANOS = Duration.ofMillis(200).toNanos();

  /** The replication user: the stream is a standby's connection, matched by pg_hba's replication lines. */
  private final ConnInfo replication;
  private final String replicationPassword;
  /** The superuser, to end a lease walsender left from an earlier stream before starting one. */
  private final ConnInfo superuser;
  private final String superuserPassword;
  private final Duration connectTimeout;
  private final CommitLease lease;
  private final Supplier<Duration> term;
  private final BooleanSupplier wanted;
  private final BooleanSupplier prepare;
  private final Thread thread;
  private volatile boolean closed;
  private volatile Connection connection;
  private String lastFailure = "";
  private PgSession admin;

  /**
   * @param wanted whether to stream at all: the lease is on and PostgreSQL runs as a primary
   * @param prepare whether to have the superuser session ready: the lease is on and PostgreSQL
   *     runs, standby included, so that a promotion does not wait for that login
   * @param term the lease term (the spec's {@code selfFenceAfter})
   */
  LeaseStandby(ConnInfo replication, String replicationPassword, ConnInfo superuser, String superuserPassword,
      Duration connectTimeout, CommitLease lease, Supplier<Duration> term, BooleanSupplier wanted,
      BooleanSupplier prepare) {
    this.replication = replication;
    this.replicationPassword = replicationPassword;
    this.superuser = superuser;
    this.superuserPassword = superuserPassword;
    this.connectTimeout = connectTimeout;
    this.lease = lease;
    this.term = term;
    this.wanted = wanted;
    this.prepare = prepare;
    this.thread = new Thread(this::run, "keeper-lease");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Something that makes the stream wanted happened (a promotion): look now, not at the next tick. */
  void wake() {
    LockSupport.unpark(thread);
  }

  /** Whether commits are being confirmed right now: streaming, and the lease held. */
  boolean confirming() {
    return connection != null && held();
  }

  private boolean held() {
    return lease.held(System.nanoTime(), term.get());
  }

  private void run() {
    while (!closed) {
      if (!wanted.getAsBoolean() || !held()) {
        prepareAdmin();
        LockSupport.parkNanos(IDLE_PARK_NANOS);
        continue;
      }
      try {
        stream();
        lastFailure = "";
      } catch (SQLException | RuntimeException e) {
        String why = String.valueOf(e.getMessage());
        if (!closed && !why.equals(lastFailure)) {
          // PostgreSQL restarting or stopping ends the stream too: said once, retried quietly
          LOG.info("lease stream ended: {}", why);
          lastFailure = why;
        }
        closeAdmin();
        LockSupport.parkNanos(RETRY_PARK_NANOS);
      } finally {
        Connection c = connection;
        connection = null;
        if (c != null) {
          abort(c);
        }
      }
    }
    closeAdmin();
  }

  /**
   * Logs in ahead of need: the superuser session is the first thing a stream needs, and a login
   * (SCRAM) took 100–190 ms of the time from a promotion to the first confirmed commit.
   */
  private void prepareAdmin() {
    if (admin != null || !prepare.getAsBoolean()) {
      return;
    }
    try {
      admin = PgSession.connect(superuser, superuserPassword, connectTimeout);
    } catch (SQLException e) {
      // PostgreSQL not ready yet: a stream logs in when it needs to
      LockSupport.parkNanos(RETRY_PARK_NANOS);
    }
  }

  /** Streams while the lease is held and the stream is wanted; returns when either ends. */
  private void stream() throws SQLException {
    long t0 = System.nanoTime();
    if (admin == null) {
      admin = PgSession.connect(superuser, superuserPassword, connectTimeout);
    }
    Connection c = PgSession.openStreaming(replication, replicationPassword, connectTimeout, NAME);
    connection = c;
    long t1 = System.nanoTime();
    long start;
    int timeline;
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
      rs.next();
      timeline = rs.getInt("timeline");
      start = PgSession.parseLsn(rs.getString("xlogpos"));
    }
    CopyDual copy = c.unwrap(PGConnection.class).getCopyAPI()
        .copyDual("START_REPLICATION PHYSICAL " + ReplicationMessages.lsn(start) + " TIMELINE " + timeline);
    long t2 = System.nanoTime();
    awaitSoleStreamingSender();
    long t3 = System.nanoTime();
    LOG.info("lease stream confirming commits after {} ms (login {} ms, start {} ms, streaming alone {} ms)",
        (t3 - t0) / 1_000_000, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);
    // Commits that waited while no lease standby was there are at or before the flush position of
    // connect time: confirmed at once.
    if (!held()) {
      return;
    }
    long sent = start;
    long confirmed = send(copy, start);
    while (!closed && wanted.getAsBoolean()) {
      byte[] m = copy.readFromCopy(true);
      if (m == null) {
        return;
      }
      long upTo = ReplicationMessages.sentUpTo(m);
      if (upTo - sent > 0) {
        sent = upTo;
      }
      if (!held()) {
        return; // lapsed: confirm nothing more, and hold nothing up
      }
      if (sent - confirmed > 0 || ReplicationMessages.replyRequested(m)) {
        confirmed = send(copy, sent);
      }
    }
  }

  /**
   * Waits until this stream's walsender streams and is the only lease walsender. One still
   * catching up takes a confirmation and releases nobody (PostgreSQL's SyncRepReleaseWaiters), and
   * an idle master then sends nothing that would prompt another. An older one, of an earlier
   * stream (this keeper's, or a killed keeper's) whose end PostgreSQL has not noticed yet, is
   * ended: PostgreSQL prefers the older of two standbys with one name, and commits would wait on
   * the one that can no longer confirm them.
   */
  private void awaitSoleStreamingSender() throws SQLException {
    long deadline = System.nanoTime() + connectTimeout.toNanos();
    try (PreparedStatement ps = admin.connection().prepareStatement(
        "SELECT count(*) FILTER (WHERE state = 'streaming'), count(*),"
            // CASE, not AND: only an older walsender may be ended, whatever order AND evaluates in
            + " count(*) FILTER (WHERE CASE WHEN backend_start < newest THEN pg_terminate_backend(pid) ELSE false END)"
            + " FROM (SELECT pid, state, backend_start, max(backend_start) OVER () AS newest"
            + "       FROM pg_stat_replication WHERE application_name = ?) s")) {
      ps.setString(1, NAME);
      while (true) {
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getInt(2) == 1 && rs.getInt(1) == 1) {
            return;
          }
        }
        if (System.nanoTime() - deadline > 0) {
          throw new SQLException("the lease walsender was not streaming alone within "
              + connectTimeout.toMillis() + "ms");
        }
        LockSupport.parkNanos(Duration.ofMillis(1).toNanos());
      }
    }
  }

  /** Sends a status update reporting {@code lsn}; returns it, now confirmed. */
  private static long send(CopyDual copy, long lsn) throws SQLException {
    byte[] update = ReplicationMessages.statusUpdate(lsn, Instant.now(), false);
    copy.writeToCopy(update, 0, update.length);
    copy.flushCopy();
    return lsn;
  }

  private void closeAdmin() {
    if (admin != null) {
      try {
        admin.close();
      } catch (SQLException e) {
        // broken already
      }
      admin = null;
    }
  }

  private static void abort(Connection c) {
    try {
      // abort, not close: close waits for the lock a blocked read holds
      c.abort(Runnable::run);
    } catch (SQLException | RuntimeException e) {
      // already gone
    }
  }

  @Override
  public void close() {
    closed = true;
    Connection c = connection;
    if (c != null) {
      abort(c);
    }
    LockSupport.unpark(thread);
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
