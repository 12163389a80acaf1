package io.rhizome.proxy;

import static io.rhizome.proxy.Clusters.cluster;
import static io.rhizome.proxy.Clusters.db;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.ClusterSpec;
import io.rhizome.proto.cluster.DbRole;
import io.rhizome.proto.store.WatchReply;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A proxy following cluster data in a real (one-peer, in-process) store. */
class ProxyStoreTest {
  static final Duration WAIT = Duration.ofSeconds(30);
  @TempDir Path tmp;
  TestStore store;
  EchoServer a;
  EchoServer b;
  Proxy proxy;
  final List<Client> clients = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    store = new TestStore(tmp.resolve("store"));
    a = new EchoServer("a");
    b = new EchoServer("b");
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Client c : clients) {
      c.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    store.close();
    a.close();
    b.close();
  }

  ClusterData masterAt(long gen, String uid, EchoServer server, Duration proxyTimeout) {
    ClusterData.Builder d = cluster(gen, uid, false)
        .putDbs("a", db("a", uid.equals("a") ? DbRole.MASTER : DbRole.STANDBY, "127.0.0.1", a.port(), 0))
        .putDbs("b", db("b", uid.equals("b") ? DbRole.MASTER : DbRole.STANDBY, "127.0.0.1", b.port(), 0));
    d.getClusterBuilder().setSpec(ClusterSpec.newBuilder()
        .setProxyTimeout(com.google.protobuf.Duration.newBuilder()
            .setSeconds(proxyTimeout.toSeconds())));
    return d.build();
  }

  ClusterData masterAt(long gen, String uid) {
    return masterAt(gen, uid, null, Duration.ofSeconds(2));
  }

  Client client() throws IOException {
    Client c = Client.connect(proxy.engine().address(Port.MASTER));
    clients.add(c);
    return c;
  }

  Proxy startProxy() throws IOException {
    proxy = Proxy.start(store.proxySettings("p1", false));
    return proxy;
  }

  @Test
  void aNewProxyServesOnceItHasReadTheMasterAndPublishedItsInfo() throws Exception {
    store.write(masterAt(4, "a"));
    startProxy();
    await().atMost(WAIT).until(() -> store.proxyGeneration("p1") == 4);
    assertEquals("a", client().greeting());
    assertEquals("c0ffee01", store.proxyInfo("p1").orElseThrow().getClusterUid());
  }

  @Test
  void withoutClusterDataConnectionsAreRefusedAndTheProxyStillPublishes() throws Exception {
    startProxy();
    await().atMost(WAIT).until(() -> store.proxyInfo("p1").isPresent());
    assertThrows(IOException.class, () -> client().greeting());
    store.write(masterAt(1, "a"));
    await().atMost(WAIT).until(() -> store.proxyGeneration("p1") == 1);
    assertEquals("a", client().greeting());
  }

  @Test
  void aMasterChangeClosesConnectionsWithin100msOfTheCommitAndNewOnesReachTheNewMaster()
      throws Exception {
    store.write(masterAt(1, "a"));
    startProxy();
    await().atMost(WAIT).until(() -> store.proxyGeneration("p1") == 1);
    List<Long> delays = new ArrayList<>();
    String[] masters = {"b", "a", "b", "a", "b"};
    for (int round = 0; round < masters.length; round++) {
      String from = round % 2 == 0 ? "a" : "b";
      List<Client> open = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        Client c = client();
        assertEquals(from, c.greeting());
        open.add(c);
      }
      List<CompletableFuture<Long>> closedAt = new ArrayList<>();
      for (Client c : open) {
        closedAt.add(CompletableFuture.supplyAsync(() -> {
          try {
            c.socket.setSoTimeout(20_000);
            c.socket.getInputStream().read();
          } catch (IOException e) {
            // reset: closed
          }
          return System.nanoTime();
        }));
      }
      store.write(masterAt(round + 2, masters[round]));
      long committed = System.nanoTime();
      long last = 0;
      for (CompletableFuture<Long> f : closedAt) {
        last = Math.max(last, f.get(20, TimeUnit.SECONDS));
      }
      delays.add(TimeUnit.NANOSECONDS.toMillis(last - committed));
      assertEquals(masters[round], client().greeting());
    }
    System.out.println("ms from the commit of a master change to the last client closed: " + delays);
    Collections.sort(delays);
    // the median, so one pause of this shared 2-core machine does not decide the test
    assertTrue(delays.get(delays.size() / 2) < 100, "ms from commit to the last close: " + delays);
  }

  @Test
  void theGenerationIsAcknowledgedOnlyAfterEveryOldConnectionIsClosed() throws Exception {
    store.write(masterAt(1, "a"));
    startProxy();
    await().atMost(WAIT).until(() -> store.proxyGeneration("p1") == 1);
    List<Client> old = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      Client c = client();
      assertEquals("a", c.greeting());
      old.add(c);
    }
    long rev = store.client.getWithRevision(TestStore.KEYS.proxy("p1")).getRevision();
    // a fence, as the controller writes it before a failover
    store.write(masterAt(2, "").toBuilder().build());
    // follow the info key: the moment it says 2, every old connection must already be gone
    long deadline = System.nanoTime() + WAIT.toNanos();
    boolean acked = false;
    while (!acked && System.nanoTime() < deadline) {
      WatchReply w = store.client.watch(TestStore.KEYS.proxy("p1"), rev, Duration.ofSeconds(5));
      rev = w.getRevision();
      acked = w.getEventsList().stream().anyMatch(e -> e.getType() == io.rhizome.proto.store.Event.Type.PUT
          && parse(e.getKv().getValue().toByteArray()).getGeneration() == 2);
    }
    assertTrue(acked, "generation 2 never acknowledged");
    for (Client c : old) {
      assertTrue(c.isClosedByPeer(Duration.ofMillis(20)), "acknowledged while a connection was open");
    }
    assertThrows(IOException.class, () -> client().greeting());
  }

  private static io.rhizome.proto.cluster.ProxyInfo parse(byte[] v) {
    try {
      return io.rhizome.proto.cluster.ProxyInfo.parseFrom(v);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aStoreBlipShorterThanProxyTimeoutDropsNothing() throws Exception {
    // proxyTimeout 5s: a restart of the in-process store takes about a second, more on a busy machine
    store.write(masterAt(1, "a", null, Duration.ofSeconds(5)));
    startProxy();
    await().atMost(WAIT).until(() -> store.proxyGeneration("p1") == 1);
    List<Client> open = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Client c = client();
      assertEquals("a", c.greeting());
      open.add(c);
    }
    long t0 = System.nanoTime();
    store.stop();
    await().pollDelay(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(2)).until(() -> true);
    store.start();
    long blipMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    await().atMost(WAIT).until(() -> store.proxyInfo("p1").isPresent());
    for (Client c : open) {
      assertEquals("still here", c.echo("still here"), "dropped during a " + blipMs + "ms blip");
    }
    assertEquals(0, proxy.engine().counters().get("fenced"), "blip of " + blipMs + "ms");
    assertEquals("a", client().greeting());
  }

  /**
   * The proxy fences itself proxyTimeout minus 200 ms after the start of its last successful write
   * (its key may expire then). A blip that begins just before a write was due, when that write is
   * oldest, is the worst case: with the default proxyTimeout of 2 s and a write every 250 ms, a
   * blip of 1 s leaves about 550 ms for the first write after it, of which reconnecting through
   * the healed link takes about 300 ms here. Writing every 500 ms, the proxy dropped every
   * connection after such blips although the store had answered again.
   */
  @Test
  void aStoreBlipAtTheWorstMomentShorterThanProxyTimeoutDropsNothing() throws Exception {
    try (io.rhizome.testsupport.FaultRelay relay = io.rhizome.testsupport.FaultRelay.to("store", store.peer.port())) {
      store.write(masterAt(1, "a"));
      proxy = Proxy.start(store.proxySettings("p1", false, Duration.ofMillis(500), relay.port()));
      await().atMost(WAIT).until(() -> store.proxyGeneration("p1") == 1);
      Client c = client();
      assertEquals("a", c.greeting());
      Duration interval = Duration.ofSeconds(2).dividedBy(ProxyController.WRITES_PER_TTL);
      for (int blip = 0; blip < 3; blip++) {
        long revision = store.proxyInfoRevision("p1");
        await().atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() -> store.proxyInfoRevision("p1") != revision);
        long written = System.nanoTime();
        // the fault begins just before the next write is due, and lasts 1 s
        hold(Duration.ofNanos(written + interval.toNanos() - Duration.ofMillis(20).toNanos() - System.nanoTime()));
        relay.blackhole();
        hold(Duration.ofMillis(1000));
        relay.pass();
        long back = store.proxyInfoRevision("p1");
        await().atMost(WAIT).until(() -> store.proxyInfoRevision("p1") != back);
        assertEquals(0, proxy.engine().counters().get("fenced"), "fenced after blip " + (blip + 1));
        assertEquals("still here", c.echo("still here"), "dropped by blip " + (blip + 1));
      }
    }
  }

  /** Holds a fault for a set time: its length is the point of the test, not a wait for something. */
  private static void hold(Duration d) throws InterruptedException {
    if (!d.isNegative()) {
      Thread.sleep(d.toMillis());
    }
  }

  @Test
  void storeLossClosesAndRefusesAfterProxyTimeoutThenRecovers() throws Exception {
    store.write(masterAt(1, "a"));
    startProxy();
    await().atMost(WAIT).until(() -> store.proxyGeneration("p1") == 1);
    Client c = client();
    assertEquals("a", c.greeting());
    long t0 = System.nanoTime();
    // stop() first tries to hand leadership over (up to about a second) and then stops serving
    store.stop();
    await().atMost(Duration.ofSeconds(10)).until(() -> c.isClosedByPeer(Duration.ofMillis(10)));
    long closedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    // proxyTimeout is 2s: not at the first failed request, but about proxyTimeout after the
    // last successful one
    assertTrue(closedAfterMs >= 1000 && closedAfterMs <= 4000,
        "closed " + closedAfterMs + "ms after the store began to stop (proxyTimeout 2s)");
    assertThrows(IOException.class, () -> client().greeting());
    store.start();
    await().atMost(WAIT).ignoreExceptions().until(() -> client().greeting().equals("a"));
  }

  /**
   * Every watch goes unanswered while gets and puts go through, as in a CI set-up where a proxy
   * waited two minutes for a master it never saw: it refused every connection (no master yet), so
   * its watchdog had nothing to close and never made it read afresh. Now it reads afresh after
   * each failed watch. The proxy's requests and its watches use two clients, so two connections:
   * the first one it opens (its first read) passes, every later one (the watches') is blackholed.
   */
  @Test
  void aProxyWhoseWatchesGoUnansweredStillSeesTheFirstMasterAndTheNext() throws Exception {
    java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
    try (io.rhizome.testsupport.FaultRelay relay = io.rhizome.testsupport.FaultRelay.to("store", store.peer.port())) {
      relay.resolveSourcesWith(port -> connections.incrementAndGet() == 1 ? "requests" : "watches");
      relay.blackhole("watches");
      proxy = Proxy.start(store.proxySettings("p1", false, Duration.ofMillis(500), relay.port()));
      await().atMost(WAIT).until(() -> store.proxyInfo("p1").isPresent());
      store.write(masterAt(4, "a"));
      await().atMost(WAIT).until(() -> store.proxyGeneration("p1") == 4);
      assertEquals("a", client().greeting());
      store.write(masterAt(5, "b"));
      await().atMost(WAIT).until(() -> store.proxyGeneration("p1") == 5);
      assertEquals("b", client().greeting());
      assertEquals(Integer.valueOf(1), relay.acceptedBySource().get("requests"), "reads and writes used one connection");
      assertTrue(relay.acceptedBySource().getOrDefault("watches", 0) >= 1, "the watches had a connection of their own");
    }
  }

  @Test
  void closingTheProxyWithdrawsItsInfo() throws Exception {
    store.write(masterAt(1, "a"));
    startProxy();
    await().atMost(WAIT).until(() -> store.proxyGeneration("p1") == 1);
    Client c = client();
    assertEquals("a", c.greeting());
    proxy.close();
    proxy = null;
    assertTrue(c.isClosedByPeer(Duration.ofSeconds(2)));
    assertTrue(store.proxyInfo("p1").isEmpty());
  }
}
