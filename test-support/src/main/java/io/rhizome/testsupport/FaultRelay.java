package io.rhizome.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A TCP relay on loopback in front of one server, owned by a test: everything sent to
 * {@link #port()} is forwarded to the target and back, unless the test says otherwise. Faults,
 * with no root and no network namespace:
 *
 * <ul>
 *   <li>{@link #pass()}: forward everything (heals every fault below but latency);
 *   <li>{@link #refuse()}: new connections are refused (the listening socket is closed), open
 *       ones are left alone;
 *   <li>{@link #dropConnections()}: every open connection is reset (RST on both sides);
 *   <li>{@link #blackhole()}: new connections are accepted and held, and nothing is forwarded in
 *       either direction, as if packets vanished; what was sent is delivered once the link passes
 *       again (TCP would have retransmitted it);
 *   <li>{@link #latency(Duration)}: each chunk is delivered that much later, in both directions.
 * </ul>
 *
 * <p>When many clients share the relay (a sentinel's peers and clients, a primary's standbys and
 * proxies), a <em>source resolver</em> names the client of each connection (from its port), and
 * the faults can target one source: {@link #blackhole(String)}, {@link #cut(String)},
 * {@link #pass(String)}. A source cannot be refused at the listening socket: its new
 * connections are reset as soon as they are accepted instead.
 */
public final class FaultRelay implements AutoCloseable {
  public enum Mode { PASS, REFUSE, BLACKHOLE }

  private static final int CHUNK = 16 * 1024;

  private final String name;
  private final InetSocketAddress target;
  private final int port;
  private final Set<Pair> pairs = ConcurrentHashMap.newKeySet();
  private final Map<String, Mode> sourceModes = new ConcurrentHashMap<>();
  /** How many connections each source opened, for whoever reads a failure. */
  private final Map<String, AtomicInteger> accepted = new ConcurrentHashMap<>();
  private final Object gate = new Object();
  private volatile IntFunction<String> sources = clientPort -> "";
  private Mode mode = Mode.PASS;
  private volatile long latencyNanos;
  private ServerSocket listener;
  private boolean closed;

  private FaultRelay(String name, InetSocketAddress target, ServerSocket listener) {
    this.name = name;
    this.target = target;
    this.listener = listener;
    this.port = listener.getLocalPort();
  }

  /**
   * A relay on a free loopback port to {@code target}, passing everything. The port is one of
   * {@link LoopbackPorts}', not a port-0 bind: a relay told to refuse closes its listener and
   * binds the same port again later, and in the kernel's ephemeral range someone else's port-0
   * bind could take it meanwhile.
   */
  public static FaultRelay start(String name, InetSocketAddress target) throws IOException {
    FaultRelay relay = new FaultRelay(name, target, bind(LoopbackPorts.freePort()));
    relay.acceptOn(relay.listener);
    return relay;
  }

  public static FaultRelay to(String name, int targetPort) throws IOException {
    return start(name, new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
  }

  /** Names the client of each new connection from its (loopback) port; "" when unknown. */
  public void resolveSourcesWith(IntFunction<String> resolver) {
    this.sources = resolver;
  }

  public int port() {
    return port;
  }

  public String endpoint() {
    return "127.0.0.1:" + port;
  }

  public String name() {
    return name;
  }

  public synchronized Mode mode() {
    return mode;
  }

  /** Forwards everything again; held data and held connections go through. */
  public void pass() throws IOException {
    setMode(Mode.PASS);
  }

  /** New connections are refused; open ones keep working. */
  public void refuse() throws IOException {
    setMode(Mode.REFUSE);
  }

  /** Nothing is forwarded any more, in either direction; new connections hang. */
  public void blackhole() throws IOException {
    setMode(Mode.BLACKHOLE);
  }

  /** Refuse new connections and reset the open ones: the link is cut, and both ends know it. */
  public void cut() throws IOException {
    refuse();
    dropConnections();
  }

  /** Nothing forwarded to or from {@code source}'s connections, old and new; others pass. */
  public void blackhole(String source) {
    setSourceMode(source, Mode.BLACKHOLE);
  }

  /** {@code source}'s connections are reset, and so are its new ones; others pass. */
  public void cut(String source) {
    setSourceMode(source, Mode.REFUSE);
    for (Pair p : List.copyOf(pairs)) {
      if (p.source.equals(source)) {
        p.reset();
      }
    }
  }

  /** {@code source} follows the relay's own mode again. */
  public void pass(String source) {
    sourceModes.remove(source);
    wakeGate();
  }

  public void latency(Duration latency) {
    latencyNanos = latency.toNanos();
  }

  /** Resets every open connection (both sides see ECONNRESET). */
  public void dropConnections() {
    for (Pair p : List.copyOf(pairs)) {
      p.reset();
    }
  }

  /** Connections accepted so far, by source ("" = not one of the named processes). */
  public Map<String, Integer> acceptedBySource() {
    Map<String, Integer> m = new TreeMap<>();
    accepted.forEach((k, v) -> m.put(k.isEmpty() ? "?" : k, v.get()));
    return m;
  }

  public int openConnections() {
    return pairs.size();
  }

  private void setSourceMode(String source, Mode m) {
    sourceModes.put(source, m);
    wakeGate();
  }

  private void setMode(Mode next) throws IOException {
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("relay " + name + " is closed");
      }
      if (next == Mode.REFUSE && listener != null) {
        listener.close();
        listener = null;
        // The JDK releases a listening socket only once the thread blocked in accept() has left
        // it: until then a connect still lands in its backlog. Refused means refused on return.
        awaitAcceptorGone();
      } else if (next != Mode.REFUSE && listener == null) {
        listener = bind(port);
        acceptOn(listener);
      }
      mode = next;
    }
    wakeGate();
  }

  private void wakeGate() {
    synchronized (gate) {
      gate.notifyAll();
    }
  }

  private static ServerSocket bind(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    return s;
  }

  private Thread acceptor;

  private void awaitAcceptorGone() {
    Thread t = acceptor;
    if (t == null) {
      return;
    }
    try {
      t.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void acceptOn(ServerSocket s) {
    Thread t = new Thread(() -> {
      while (!s.isClosed()) {
        try {
          Socket client = s.accept();
          new Thread(() -> open(client), "relay-" + name + "-open").start();
        } catch (IOException e) {
          return; // closed by refuse() or close()
        }
      }
    }, "relay-" + name + "-accept");
    t.setDaemon(true);
    acceptor = t;
    t.start();
  }

  private void open(Socket client) {
    try {
      String source = sourceOf(client);
      accepted.computeIfAbsent(source, k -> new AtomicInteger()).incrementAndGet();
      if (effectiveMode(source) == Mode.REFUSE) {
        resetQuietly(client); // refused for this source only: the listener stays open for the others
        return;
      }
      awaitForwarding(source);
      if (isClosed() || effectiveMode(source) == Mode.REFUSE) {
        resetQuietly(client);
        return;
      }
      Socket upstream = new Socket();
      upstream.connect(target, 5_000);
      Pair p = new Pair(client, upstream, source);
      pairs.add(p);
      p.start();
    } catch (IOException | InterruptedException e) {
      resetQuietly(client); // the target is down: the client sees what it would see without us
    }
  }

  private String sourceOf(Socket client) {
    try {
      String s = sources.apply(client.getPort());
      return s == null ? "" : s;
    } catch (RuntimeException e) {
      return "";
    }
  }

  private Mode effectiveMode(String source) {
    Mode m = sourceModes.get(source);
    return m != null ? m : mode();
  }

  /** Blocks while the link is a black hole for {@code source}. */
  private void awaitForwarding(String source) throws InterruptedException {
    synchronized (gate) {
      while (!isClosed() && effectiveMode(source) == Mode.BLACKHOLE) {
        gate.wait(1_000);
      }
    }
  }

  private synchronized boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      if (listener != null) {
        try {
          listener.close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
    }
    wakeGate();
    dropConnections();
  }

  @Override
  public String toString() {
    return "relay " + name + " :" + port + " -> " + target.getPort() + " " + mode()
        + (sourceModes.isEmpty() ? "" : " " + sourceModes);
  }

  private static void resetQuietly(Socket s) {
    try {
      s.setSoLinger(true, 0);
    } catch (SocketException ignored) {
      // already closed
    }
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  /** One relayed connection: two directions, each a reader and a (latency-aware) writer. */
  private final class Pair {
    private final Socket client;
    private final Socket upstream;
    private final String source;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private int halvesDone;

    Pair(Socket client, Socket upstream, String source) {
      this.client = client;
      this.upstream = upstream;
      this.source = source;
    }

    void start() {
      direction(client, upstream, "up");
      direction(upstream, client, "down");
    }

    private void direction(Socket from, Socket to, String label) {
      LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
      Thread reader = new Thread(() -> {
        byte[] buf = new byte[CHUNK];
        try {
          InputStream in = from.getInputStream(); // not closed here: that would close both directions
          while (true) {
            awaitForwarding(source); // a black hole reads nothing: the sender's buffers fill as on a real one
            int n = in.read(buf);
            if (n < 0) {
              queue.put(Chunk.EOF);
              return;
            }
            queue.put(new Chunk(System.nanoTime() + latencyNanos, Arrays.copyOf(buf, n)));
          }
        } catch (IOException | InterruptedException e) {
          reset();
        }
      }, "relay-" + name + "-" + label + "-read");
      Thread writer = new Thread(() -> {
        try {
          OutputStream out = to.getOutputStream();
          while (true) {
            Chunk c = queue.take();
            long wait = c.dueNanos - System.nanoTime();
            if (wait > 0) {
              TimeUnit.NANOSECONDS.sleep(wait);
            }
            awaitForwarding(source);
            if (c == Chunk.EOF) {
              to.shutdownOutput();
              halfDone();
              return;
            }
            out.write(c.bytes);
            out.flush();
          }
        } catch (IOException | InterruptedException e) {
          reset();
        }
      }, "relay-" + name + "-" + label + "-write");
      reader.setDaemon(true);
      writer.setDaemon(true);
      threads.add(reader);
      threads.add(writer);
      reader.start();
      writer.start();
    }

    private synchronized void halfDone() {
      if (++halvesDone == 2) {
        pairs.remove(this);
        try {
          client.close();
          upstream.close();
        } catch (IOException ignored) {
          // closing anyway
        }
        threads.forEach(Thread::interrupt);
      }
    }

    void reset() {
      pairs.remove(this);
      resetQuietly(client);
      resetQuietly(upstream);
      threads.forEach(Thread::interrupt);
    }
  }

  private record Chunk(long dueNanos, byte[] bytes) {
    static final Chunk EOF = new Chunk(0, new byte[0]);
  }
}
