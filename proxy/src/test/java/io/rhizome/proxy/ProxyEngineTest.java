package io.rhizome.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The forwarding engine against plain TCP echo backends, routes given directly. */
class ProxyEngineTest {
  static final Duration WAIT = Duration.ofSeconds(20);
  EchoServer a;
  EchoServer b;
  EchoServer c;
  ProxyEngine engine;
  final List<AutoCloseable> closeLater = new ArrayList<>();

  @BeforeEach
  void backends() throws IOException {
    a = new EchoServer("a");
    b = new EchoServer("b");
    c = new EchoServer("c");
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable x : closeLater) {
      x.close();
    }
    if (engine != null) {
      engine.close();
    }
    a.close();
    b.close();
    c.close();
  }

  ProxyEngine start(boolean readOnly, boolean strict, Duration hold, Duration drain) throws IOException {
    InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    engine = ProxyEngine.start(new EngineConfig(any, readOnly ? Optional.of(any) : Optional.empty(),
        strict, hold, drain, Duration.ofSeconds(5), EngineConfig.KeepAlive.OS_DEFAULTS, 2));
    return engine;
  }

  ProxyEngine start() throws IOException {
    return start(false, false, Duration.ofSeconds(5), Duration.ofMillis(500));
  }

  static Route forward(Backend master, Backend... standbys) {
    return new Route(Route.Mode.FORWARD, Optional.of(master), List.of(standbys), false, 1, "c",
        Duration.ofSeconds(2), Duration.ofSeconds(1), "to " + master);
  }

  static Route without(Route.Mode mode, boolean planned, Backend... standbys) {
    return new Route(mode, Optional.empty(), List.of(standbys), planned, 2, "c",
        Duration.ofSeconds(2), Duration.ofSeconds(1), mode + " planned=" + planned);
  }

  Client client(Port port) throws IOException {
    Client cl = Client.connect(engine.address(port));
    closeLater.add(cl);
    return cl;
  }

  void apply(Route r) throws Exception {
    engine.apply(r).get(10, TimeUnit.SECONDS);
  }

  @Test
  void forwardsBytesBothWaysToTheMaster() throws Exception {
    start();
    apply(forward(a.backend("a")));
    Client cl = client(Port.MASTER);
    assertEquals("a", cl.greeting());
    assertEquals("hello", cl.echo("hello"));
    byte[] big = new byte[3 * 1024 * 1024];
    Arrays.fill(big, (byte) 'x');
    big[big.length - 1] = '\n';
    // written on another thread: the echo comes back while the rest is still being sent
    var sent = java.util.concurrent.CompletableFuture.runAsync(() -> {
      try {
        cl.socket.getOutputStream().write(big);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    assertEquals(big.length - 1, cl.line().length());
    sent.get(20, TimeUnit.SECONDS);
  }

  @Test
  void aLoopThatDiesFailsTheEngineAndEveryLaterRouteInsteadOfHangingIt() throws Exception {
    start();
    apply(forward(a.backend("a")));
    assertFalse(engine.failure().isDone());
    engine.loops().get(0).submit(() -> {
      throw new IllegalStateException("injected loop failure");
    });
    java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
        () -> engine.failure().get(WAIT.toSeconds(), TimeUnit.SECONDS));
    assertTrue(e.getCause().getMessage().contains("proxy-loop-0")
        && e.getCause().getMessage().contains("injected loop failure"), e.getCause().getMessage());
    // the dead loop never acknowledges a route: applying one fails rather than waiting for ever
    java.util.concurrent.ExecutionException applied = assertThrows(java.util.concurrent.ExecutionException.class,
        () -> engine.apply(forward(b.backend("b"))).get(WAIT.toSeconds(), TimeUnit.SECONDS));
    assertTrue(applied.getCause().getMessage().contains("injected loop failure"), applied.getCause().getMessage());
  }

  @Test
  void beforeAnyRouteConnectionsAreRefused() throws Exception {
    start();
    // a refused connection is reset at once: during connect or at the first read
    assertThrows(IOException.class, () -> client(Port.MASTER).greeting());
    assertEquals(1, engine.counters().get("refused"));
  }

  @Test
  void aMasterChangeResetsOpenConnectionsBeforeTheApplyCompletesAndNewOnesReachTheNewMaster()
      throws Exception {
    start();
    apply(forward(a.backend("a")));
    List<Client> old = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Client cl = client(Port.MASTER);
      assertEquals("a", cl.greeting());
      old.add(cl);
    }
    apply(forward(b.backend("b")));
    // the reset has already reached each client when apply's future completes
    for (Client cl : old) {
      assertTrue(cl.isClosedByPeer(Duration.ofMillis(50)), "an old connection is still open");
    }
    await().atMost(WAIT).until(() -> a.openConnections() == 0);
    assertEquals("b", client(Port.MASTER).greeting());
    assertEquals(0, engine.connections(a.backend("a")));
  }

  @Test
  void theSameMasterLeavesConnectionsAlone() throws Exception {
    start();
    apply(forward(a.backend("a")));
    Client cl = client(Port.MASTER);
    assertEquals("a", cl.greeting());
    // a new generation, same destination (e.g. a standby was added)
    apply(forward(a.backend("a"), c.backend("c")));
    assertEquals("still here", cl.echo("still here"));
  }

  @Test
  void fencingResetsAndRefuses() throws Exception {
    start();
    apply(forward(a.backend("a")));
    Client cl = client(Port.MASTER);
    assertEquals("a", cl.greeting());
    apply(without(Route.Mode.REFUSE, false));
    assertTrue(cl.isClosedByPeer(Duration.ofMillis(50)));
    assertThrows(IOException.class, () -> client(Port.MASTER).greeting());
  }

  @Test
  void aPlannedSwitchoverHoldsNewConnectionsAndConnectsThemToTheNewMaster() throws Exception {
    start();
    apply(forward(a.backend("a")));
    apply(without(Route.Mode.HOLD, true));
    List<Client> held = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      held.add(client(Port.MASTER));
    }
    await().atMost(WAIT).until(() -> engine.counters().get("held") == 5);
    assertEquals(0, b.openConnections());
    apply(forward(b.backend("b")));
    for (Client cl : held) {
      assertEquals("b", cl.greeting());
      assertEquals("ok", cl.echo("ok"));
    }
  }

  @Test
  void aPlannedFenceLetsOpenConnectionsFinishThenClosesTheRest() throws Exception {
    start(false, false, Duration.ofSeconds(5), Duration.ofMillis(300));
    apply(forward(a.backend("a")));
    Client finishing = client(Port.MASTER);
    Client lingering = client(Port.MASTER);
    assertEquals("a", finishing.greeting());
    assertEquals("a", lingering.greeting());
    var ack = engine.apply(without(Route.Mode.HOLD, true));
    // a draining connection still works, and the fence is not acknowledged while it is open
    assertEquals("last query", finishing.echo("last query"));
    finishing.close();
    assertTrue(!ack.isDone() || lingering.isClosedByPeer(Duration.ofMillis(1)));
    ack.get(10, TimeUnit.SECONDS);
    assertTrue(lingering.isClosedByPeer(Duration.ofMillis(50)), "drain timeout did not close it");
  }

  /** What a backend's answer ends with: ReadyForQuery with the given transaction status. */
  static byte[] answerThenReady(char status) {
    return new byte[] {'o', 'k', 'Z', 0, 0, 0, 5, (byte) status};
  }

  /** A client through the proxy to the echo backend that has authenticated (the first idle ReadyForQuery). */
  Client startedSession() throws IOException {
    Client cl = client(Port.MASTER);
    assertEquals("a", cl.greeting());
    byte[] startup = answerThenReady('I');
    assertArrayEquals(startup, cl.exchange(startup));
    return cl;
  }

  @Test
  void aPlannedFenceEndsAConnectionBetweenTransactionsWithoutWaitingForTheDrainTimeout() throws Exception {
    start(false, false, Duration.ofSeconds(5), Duration.ofSeconds(60));
    apply(forward(a.backend("a")));
    Client idle = startedSession();
    Client inTransaction = startedSession();
    byte[] idleAnswer = answerThenReady('I');
    assertArrayEquals(idleAnswer, idle.exchange(idleAnswer));
    byte[] openAnswer = answerThenReady('T');
    assertArrayEquals(openAnswer, inTransaction.exchange(openAnswer));

    var ack = engine.apply(without(Route.Mode.HOLD, true));
    // ended at once, with a FIN after everything it was sent
    assertTrue(idle.isClosedByPeer(Duration.ofSeconds(5)), "a connection between transactions was not ended");
    // the open transaction may finish, and is ended as soon as its answer says it has
    assertFalse(ack.isDone(), "acknowledged while a transaction was still open");
    assertArrayEquals(idleAnswer, inTransaction.exchange(idleAnswer));
    ack.get(5, TimeUnit.SECONDS);
    assertTrue(inTransaction.isClosedByPeer(Duration.ofSeconds(1)));
    assertEquals(2, engine.counters().get("drained"));
    assertEquals(0, engine.counters().get("fenced"));
  }

  /**
   * The ReadyForQuery that ends authentication is not a transaction boundary: the client is about
   * to send its first query (pgbench -C found it: a connection closed there failed its query).
   */
  @Test
  void aPlannedFenceLetsAJustAuthenticatedConnectionRunItsFirstQuery() throws Exception {
    start(false, false, Duration.ofSeconds(5), Duration.ofSeconds(60));
    apply(forward(a.backend("a")));
    Client fresh = startedSession();
    var ack = engine.apply(without(Route.Mode.HOLD, true));
    assertFalse(fresh.isClosedByPeer(Duration.ofMillis(300)), "ended before its first query");
    assertFalse(ack.isDone(), "acknowledged while a connection was about to query");
    byte[] answer = answerThenReady('I');
    assertArrayEquals(answer, fresh.exchange(answer));
    ack.get(5, TimeUnit.SECONDS);
    assertTrue(fresh.isClosedByPeer(Duration.ofSeconds(1)));
    assertEquals(1, engine.counters().get("drained"));
  }

  @Test
  void anUnplannedFenceResetsAConnectionEvenBetweenTransactions() throws Exception {
    start(false, false, Duration.ofSeconds(5), Duration.ofSeconds(60));
    apply(forward(a.backend("a")));
    Client idle = startedSession();
    byte[] idleAnswer = answerThenReady('I');
    assertArrayEquals(idleAnswer, idle.exchange(idleAnswer));
    engine.apply(without(Route.Mode.REFUSE, false)).get(5, TimeUnit.SECONDS);
    assertTrue(idle.isClosedByPeer(Duration.ofSeconds(1)));
    assertEquals(1, engine.counters().get("fenced"));
    assertEquals(0, engine.counters().get("drained"));
  }

  @Test
  void aHeldConnectionIsClosedAfterTheHoldTimeout() throws Exception {
    start(false, false, Duration.ofMillis(300), Duration.ofMillis(300));
    apply(without(Route.Mode.HOLD, true));
    Client cl = client(Port.MASTER);
    long t0 = System.nanoTime();
    assertThrows(IOException.class, cl::greeting);
    assertTrue(System.nanoTime() - t0 >= Duration.ofMillis(250).toNanos(), "closed before the hold timeout");
  }

  @Test
  void heldConnectionsAreClosedWhenThePlannedSwitchoverTurnsIntoAFence() throws Exception {
    start();
    apply(without(Route.Mode.HOLD, true));
    Client cl = client(Port.MASTER);
    await().atMost(WAIT).until(() -> engine.counters().get("held") == 1);
    apply(without(Route.Mode.REFUSE, false));
    assertTrue(cl.isClosedByPeer(Duration.ofSeconds(2)));
  }

  @Test
  void anUnreachableMasterClosesTheClient() throws Exception {
    start();
    Backend nobody;
    try (EchoServer gone = new EchoServer("gone")) {
      nobody = gone.backend("gone");
    }
    apply(forward(nobody));
    assertThrows(IOException.class, () -> client(Port.MASTER).greeting());
  }

  @Test
  void halfCloseIsPassedOn() throws Exception {
    start();
    apply(forward(a.backend("a")));
    Client cl = client(Port.MASTER);
    assertEquals("a", cl.greeting());
    cl.socket.getOutputStream().write("bye\n".getBytes());
    cl.socket.shutdownOutput();
    // the echo still comes back, then the backend's end of stream
    assertEquals("bye", cl.line());
    assertEquals(-1, cl.socket.getInputStream().read());
    await().atMost(WAIT).until(() -> engine.clients() == 0);
  }

  @Test
  void readOnlyPortSpreadsOverStandbysByLeastConnections() throws Exception {
    start(true, false, Duration.ofSeconds(5), Duration.ofMillis(500));
    apply(forward(a.backend("a"), b.backend("b"), c.backend("c")));
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      seen.add(client(Port.READ_ONLY).greeting());
    }
    assertEquals(3, seen.stream().filter("b"::equals).count(), seen.toString());
    assertEquals(3, seen.stream().filter("c"::equals).count(), seen.toString());
    assertEquals("a", client(Port.MASTER).greeting());
  }

  @Test
  void readOnlyPortFallsBackToTheMasterUnlessStrict() throws Exception {
    start(true, false, Duration.ofSeconds(5), Duration.ofMillis(500));
    apply(forward(a.backend("a"), b.backend("b")));
    Client onStandby = client(Port.READ_ONLY);
    assertEquals("b", onStandby.greeting());
    // the standby falls behind: its readers are closed, new ones go to the master
    apply(forward(a.backend("a")));
    assertTrue(onStandby.isClosedByPeer(Duration.ofMillis(50)));
    assertEquals("a", client(Port.READ_ONLY).greeting());
  }

  @Test
  void strictReadOnlyPortRefusesWithoutAStandby() throws Exception {
    start(true, true, Duration.ofSeconds(5), Duration.ofMillis(500));
    apply(forward(a.backend("a")));
    assertThrows(IOException.class, () -> client(Port.READ_ONLY).greeting());
  }

  @Test
  void aSlowClientDoesNotStallOthers() throws Exception {
    start();
    apply(forward(a.backend("a")));
    // a client that sends a lot and never reads its echo: the backend's replies pile up
    Socket slow = new Socket();
    closeLater.add(slow);
    slow.connect(engine.address(Port.MASTER));
    OutputStream out = slow.getOutputStream();
    ExecutorService writer = Executors.newSingleThreadExecutor();
    Future<?> flood = writer.submit(() -> {
      byte[] chunk = new byte[64 * 1024];
      try {
        for (int i = 0; i < 1000; i++) {
          out.write(chunk);
        }
      } catch (IOException e) {
        // closed at the end of the test
      }
    });
    try {
      // meanwhile every other client is served promptly
      for (int i = 0; i < 20; i++) {
        Client cl = client(Port.MASTER);
        assertEquals("a", cl.greeting());
        assertEquals("ping " + i, cl.echo("ping " + i));
      }
      assertTrue(!flood.isDone(), "the slow client was not slowed down: backpressure did not engage");
    } finally {
      slow.close();
      writer.shutdownNow();
    }
  }

  @Test
  void thousandIdleConnectionsAndActiveOnes() throws Exception {
    start();
    apply(forward(a.backend("a")));
    List<Socket> idle = new ArrayList<>();
    try {
      for (int i = 0; i < 1000; i++) {
        Socket s = new Socket();
        s.connect(engine.address(Port.MASTER), 5000);
        idle.add(s);
      }
      await().atMost(WAIT).until(() -> a.openConnections() >= 1000);
      assertEquals(1000, engine.connections(a.backend("a")));
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<Integer>> active = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        active.add(pool.submit(() -> {
          try (Client cl = Client.connect(engine.address(Port.MASTER))) {
            cl.greeting();
            int ok = 0;
            for (int i = 0; i < 200; i++) {
              if (cl.echo("q" + i).equals("q" + i)) {
                ok++;
              }
            }
            return ok;
          }
        }));
      }
      for (Future<Integer> f : active) {
        assertEquals(200, f.get(60, TimeUnit.SECONDS));
      }
      pool.shutdown();
      // the idle ones are all still there and work
      Socket first = idle.get(0);
      first.setSoTimeout(10_000);
      InputStream in = first.getInputStream();
      byte[] greeting = in.readNBytes(2);
      assertEquals("a\n", new String(greeting));
    } finally {
      for (Socket s : idle) {
        s.close();
      }
    }
    await().atMost(WAIT).until(() -> engine.clients() == 0);
  }

  @Test
  void closeStopsAcceptingAndClosesConnections() throws Exception {
    start();
    apply(forward(a.backend("a")));
    Client cl = client(Port.MASTER);
    assertEquals("a", cl.greeting());
    InetSocketAddress address = engine.address(Port.MASTER);
    engine.close();
    assertTrue(cl.isClosedByPeer(Duration.ofSeconds(2)));
    assertThrows(IOException.class, () -> new Socket(address.getAddress(), address.getPort()).close());
  }

  @Test
  void aPortInUseIsAClearError() throws Exception {
    start();
    InetSocketAddress taken = engine.address(Port.MASTER);
    ProxyEngine.PortInUseException e = assertThrows(ProxyEngine.PortInUseException.class,
        () -> ProxyEngine.start(new EngineConfig(taken, Optional.empty(), false, Duration.ofSeconds(1),
            Duration.ofSeconds(1), Duration.ofSeconds(1), EngineConfig.KeepAlive.OS_DEFAULTS, 1)));
    assertTrue(e.getMessage().contains(taken.getPort() + " (--port) cannot be bound"), e.getMessage());
  }
}
