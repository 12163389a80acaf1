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
 * <p>One thread, one replication stream, streaming only while the lease is held: the first
 * message that finds it lapsed ends the stream. Without the standby streaming, commits wait just
 * the same, and a shutting-down PostgreSQL, whose walsender waits for its standby to confirm the
 * shutdown checkpoint, is not held up by a standby that may not confirm (an idle replication
 * connection, logged in ahead of need, is ended at shutdown like any session). When the lease is
 * held again the stream starts anew, a little before the flush position, and its first status
 * update confirms everything up to there. The WAL is discarded: a confirmation says "this master
 * held the lease when its commit reached here", not "a copy exists".
 */
final class LeaseStandby implements AutoCloseable {
  static final String NAME = "rhizome_lease";
  private static final Logger LOG = LoggerFactory.getLogger(LeaseStandby.class);
  private static final long IDLE_PARK_NANOS = Duration.ofMillis(10).toNanos();
  private static final long RETRY_PARK_NANOS = Duration.ofMillis(200).toNanos();
  /** How often the sessions logged in ahead of need are checked to still answer. */
  private static final Duration CHECK_EVERY = Duration.ofSeconds(1);

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
  /** The superuser session, logged in ahead of need. */
  private PgSession admin;
  /** A replication connection logged in ahead of need, not streaming yet. */
  private Connection ready;
  private long checkedAt;

  /**
   * @param wanted whether to stream at all: the lease is on and PostgreSQL runs as a primary
   * @param prepare whether to have the logins ready: the lease is on and PostgreSQL runs,
   *     standby included, so that a promotion does not wait for them
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
        prepare();
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
    closeReady();
  }

  /**
   * Logs in ahead of need, both sessions a stream starts with: a login (SCRAM) took 40–190 ms of
   * the time from a promotion to the first confirmed commit. The replication connection opened
   * while PostgreSQL is a standby serves after its promotion: a walsender decides whether it
   * cascades, and so whether it can be synchronous, at IDENTIFY_SYSTEM and START_REPLICATION,
   * not at login. Both are checked every {@link #CHECK_EVERY}, since a restart of PostgreSQL
   * (a demotion is one) ends them without a word.
   */
  private void prepare() {
    if (!prepare.getAsBoolean()) {
      // the lease switched off, or PostgreSQL stopped (then they are dead already)
      closeAdmin();
      closeReady();
      return;
    }
    long now = System.nanoTime();
    if (admin != null && ready != null && now - checkedAt < CHECK_EVERY.toNanos()) {
      return;
    }
    checkedAt = now;
    try {
      if (admin != null && !answers(admin)) {
        closeAdmin();
      }
      if (ready != null && !answers(ready)) {
        closeReady();
      }
      if (admin == null) {
        admin = PgSession.connect(superuser, superuserPassword, connectTimeout);
      }
      if (ready == null) {
        ready = PgSession.openStreaming(replication, replicationPassword, connectTimeout, NAME);
        // bounded while it only answers IDENTIFY_SYSTEM; unbounded once it streams to an idle master
        ready.setNetworkTimeout(Runnable::run, (int) connectTimeout.toMillis());
      }
    } catch (SQLException e) {
      // PostgreSQL not ready yet: a stream logs in when it needs to
      LockSupport.parkNanos(RETRY_PARK_NANOS);
    }
  }

  private static boolean answers(PgSession session) {
    try {
      return session.connection().isValid((int) CHECK_EVERY.toSeconds());
    } catch (SQLException e) {
      return false;
    }
  }

