package io.rhizome.bench;

import io.rhizome.proto.store.Event;
import io.rhizome.proto.store.WatchReply;
import io.rhizome.store.PeerAddress;
import io.rhizome.store.StoreClient;
import io.rhizome.store.StoreClientConfig;
import io.rhizome.store.StoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures the store as users run it: 3 sentinel JVMs from the jar on loopback, fsync on.
 * Prints one table; see bench/store-bench.sh and docs/benchmarks.md.
 *
 * <p>Usage: StoreBench JAR WORKDIR [elections=5] [seconds=10]
 */
public final class StoreBench {
  private static final byte[] VALUE = new byte[256]; // about a keeper's info record

  public static void main(String[] args) throws Exception {
    Path jar = Path.of(args[0]);
    Path work = Path.of(args[1]);
    int elections = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 10;
    List<String> jvm = List.of(System.getenv().getOrDefault("RHIZOME_JAVA_OPTS",
        "-Xms16m -Xmx128m -XX:+UseSerialGC -XX:MaxDirectMemorySize=64m -XX:ReservedCodeCacheSize=64m")
        .split("\\s+"));
    Files.createDirectories(work);
    List<String[]> rows = new ArrayList<>();
    try (SentinelProcesses sentinels = new SentinelProcesses(jar, work, 3, jvm)) {
      sentinels.startAll();
      try (StoreClient client = client(sentinels.peers(), Duration.ofSeconds(5))) {
        awaitLeader(client, Duration.ofSeconds(60));
        sequentialPuts(client, 300); // warm-up: JIT, connections
        // first, on fresh processes: the memory a sentinel holds in production (a JVM keeps the
        // pages it touched, so after the saturating phases below RSS only shows the peak)
        long steadyRss = steadyStateRss(sentinels, 20, 5, 20);
        Stats put = sequentialPuts(client, 2000);
        rows.add(row("sequential put latency p50 / p99", ms(put.medianMillis()) + " / "
            + ms(put.percentileMillis(99)), "p50 < 10 ms"));
        double blocking = concurrentBlockingPuts(sentinels.peers(), 16, seconds);
        rows.add(row("throughput, 16 clients, blocking puts", String.format("%.0f puts/s", blocking), ""));
        double async = concurrentAsyncPuts(sentinels.peers(), 16, 8, seconds);
        rows.add(row("throughput, 16 async clients x 8 in flight", String.format("%.0f puts/s", async),
            ">= 1000 puts/s"));
        Stats watch = watchLatency(sentinels.peers(), client, 300);
        rows.add(row("watch notification p50 / p99 (put ack -> watcher)", ms(watch.medianMillis())
            + " / " + ms(watch.percentileMillis(99)), "p99 < 50 ms"));
        long rss = 0;
        for (String id : sentinels.runningIds()) {
          rss = Math.max(rss, sentinels.rssKib(id));
        }
        rows.add(row("sentinel RSS, 20 keepers heartbeating + 5 watchers (max of 3)",
            (steadyRss / 1024) + " MiB", "< 150 MiB"));
        rows.add(row("sentinel RSS peak after saturating writes (max of 3)", (rss / 1024) + " MiB", ""));
        long[][] election = reelections(sentinels, client, elections);
        Stats toLeader = new Stats(election[0]);
        Stats toWrite = new Stats(election[1]);
        rows.add(row("re-election after kill -9 of leader, median / max (" + toLeader.count() + " runs)",
            ms(toLeader.medianMillis()) + " / " + ms(toLeader.maxMillis()), "median < 1 s"));
        rows.add(row("first acknowledged write after kill -9, median / max",
            ms(toWrite.medianMillis()) + " / " + ms(toWrite.maxMillis()), ""));
      }
    }
    print(rows);
  }

  private static StoreClient client(List<PeerAddress> peers, Duration timeout) {
    return StoreClient.connect(StoreClientConfig.of(peers).withRequestTimeout(timeout));
  }

  private static String awaitLeader(StoreClient client, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        String leader = client.status().getLeaderId();
        if (!leader.isEmpty()) {
          client.put("/bench/ready", VALUE);
          return leader;
        }
      } catch (StoreException e) {
        // still electing
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("no leader within " + limit);
  }

