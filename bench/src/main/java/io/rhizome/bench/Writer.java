package io.rhizome.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Writes one row per transaction through the proxy, reconnecting after every failure; records
 * the time of every acknowledged write and the ids acknowledged.
 */
final class Writer implements Runnable {
  private final int port;
  private final String user;
  private final String password;
  private volatile boolean stopping;
  private final Set<Long> acked = ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.ConcurrentSkipListSet<Long> ackTimes = new java.util.concurrent.ConcurrentSkipListSet<>();
  private long next = 1;

  Writer(int port, String user, String password) {
    this.port = port;
    this.user = user;
    this.password = password;
  }

  Connection connect() throws Exception {
    Properties p = new Properties();
    p.setProperty("user", user);
    p.setProperty("password", password);
    p.setProperty("connectTimeout", "2");
    p.setProperty("socketTimeout", "5");
    p.setProperty("tcpKeepAlive", "true");
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
  }

  void createTable() throws Exception {
    FailoverBench.waitFor("a connection through the proxy", 60_000, () -> {
      try (Connection c = connect(); Statement st = c.createStatement()) {
        st.execute("CREATE TABLE IF NOT EXISTS bench_writes (id bigint PRIMARY KEY, at timestamptz DEFAULT now())");
        return true;
      }
    });
  }

  @Override
  public void run() {
    Connection c = null;
    while (!stopping) {
      try {
        if (c == null) {
          c = connect();
        }
        long id = next++;
        try (Statement st = c.createStatement()) {
          st.executeUpdate("INSERT INTO bench_writes (id) VALUES (" + id + ")");
        }
        long now = System.currentTimeMillis();
        acked.add(id);
        ackTimes.add(now);
        ackTimeOf.put(id, now);
        Thread.sleep(5);
      } catch (Exception e) {
        if (c != null) {
          try {
            c.close();
          } catch (Exception ignored) {
            // broken anyway
          }
        }
        c = null;
        try {
          Thread.sleep(10);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  /**
   * The outage a fault caused: the longest gap between consecutive acknowledged writes from the
   * last one before {@code faultAt} on, measured once writes have flowed again for 500 ms after
   * {@code settledAt}, when the change is known to be over (writes may go on for a while after a
   * switchover is asked for: measuring before it is done would miss the outage).
   */
  long awaitWriteAfter(long faultAt, long settledAt) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      Long prev = ackTimes.floor(faultAt);
      long gap = -1;
      long end = 0;
      for (Long t : ackTimes.tailSet(faultAt, false)) {
        long g = t - (prev == null ? faultAt : prev);
        if (g > gap) {
          gap = g;
          end = t;
        }
        prev = t;
      }
      if (gap >= 0 && ackTimes.last() - Math.max(end, settledAt) >= 500) {
        return gap;
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("no write succeeded within 120 s of the fault");
  }

  private final Map<Long, Long> ackTimeOf = new ConcurrentHashMap<>();
  private final Set<Long> reportedLost = ConcurrentHashMap.newKeySet();

  /** Acknowledged ids missing on the master, not counted in an earlier round; printed with their ack times. */
  long lost() throws Exception {
    // only writes acknowledged before the read began can be expected in it
    Set<Long> ackedBefore = Set.copyOf(acked);
    Set<Long> present = new java.util.HashSet<>();
    FailoverBench.waitFor("a connection to read back", 60_000, () -> {
      try (Connection c = connect(); Statement st = c.createStatement();
           ResultSet rs = st.executeQuery("SELECT id FROM bench_writes")) {
        while (rs.next()) {
          present.add(rs.getLong(1));
        }
        return true;
      }
    });
    List<Long> missing = ackedBefore.stream().filter(id -> !present.contains(id) && reportedLost.add(id)).sorted().toList();
    if (!missing.isEmpty()) {
      System.err.println("lost acknowledged writes: " + missing.stream()
          .map(id -> id + "@" + ackTimeOf.get(id)).collect(Collectors.joining(", ")));
    }
    return missing.size();
  }

  void stop() {
    stopping = true;
  }
}
