package io.rhizome.chaos;

import io.rhizome.chaos.WriteRecord.Server;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Clients writing through the proxy: each transaction inserts one unique id and, in the same
 * transaction, reads which server runs it (port, system identifier, the timeline it writes on,
 * its WAL position), so the checker can tell which reign acknowledged what. Every attempt is
 * recorded with its outcome and its start and end; a connection that cannot be made records
 * nothing (no id was tried) and is retried shortly.
 */
final class WriteWorkload implements AutoCloseable {
  static final String TABLE = "chaos_writes";
  private static final Duration RECONNECT_PAUSE = Duration.ofMillis(50);

  private final String url;
  private final Properties props;
  private final int clients;
  private final Duration pause;
  private final AtomicLong nextId;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final List<WriteRecord> records = Collections.synchronizedList(new ArrayList<>());
  private final List<Thread> threads = new ArrayList<>();

  /**
   * @param pause between one client's transactions: the workload should not be what overloads
   *     two shared cores
   */
  WriteWorkload(int port, String password, int clients, Duration pause) {
    this(port, password, clients, pause, 1);
  }

  /** @param firstId where this workload's ids start: two workloads in one scenario must not share ids */
  WriteWorkload(int port, String password, int clients, Duration pause, long firstId) {
    this("127.0.0.1", port, password, clients, pause, firstId);
  }

  /** @param host the proxy's (or a server's) address: a host of the network-namespace test bed, say */
  WriteWorkload(String host, int port, String password, int clients, Duration pause, long firstId) {
    this.url = "jdbc:postgresql://" + host + ":" + port + "/postgres";
    this.props = new Properties();
    props.setProperty("user", "postgres");
    props.setProperty("password", password);
    props.setProperty("connectTimeout", "3");
    props.setProperty("loginTimeout", "5");
    // a commit hung on a dead or frozen primary ends as an unknown outcome, not a hung test
    props.setProperty("socketTimeout", "10");
    props.setProperty("sslmode", "disable");
    props.setProperty("ApplicationName", "chaos-writer");
    this.clients = clients;
    this.pause = pause;
    this.nextId = new AtomicLong(firstId);
  }

  /** Creates the table through the proxy (retrying until it routes), then starts the clients. */
  void start(Duration createWithin) throws InterruptedException {
    long deadline = System.nanoTime() + createWithin.toNanos();
    while (true) {
      try (Connection c = DriverManager.getConnection(url, props); Statement st = c.createStatement()) {
        st.execute("CREATE TABLE IF NOT EXISTS " + TABLE
            + " (id bigint PRIMARY KEY, client int NOT NULL, pad text NOT NULL)");
        break;
      } catch (SQLException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("cannot create " + TABLE + " through the proxy: " + e.getMessage(), e);
        }
        Thread.sleep(200);
      }
    }
    for (int i = 0; i < clients; i++) {
      int client = i;
      Thread t = new Thread(() -> run(client), "chaos-writer-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  private void run(int client) {
    while (!stop.get()) {
      try (Connection c = DriverManager.getConnection(url, props)) {
        c.setAutoCommit(false);
        writeUntilBroken(client, c);
      } catch (SQLException e) {
        pause(RECONNECT_PAUSE); // refused, reset or timed out before any id was tried
      }
    }
  }

  private void writeUntilBroken(int client, Connection c) {
    try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + TABLE + " VALUES (?, ?, repeat('x', 100))");
         PreparedStatement who = c.prepareStatement("SELECT inet_server_port(),"
             + " (SELECT system_identifier FROM pg_control_system()),"
             // the timeline this server writes on now (a promoted server's checkpoint may still name the old one)
             + " ('x' || substr(pg_walfile_name(pg_current_wal_insert_lsn()), 1, 8))::bit(32)::int,"
             + " pg_current_wal_insert_lsn() - '0/0'::pg_lsn")) {
      while (!stop.get()) {
        long id = nextId.getAndIncrement();
        long start = System.nanoTime();
        Server server;
        try {
          insert.setLong(1, id);
          insert.setInt(2, client);
          insert.executeUpdate();
          try (ResultSet rs = who.executeQuery()) {
            rs.next();
            server = new Server(rs.getInt(1), rs.getLong(2), rs.getInt(3), rs.getLong(4));
          }
        } catch (SQLException e) {
          // COMMIT was never sent: this transaction cannot have committed
          records.add(WriteRecord.failed(id, client, start, System.nanoTime()));
          rollbackQuietly(c);
          if (!c.isValid(1)) {
            return;
          }
          pause(RECONNECT_PAUSE); // e.g. a read-only server: do not spin
          continue;
        }
        try {
          c.commit();
          records.add(WriteRecord.ack(id, client, start, System.nanoTime(), server));
        } catch (SQLException e) {
          records.add(WriteRecord.unknown(id, client, start, System.nanoTime()));
          return; // the connection's state is unknown: start afresh
        }
        pause(pause);
      }
    } catch (SQLException e) {
      // preparing failed: the connection is gone
    }
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the connection is broken; the server aborts the transaction
    }
  }

  private void pause(Duration d) {
    if (d.isZero() || stop.get()) {
      return;
    }
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop.set(true);
    }
  }

  /** The records from index {@code from} on, in the order they were made (a writer process streams them). */
  List<WriteRecord> recordsFrom(int from) {
    synchronized (records) {
      return from >= records.size() ? List.of() : List.copyOf(records.subList(from, records.size()));
    }
  }

  /** Acknowledged writes so far. */
  long acked() {
    synchronized (records) {
      return records.stream().filter(r -> r.outcome() == WriteRecord.Outcome.ACK).count();
    }
  }

  /** Acknowledged writes that started after {@code nanos} (a {@link System#nanoTime()} instant). */
  long ackedSince(long nanos) {
    synchronized (records) {
      return records.stream().filter(r -> r.outcome() == WriteRecord.Outcome.ACK && r.startNanos() > nanos).count();
    }
  }

  /** Stops the clients and waits for them; returns every record. */
  List<WriteRecord> stop() throws InterruptedException {
    stop.set(true);
    for (Thread t : threads) {
      t.join(15_000);
    }
    synchronized (records) {
      return List.copyOf(records);
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