  private static Stats sequentialPuts(StoreClient client, int n) {
    long[] lat = new long[n];
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      client.put("/bench/seq/" + (i % 100), VALUE);
      lat[i] = System.nanoTime() - t0;
    }
    return new Stats(lat);
  }

  private static double concurrentBlockingPuts(List<PeerAddress> peers, int clients, int seconds)
      throws Exception {
    AtomicLong done = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> threads = new ArrayList<>();
    List<StoreClient> cs = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      StoreClient sc = client(peers, Duration.ofSeconds(5));
      cs.add(sc);
      int id = c;
      threads.add(new Thread(() -> {
        int i = 0;
        while (!stop.get()) {
          sc.put("/bench/blocking/" + id + "/" + (i++ % 50), VALUE);
          done.incrementAndGet();
        }
      }));
    }
    return runFor(threads, stop, done, seconds, cs);
  }

  private static double concurrentAsyncPuts(List<PeerAddress> peers, int clients, int window,
      int seconds) throws Exception {
    AtomicLong done = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> threads = new ArrayList<>();
    List<StoreClient> cs = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      StoreClient sc = client(peers, Duration.ofSeconds(5));
      cs.add(sc);
      int id = c;
      threads.add(new Thread(() -> {
        Semaphore inFlight = new Semaphore(window);
        int i = 0;
        while (!stop.get()) {
          inFlight.acquireUninterruptibly();
          sc.putAsync("/bench/async/" + id + "/" + (i++ % 50), VALUE).whenComplete((r, e) -> {
            if (e == null) {
              done.incrementAndGet();
            }
            inFlight.release();
          });
        }
        inFlight.acquireUninterruptibly(window); // drain
      }));
    }
    return runFor(threads, stop, done, seconds, cs);
  }

  private static double runFor(List<Thread> threads, AtomicBoolean stop, AtomicLong done,
      int seconds, List<StoreClient> clients) throws InterruptedException {
    threads.forEach(Thread::start);
    Thread.sleep(1000); // ramp up, not counted
    long before = done.get();
    long t0 = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    long count = done.get() - before;
    double elapsed = (System.nanoTime() - t0) / 1e9;
    stop.set(true);
    for (Thread t : threads) {
      t.join();
    }
    clients.forEach(StoreClient::close);
    return count / elapsed;
  }

  /** Time from a put's acknowledgement to a watcher (another client) receiving its event. */
  private static Stats watchLatency(List<PeerAddress> peers, StoreClient writer, int n)
      throws Exception {
    Map<String, Long> acked = new ConcurrentHashMap<>();
    Map<String, Long> seen = new ConcurrentHashMap<>();
    CountDownLatch all = new CountDownLatch(n);
    AtomicBoolean stop = new AtomicBoolean();
    long start = writer.status().getRevision();
    Thread watcher = new Thread(() -> {
      try (StoreClient w = client(peers, Duration.ofSeconds(5))) {
        long rev = start;
        while (!stop.get()) {
          WatchReply r = w.watch("/bench/watch/", rev, Duration.ofSeconds(2));
          long now = System.nanoTime();
          for (Event e : r.getEventsList()) {
            if (seen.putIfAbsent(e.getKv().getKey(), now) == null) {
              all.countDown();
            }
          }
          rev = r.getRevision();
        }
      }
    });
    watcher.start();
    Thread.sleep(300);
    for (int i = 0; i < n; i++) {
      String key = "/bench/watch/" + i;
      writer.put(key, VALUE);
      acked.put(key, System.nanoTime());
      Thread.sleep(10); // one change at a time: latency, not batching
    }
    all.await(30, java.util.concurrent.TimeUnit.SECONDS);
    stop.set(true);
    watcher.join(5000);
    long[] lat = acked.entrySet().stream().filter(e -> seen.containsKey(e.getKey()))
        .mapToLong(e -> Math.max(0, seen.get(e.getKey()) - e.getValue())).toArray();
    return new Stats(lat);
  }

  /**
   * What a sentinel holds in production: {@code keepers} clients each refreshing a TTL key every
   * 500 ms (as keepers publish their info) and {@code watchers} long-polling the prefix (as
   * proxies and the controller do), for {@code seconds}; then the largest sentinel RSS.
   */
  private static long steadyStateRss(SentinelProcesses sentinels, int keepers, int watchers,
      int seconds) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> threads = new ArrayList<>();
    List<StoreClient> cs = new ArrayList<>();
    for (int k = 0; k < keepers; k++) {
      StoreClient c = client(sentinels.peers(), Duration.ofSeconds(5));
      cs.add(c);
      String key = "/rhizome/bench/keepers/k" + k;
      threads.add(new Thread(() -> {
        while (!stop.get()) {
          try {
            c.put(key, VALUE, Duration.ofSeconds(2));
            Thread.sleep(500);
          } catch (StoreException e) {
            // a blip: the next round retries
          } catch (InterruptedException e) {
            return;
          }
        }
      }));
    }
    for (int w = 0; w < watchers; w++) {
      StoreClient c = client(sentinels.peers(), Duration.ofSeconds(5));
      cs.add(c);
      threads.add(new Thread(() -> {
        long rev = 0;
        while (!stop.get()) {
          try {
            rev = c.watch("/rhizome/bench/", rev, Duration.ofSeconds(2)).getRevision();
          } catch (StoreException e) {
            // retry
          }
        }
      }));
    }
    threads.forEach(Thread::start);
    Thread.sleep(seconds * 1000L);
    long rss = 0;
    for (String id : sentinels.runningIds()) {
      rss = Math.max(rss, sentinels.rssKib(id));
    }
    stop.set(true);
    for (Thread t : threads) {
      t.join(15_000);
    }
    cs.forEach(StoreClient::close);
    return rss;
  }

  /**
   * kill -9 the leader; time until a survivor reports a new leader, and until a write is
   * acknowledged. The killed sentinel is restarted and caught up before the next round, so each
   * round starts from a healthy 3-peer group.
   */
  private static long[][] reelections(SentinelProcesses sentinels, StoreClient client, int rounds)
      throws Exception {
    long[] toLeader = new long[rounds];
    long[] toWrite = new long[rounds];
    for (int r = 0; r < rounds; r++) {
      String old = awaitLeader(client, Duration.ofSeconds(30));
      List<PeerAddress> survivors = sentinels.peers().stream().filter(p -> !p.id().equals(old)).toList();
      try (StoreClient probe = client(survivors, Duration.ofMillis(500))) {
        sentinels.kill(old);
        long t0 = System.nanoTime();
        long leaderAt = -1;
        while (leaderAt < 0) {
          for (PeerAddress p : survivors) {
            try {
              String l = probe.status(p.id()).getLeaderId();
              if (!l.isEmpty() && !l.equals(old)) {
                leaderAt = System.nanoTime();
                break;
              }
            } catch (StoreException e) {
              // no leader yet
            }
          }
          Thread.sleep(5);
        }
        toLeader[r] = leaderAt - t0;
        while (true) {
          try {
            probe.put("/bench/after-kill", VALUE);
            break;
          } catch (StoreException e) {
            // not yet
          }
        }
        toWrite[r] = System.nanoTime() - t0;
      }
      sentinels.start(old);
      awaitCaughtUp(client, old);
    }
    return new long[][] {toLeader, toWrite};
  }

  private static void awaitCaughtUp(StoreClient client, String id) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        long leaderRevision = client.status().getRevision();
        if (client.status(id).getRevision() >= leaderRevision) {
          return;
        }
      } catch (StoreException e) {
        // restarting
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("sentinel " + id + " did not catch up");
  }

  private static String[] row(String what, String value, String target) {
    return new String[] {what, value, target};
  }

  private static String ms(double millis) {
    return String.format("%.1f ms", millis);
  }

  private static void print(List<String[]> rows) {
    int w0 = "measure".length();
    int w1 = "result".length();
    for (String[] r : rows) {
      w0 = Math.max(w0, r[0].length());
      w1 = Math.max(w1, r[1].length());
    }
    String fmt = "| %-" + w0 + "s | %-" + w1 + "s | %s |%n";
    System.out.printf(fmt, "measure", "result", "target");
    System.out.printf("|%s|%s|---|%n", "-".repeat(w0 + 2), "-".repeat(w1 + 2));
    for (String[] r : rows) {
      System.out.printf(fmt, r[0], r[1], r[2]);
    }
    System.out.flush();
  }

  private StoreBench() {}
}