  private static boolean answers(Connection replicationConnection) {
    try {
      identify(replicationConnection);
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  /** Streams while the lease is held and the stream is wanted; returns when either ends. */
  private void stream() throws SQLException {
    long t0 = System.nanoTime();
    boolean loggedIn = admin != null && ready != null;
    if (!awaitOutOfRecovery()) {
      return;
    }
    Connection c = ready;
    ready = null;
    Position at = null;
    if (c != null) {
      try {
        at = identify(c);
      } catch (SQLException e) {
        abort(c); // PostgreSQL restarted since the last check: log in again
        c = null;
        loggedIn = false;
      }
    }
    if (c == null) {
      c = PgSession.openStreaming(replication, replicationPassword, connectTimeout, NAME);
    }
    connection = c; // from here on, run() ends it however the stream ends
    if (at == null) {
      at = identify(c);
    }
    c.setNetworkTimeout(Runnable::run, 0);
    int pid = c.unwrap(PGConnection.class).getBackendPID();
    long t1 = System.nanoTime();
    long start = ReplicationMessages.streamFrom(at.flush());
    CopyDual copy = c.unwrap(PGConnection.class).getCopyAPI()
        .copyDual("START_REPLICATION PHYSICAL " + ReplicationMessages.lsn(start) + " TIMELINE " + at.timeline());
    long confirmed = start;
    boolean confirming = false;
    boolean othersEnded = endOtherLeaseSenders(pid) > 0;
    if (othersEnded || start == at.flush()) {
      // no WAL to send at once, or a confirmation may reach PostgreSQL while an older walsender
      // still counts: wait for the streaming state alone, then confirm up to the flush position
      awaitSoleStreamingSender(pid);
      if (!held()) {
        return;
      }
      confirmed = send(copy, at.flush());
      confirming = true;
      logConfirming(t0, t1, loggedIn);
    }
    long sent = start;
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
      // The first confirmation follows WAL data: the walsender streams by the time it reads it.
      // Commits that waited while no lease standby was there are at or before the flush position
      // of IDENTIFY_SYSTEM, which that data reaches.
      if (!confirming && !ReplicationMessages.isWalData(m)) {
        continue;
      }
      if (sent - confirmed > 0 || ReplicationMessages.replyRequested(m)) {
        confirmed = send(copy, sent);
        if (!confirming) {
          confirming = true;
          logConfirming(t0, t1, loggedIn);
        }
      }
    }
  }

  private static void logConfirming(long t0, long t1, boolean loggedIn) {
    long t2 = System.nanoTime();
    LOG.info("lease stream confirming commits after {} ms (login {}, {} ms; start {} ms)",
        (t2 - t0) / 1_000_000, loggedIn ? "made in advance" : "made now", (t1 - t0) / 1_000_000,
        (t2 - t1) / 1_000_000);
  }

  /** Where PostgreSQL's WAL is flushed to, on which timeline: IDENTIFY_SYSTEM's answer. */
  private record Position(int timeline, long flush) {}

  private static Position identify(Connection c) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
      rs.next();
      return new Position(rs.getInt("timeline"), PgSession.parseLsn(rs.getString("xlogpos")));
    }
  }

  /**
   * Waits until PostgreSQL is out of recovery, as seen by the superuser session; false if the
   * stream stopped being wanted first. A walsender that answers IDENTIFY_SYSTEM while recovery
   * is still ending (pg_ctl promote returns a little before that) stays a cascading one, which
   * is never synchronous.
   */
  private boolean awaitOutOfRecovery() throws SQLException {
    if (admin != null) {
      try {
        return pollOutOfRecovery();
      } catch (SQLException e) {
        closeAdmin(); // PostgreSQL restarted since the last check: log in again
      }
    }
    admin = PgSession.connect(superuser, superuserPassword, connectTimeout);
    return pollOutOfRecovery();
  }

  private boolean pollOutOfRecovery() throws SQLException {
    long deadline = System.nanoTime() + connectTimeout.toNanos();
    while (true) {
      try (Statement st = admin.connection().createStatement();
          ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
        rs.next();
        if (!rs.getBoolean(1)) {
          return true;
        }
      }
      if (!wanted.getAsBoolean() || closed) {
        return false;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new SQLException("PostgreSQL was still in recovery after " + connectTimeout.toMillis() + "ms");
      }
      LockSupport.parkNanos(Duration.ofMillis(1).toNanos());
    }
  }

  /**
   * Ends every other lease walsender: of an earlier stream (this keeper's, or a killed keeper's)
   * whose end PostgreSQL has not noticed yet. PostgreSQL prefers the older of two standbys with
   * one name, and commits would wait on one that can no longer confirm them. Returns how many.
   */
  private int endOtherLeaseSenders(int pid) throws SQLException {
    try (PreparedStatement ps = admin.connection().prepareStatement(
        // CASE, not AND: only another walsender may be ended, whatever order AND evaluates in
        "SELECT count(*) FILTER (WHERE CASE WHEN pid <> ? THEN pg_terminate_backend(pid) ELSE false END)"
            + " FROM pg_stat_replication WHERE application_name = ?")) {
      ps.setInt(1, pid);
      ps.setString(2, NAME);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  /**
   * Waits until this stream's walsender streams and is the only lease walsender, ending any
   * other. One still catching up takes a confirmation and releases nobody (PostgreSQL's
   * SyncRepReleaseWaiters), and an idle master then sends nothing that would prompt another.
   */
  private void awaitSoleStreamingSender(int pid) throws SQLException {
    long deadline = System.nanoTime() + connectTimeout.toNanos();
    try (PreparedStatement ps = admin.connection().prepareStatement(
        "SELECT count(*) FILTER (WHERE state = 'streaming' AND pid = ?), count(*),"
            + " count(*) FILTER (WHERE CASE WHEN pid <> ? THEN pg_terminate_backend(pid) ELSE false END)"
            + " FROM pg_stat_replication WHERE application_name = ?")) {
      ps.setInt(1, pid);
      ps.setInt(2, pid);
      ps.setString(3, NAME);
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

  private void closeReady() {
    if (ready != null) {
      abort(ready);
      ready = null;
    }
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
