package io.rhizome.proxy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forwarding engine: a few event loops, each with its own selector, all accepting on the
 * listening ports and each forwarding the connections it accepted. Where connections go is the
 * {@link Route} last given to {@link #apply(Route)}; the decisions themselves are {@link Routing}'s.
 */
public final class ProxyEngine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyEngine.class);
  private static final int BACKLOG = 1024;

  final EngineConfig config;
  private final List<Listener> listeners = new ArrayList<>();
  private final List<EventLoop> loops = new ArrayList<>();
  private final Map<Backend, AtomicInteger> connections = new ConcurrentHashMap<>();
  volatile Snapshot snapshot;
  final AtomicLong accepted = new AtomicLong();
  final AtomicLong refused = new AtomicLong();
  final AtomicLong held = new AtomicLong();
  final AtomicLong fenced = new AtomicLong();
  /** Closed between two transactions during a planned switchover, before the drain deadline. */
  final AtomicLong drained = new AtomicLong();
  private volatile boolean closed;
  /** Completed (exceptionally) when an event loop died of an unexpected error. */
  private final CompletableFuture<Void> failure = new CompletableFuture<>();

  /** A route with its backends' addresses resolved off the event loops. */
  record Snapshot(Route route, Map<Backend, InetSocketAddress> addresses) {
    static Snapshot of(Route route) {
      Map<Backend, InetSocketAddress> a = new java.util.HashMap<>();
      route.master().ifPresent(b -> a.put(b, new InetSocketAddress(b.host(), b.port())));
      route.standbys().forEach(b -> a.put(b, new InetSocketAddress(b.host(), b.port())));
      return new Snapshot(route, Map.copyOf(a));
    }
  }

  record Listener(Port port, ServerSocketChannel channel) {}

  private ProxyEngine(EngineConfig config) {
    this.config = config;
    this.snapshot = Snapshot.of(Route.refuseAll("starting: the cluster data has not been read yet"));
  }

  /**
   * Binds the ports and starts the event loops; new connections are refused until a route
   * says otherwise.
   *
   * @throws PortInUseException when a port is taken
   */
  public static ProxyEngine start(EngineConfig config) throws IOException {
    ProxyEngine engine = new ProxyEngine(config);
    try {
      engine.listeners.add(new Listener(Port.MASTER, bind(config.listen(), "--port")));
      if (config.readOnlyListen().isPresent()) {
        engine.listeners.add(new Listener(Port.READ_ONLY,
            bind(config.readOnlyListen().get(), "--read-only-port")));
      }
      for (int i = 0; i < config.threads(); i++) {
        engine.loops.add(new EventLoop(engine, i));
      }
      for (EventLoop loop : engine.loops) {
        loop.start();
      }
    } catch (IOException | RuntimeException e) {
      engine.close();
      throw e;
    }
    return engine;
  }

  private static ServerSocketChannel bind(InetSocketAddress address, String flag) throws IOException {
    ServerSocketChannel ch = ServerSocketChannel.open();
    try {
      ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      ch.bind(address, BACKLOG);
      ch.configureBlocking(false);
      return ch;
    } catch (java.net.BindException e) {
      ch.close();
      throw new PortInUseException(address.getHostString() + ":" + address.getPort()
          + " (" + flag + ") cannot be bound: " + e.getMessage()
          + "; is another proxy or PostgreSQL using it? choose another " + flag, e);
    } catch (IOException e) {
      ch.close();
      throw e;
    }
  }

  /** A listening port is taken, or the address is not local. */
  public static final class PortInUseException extends IOException {
    PortInUseException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  List<Listener> listeners() {
    return listeners;
  }

  /** The bound address of a port (tests bind port 0). */
  public InetSocketAddress address(Port port) {
    for (Listener l : listeners) {
      if (l.port() == port) {
        try {
          return (InetSocketAddress) l.channel().getLocalAddress();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    throw new IllegalArgumentException("no " + port + " listener");
  }

  /**
   * Routes new connections by {@code route} and ends every open connection the route no longer
   * allows. The future completes once each of those is closed (reset now, or drained during a
   * planned switchover) and its socket released: only then may the route's generation be
   * acknowledged.
   */
  public CompletableFuture<Void> apply(Route route) {
    Snapshot s = Snapshot.of(route);
    snapshot = s;
    List<CompletableFuture<Void>> parts = new ArrayList<>();
    for (EventLoop loop : loops) {
      CompletableFuture<Void> done = new CompletableFuture<>();
      loop.submit(() -> loop.reroute(s, done));
      parts.add(done);
    }
    // a dead loop never runs its part: fail instead of leaving the caller waiting for ever
    return CompletableFuture.anyOf(CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)), failure)
        .thenApply(x -> null);
  }

  /**
   * Completes exceptionally, with the cause, when an event loop died of an unexpected error: its
   * connections are closed and it accepts and reroutes nothing more, so the proxy must be
   * restarted. Never completes normally.
   */
  public CompletableFuture<Void> failure() {
    return failure;
  }

  /** Called by a loop whose thread ends on an error rather than a {@link #close()}. */
  void loopFailed(String loop, Throwable cause) {
    if (!closed) {
      failure.completeExceptionally(new IllegalStateException("event loop " + loop + " failed: " + cause, cause));
    }
  }

  /** The loops, for tests that need to reach one. */
  List<EventLoop> loops() {
    return loops;
  }

  public Route route() {
    return snapshot.route();
  }

  /** Open (or connecting) connections to {@code backend}, across all loops. */
  public int connections(Backend backend) {
    AtomicInteger n = connections.get(backend);
    return n == null ? 0 : n.get();
  }

  void connected(Backend b) {
    connections.computeIfAbsent(b, k -> new AtomicInteger()).incrementAndGet();
  }

  void disconnected(Backend b) {
    AtomicInteger n = connections.get(b);
    if (n != null) {
      n.decrementAndGet();
    }
  }

  /** Client connections currently open, held or connecting. */
  public int clients() {
    return loops.stream().mapToInt(EventLoop::pipeCount).sum();
  }

  /** Bytes forwarded from clients to backends, across all loops. */
  public long bytesToServers() {
    return loops.stream().mapToLong(EventLoop::bytesToServer).sum();
  }

  /** Bytes forwarded from backends to clients, across all loops. */
  public long bytesToClients() {
    return loops.stream().mapToLong(EventLoop::bytesToClient).sum();
  }

  /**
   * Counters for logs and tests: accepted, refused, held, fenced (reset by a route change),
   * drained (ended between transactions by a planned switchover).
   */
  public Map<String, Long> counters() {
    return Map.of("accepted", accepted.get(), "refused", refused.get(), "held", held.get(),
        "fenced", fenced.get(), "drained", drained.get());
  }

  /**
   * Stops accepting (the ports are released), then closes every connection and stops the loops.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<CompletableFuture<Void>> stopped = new ArrayList<>();
    for (EventLoop loop : loops) {
      stopped.add(loop.shutdown());
    }
    for (CompletableFuture<Void> f : stopped) {
      try {
        f.get(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("event loop did not stop in time: {}", e.toString());
      }
    }
    for (Listener l : listeners) {
      try {
        l.channel().close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    for (EventLoop loop : loops) {
      loop.join();
    }
  }
}
