package io.rhizome.proxy;

import io.rhizome.proxy.Routing.Admission;
import io.rhizome.proxy.Routing.Forward;
import io.rhizome.proxy.Routing.Hold;
import io.rhizome.proxy.Routing.Refuse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One event loop: a thread, a selector, the pipes it accepted, one read buffer and a small pool
 * of buffers for bytes a slow side has not taken yet. A side that cannot take more stops the
 * other side from being read (backpressure) without holding up any other pipe.
 */
final class EventLoop implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);
  static final int BUFFER_BYTES = 32 * 1024;
  /** Direct buffers beyond this many per loop are plain heap buffers (MaxDirectMemorySize is small). */
  private static final int MAX_DIRECT_BUFFERS = 64;
  private static final int MAX_POOLED_BUFFERS = 256;
  /** Reads per readiness event, so one busy pipe cannot starve the others on its loop. */
  private static final int READS_PER_EVENT = 8;
  private static final int ACCEPTS_PER_EVENT = 64;
  /** How often deadlines (hold, connect, drain) are checked while there are any. */
  private static final long TIMER_TICK_MILLIS = 20;
  private static final long WARN_EVERY_NANOS = 5_000_000_000L;

  private final ProxyEngine engine;
  private final Selector selector;
  private final Thread thread;
  private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
  private final ArrayDeque<ByteBuffer> pool = new ArrayDeque<>();
  private int directBuffers;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final Set<Pipe> pipes = new HashSet<>();
  private final List<Pipe> timed = new ArrayList<>();
  /** Pipes this loop must still end before the latest route may be acknowledged. */
  private int ending;
  private final List<CompletableFuture<Void>> acks = new ArrayList<>();
  private final List<SelectionKey> listenerKeys = new ArrayList<>();
  private volatile boolean running = true;
  private volatile int pipeCount;
  /** Bytes written to backends and to clients. Only this loop's thread adds; a scrape reads. */
  private final java.util.concurrent.atomic.AtomicLong bytesToServer = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong bytesToClient = new java.util.concurrent.atomic.AtomicLong();
  private long lastConnectWarning;
  /** One instance: a method reference per select() would be an allocation per wakeup. */
  private final java.util.function.Consumer<SelectionKey> handler = this::handle;

  EventLoop(ProxyEngine engine, int index) throws IOException {
    this.engine = engine;
    this.selector = Selector.open();
    for (ProxyEngine.Listener l : engine.listeners()) {
      listenerKeys.add(l.channel().register(selector, SelectionKey.OP_ACCEPT, l));
    }
    this.thread = new Thread(this, "proxy-loop-" + index);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  void join() {
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  int pipeCount() {
    return pipeCount;
  }

  long bytesToServer() {
    return bytesToServer.get();
  }

  long bytesToClient() {
    return bytesToClient.get();
  }

  /** One writer, so no atomic add: a plain read and a release store cost nothing on the hot path. */
  private void forwarded(boolean toServer, int n) {
    java.util.concurrent.atomic.AtomicLong c = toServer ? bytesToServer : bytesToClient;
    c.setRelease(c.getPlain() + n);
  }

  void submit(Runnable task) {
    tasks.add(task);
    selector.wakeup();
  }

  @Override
  public void run() {
    try {
      while (running) {
        selector.select(handler, timed.isEmpty() ? 0 : TIMER_TICK_MILLIS);
        Runnable task;
        while ((task = tasks.poll()) != null) {
          task.run();
        }
        if (!timed.isEmpty()) {
          expire(System.nanoTime());
        }
        if (!acks.isEmpty() && ending == 0) {
          // A closed channel's socket is released when its key is deregistered, at the next
          // selection: do that before saying the connections are gone.
          selector.selectNow(handler);
          acks.forEach(a -> a.complete(null));
          acks.clear();
        }
        pipeCount = pipes.size();
      }
    } catch (IOException | RuntimeException e) {
      LOG.error("event loop {} failed: {}", thread.getName(), e.toString(), e);
      engine.loopFailed(thread.getName(), e);
    } finally {
      for (Pipe p : new ArrayList<>(pipes)) {
        close(p, false);
      }
      try {
        selector.close();
      } catch (IOException ignored) {
        // stopping
      }
      acks.forEach(a -> a.complete(null));
      pipeCount = 0;
    }
  }

  /** Stops accepting, closes every pipe, ends the loop. */
  CompletableFuture<Void> shutdown() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (!thread.isAlive()) {
      done.complete(null);
      return done;
    }
    submit(() -> {
      listenerKeys.forEach(SelectionKey::cancel);
      for (Pipe p : new ArrayList<>(pipes)) {
        close(p, false);
      }
      try {
        selector.selectNow();
      } catch (IOException ignored) {
        // stopping
      }
      running = false;
      done.complete(null);
    });
    return done;
  }

  // ---- routing ----

  /** A new route: held pipes are admitted again, open ones kept, drained or reset. */
  void reroute(ProxyEngine.Snapshot s, CompletableFuture<Void> done) {
    long now = System.nanoTime();
    boolean strict = engine.config.readOnlyStrict();
    for (Pipe p : new ArrayList<>(pipes)) {
      switch (p.state) {
        case HELD -> admit(p, s, now, false);
        case CONNECTING, OPEN -> {
          switch (Routing.fate(s.route(), p.port, strict, p.backend)) {
            case KEEP -> { }
            case DRAIN -> {
              if (!p.draining) {
                p.draining = true;
                p.drainDeadline = now + engine.config.drainTimeout().toNanos();
                ending++;
                timed(p);
                endIfBetweenTransactions(p);
              }
            }
            case CLOSE -> {
              engine.fenced.incrementAndGet();
              close(p, true);
            }
          }
        }
        case CLOSED -> { }
      }
    }
    acks.add(done);
  }

  private void admit(Pipe p, ProxyEngine.Snapshot s, long now, boolean fresh) {
    Admission a = Routing.admit(s.route(), p.port, engine.config.readOnlyStrict(), engine::connections);
    if (a instanceof Forward f) {
      connect(p, f.backend(), s.addresses().get(f.backend()), now);
    } else if (a instanceof Hold) {
      if (fresh) {
        engine.held.incrementAndGet();
        p.state = Pipe.State.HELD;
        p.deadline = now + engine.config.holdTimeout().toNanos();
        timed(p);
      }
    } else if (a instanceof Refuse r) {
      engine.refused.incrementAndGet();
      LOG.debug("refused a client on the {} port: {}", p.port, r.reason());
      close(p, true);
    }
  }

  private void timed(Pipe p) {
    if (!p.timed) {
      p.timed = true;
      timed.add(p);
    }
  }

  private void expire(long now) {
    for (Iterator<Pipe> it = timed.iterator(); it.hasNext(); ) {
      Pipe p = it.next();
      if ((p.state == Pipe.State.HELD || p.state == Pipe.State.CONNECTING) && now - p.deadline >= 0) {
        if (p.state == Pipe.State.CONNECTING) {
          warnConnect(p.backend, "no answer within " + engine.config.connectTimeout().toMillis() + "ms");
        } else {
          LOG.debug("a held client waited {}ms for a master: closing it",
              engine.config.holdTimeout().toMillis());
        }
        close(p, true);
      } else if (p.draining && now - p.drainDeadline >= 0) {
        engine.fenced.incrementAndGet();
        close(p, true);
      }
      if (p.state == Pipe.State.CLOSED
          || !(p.state == Pipe.State.HELD || p.state == Pipe.State.CONNECTING || p.draining)) {
        p.timed = false;
        it.remove();
      }
    }
  }

  // ---- events ----

  private void handle(SelectionKey key) {
    Object att = key.attachment();
    if (att instanceof ProxyEngine.Listener l) {
      accept(l);
      return;
    }
    Pipe p = (Pipe) att;
    if (p.state == Pipe.State.CLOSED || !key.isValid()) {
      return;
    }
    boolean clientSide = key == p.clientKey;
    try {
      int ready = key.readyOps();
      if (!clientSide && (ready & SelectionKey.OP_CONNECT) != 0) {
        finishConnect(p);
        return;
      }
      if ((ready & SelectionKey.OP_WRITE) != 0) {
        flush(p, clientSide);
      }
      if ((ready & SelectionKey.OP_READ) != 0 && p.state == Pipe.State.OPEN) {
        pump(p, clientSide);
      }
      if (p.draining) {
        endIfBetweenTransactions(p);
      }
      interest(p);
    } catch (IOException e) {
      LOG.debug("connection {} closed: {}", p.backend, e.toString());
      close(p, true);
    } catch (RuntimeException e) {
      LOG.warn("closing a connection to {} after an unexpected error: {}", p.backend, e.toString(), e);
      close(p, true);
    }
  }

  private void accept(ProxyEngine.Listener l) {
    long now = System.nanoTime();
    for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
      SocketChannel c;
      try {
        c = l.channel().accept();
      } catch (IOException e) {
        // e.g. too many open files: say so, keep serving the connections we have
        LOG.warn("cannot accept on the {} port: {}", l.port(), e.toString());
        return;
      }
      if (c == null) {
        return;
      }
      engine.accepted.incrementAndGet();
      Pipe p;
      try {
        c.configureBlocking(false);
        socketOptions(c);
        SelectionKey k = c.register(selector, 0);
        p = new Pipe(l.port(), c, k);
        k.attach(p);
      } catch (IOException e) {
        closeQuietly(c, true);
        continue;
      }
      pipes.add(p);
      admit(p, engine.snapshot, now, true);
    }
  }

  private void connect(Pipe p, Backend b, InetSocketAddress address, long now) {
    try {
      SocketChannel s = SocketChannel.open();
      p.server = s;
      p.backend = b;
      engine.connected(b);
      s.configureBlocking(false);
      socketOptions(s);
      p.serverKey = s.register(selector, 0, p);
      if (s.connect(address)) {
        opened(p);
      } else {
        p.state = Pipe.State.CONNECTING;
        p.deadline = now + engine.config.connectTimeout().toNanos();
        p.serverKey.interestOps(SelectionKey.OP_CONNECT);
        timed(p);
      }
    } catch (IOException e) {
      warnConnect(b, e.toString());
      close(p, true);
    }
  }

  private void finishConnect(Pipe p) {
    try {
      if (p.server.finishConnect()) {
        opened(p);
      }
    } catch (IOException e) {
      warnConnect(p.backend, e.getMessage());
      close(p, true);
    }
  }

  private void opened(Pipe p) throws IOException {
    p.state = Pipe.State.OPEN;
    interest(p);
  }

  private void warnConnect(Backend b, String why) {
    long now = System.nanoTime();
    if (now - lastConnectWarning > WARN_EVERY_NANOS || lastConnectWarning == 0) {
      lastConnectWarning = now;
      LOG.warn("cannot connect to {}: {} (closing the client; repeats are not logged for 5s)", b, why);
    }
  }

  /** Reads from one side and writes to the other until the reader is drained or the writer is full. */
  private void pump(Pipe p, boolean fromClient) throws IOException {
    SocketChannel src = fromClient ? p.client : p.server;
    SocketChannel dst = fromClient ? p.server : p.client;
    ByteBuffer buf = readBuffer;
    for (int i = 0; i < READS_PER_EVENT; i++) {
      buf.clear();
      int n = src.read(buf);
      if (n < 0) {
        endOfStream(p, fromClient);
        return;
      }
      if (n == 0) {
        return;
      }
      buf.flip();
      p.read(fromClient, buf);
      forwarded(fromClient, dst.write(buf));
      if (buf.hasRemaining()) {
        // the other side is slow: park the rest and stop reading this side until it is taken
        ByteBuffer parked = take();
        parked.put(buf).flip();
        if (fromClient) {
          p.toServer = parked;
        } else {
          p.toClient = parked;
        }
        return;
      }
      if (n < buf.capacity()) {
        return;
      }
    }
  }

  /** Writes parked bytes to the side that became writable. */
  private void flush(Pipe p, boolean toClient) throws IOException {
    ByteBuffer parked = toClient ? p.toClient : p.toServer;
    if (parked == null) {
      return;
    }
    forwarded(!toClient, (toClient ? p.client : p.server).write(parked));
    if (parked.hasRemaining()) {
      return;
    }
    release(parked);
    if (toClient) {
      p.toClient = null;
      if (p.serverEof) {
        halfClose(p, true);
      }
    } else {
      p.toServer = null;
      if (p.clientEof) {
        halfClose(p, false);
      }
    }
  }

  private void endOfStream(Pipe p, boolean fromClient) throws IOException {
    if (fromClient) {
      p.clientEof = true;
      if (p.toServer == null) {
        halfClose(p, false);
      }
    } else {
      p.serverEof = true;
      if (p.toClient == null) {
        halfClose(p, true);
      }
    }
  }

  /**
   * A draining connection whose client has its last answer and no open transaction is ended now
   * rather than at the drain deadline: nothing is cut off, and the fence is acknowledged (and
   * the switchover goes on) without waiting for a client that keeps its connection. The client
   * gets a FIN after the answer, not a reset, so that answer cannot be dropped.
   */
  private void endIfBetweenTransactions(Pipe p) {
    if (p.state == Pipe.State.OPEN && p.betweenTransactions && p.toClient == null && p.toServer == null) {
      engine.drained.incrementAndGet();
      try {
        p.client.shutdownOutput();
      } catch (IOException ignored) {
        // the client is gone already: closing is all that is left
      }
      close(p, false);
    }
  }

  /** Passes an end of stream on: the other side's output is shut; both ended = closed. */
  private void halfClose(Pipe p, boolean toClient) throws IOException {
    if (p.clientEof && p.serverEof && p.toClient == null && p.toServer == null) {
      close(p, false);
      return;
    }
    (toClient ? p.client : p.server).shutdownOutput();
  }

  private void interest(Pipe p) {
    if (p.state != Pipe.State.OPEN) {
      return;
    }
    int c = (!p.clientEof && p.toServer == null ? SelectionKey.OP_READ : 0)
        | (p.toClient != null ? SelectionKey.OP_WRITE : 0);
    int s = (!p.serverEof && p.toClient == null ? SelectionKey.OP_READ : 0)
        | (p.toServer != null ? SelectionKey.OP_WRITE : 0);
    if (p.clientKey.interestOps() != c) {
      p.clientKey.interestOps(c);
    }
    if (p.serverKey.interestOps() != s) {
      p.serverKey.interestOps(s);
    }
  }

  /** Closes both sides; {@code reset} sends RST so neither side waits on a half-dead connection. */
  private void close(Pipe p, boolean reset) {
    if (p.state == Pipe.State.CLOSED) {
      return;
    }
    p.state = Pipe.State.CLOSED;
    closeQuietly(p.client, reset);
    if (p.server != null) {
      closeQuietly(p.server, reset);
      engine.disconnected(p.backend);
    }
    if (p.toClient != null) {
      release(p.toClient);
      p.toClient = null;
    }
    if (p.toServer != null) {
      release(p.toServer);
      p.toServer = null;
    }
    if (p.draining) {
      p.draining = false;
      ending--;
    }
    pipes.remove(p);
  }

  private static void closeQuietly(SocketChannel ch, boolean reset) {
    try {
      if (reset && ch.isOpen()) {
        ch.setOption(StandardSocketOptions.SO_LINGER, 0);
      }
    } catch (IOException ignored) {
      // not connected: a plain close is all there is
    }
    try {
      ch.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  private void socketOptions(SocketChannel ch) throws IOException {
    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
    ch.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
    EngineConfig.KeepAlive k = engine.config.keepAlive();
    setSeconds(ch, jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE, k.idle());
    setSeconds(ch, jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL, k.interval());
    if (k.count() > 0 && ch.supportedOptions().contains(jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT)) {
      ch.setOption(jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT, k.count());
    }
  }

  private static void setSeconds(SocketChannel ch, SocketOption<Integer> option, java.time.Duration d)
      throws IOException {
    if (!d.isZero() && ch.supportedOptions().contains(option)) {
      ch.setOption(option, (int) Math.max(1, d.toSeconds()));
    }
  }

  // ---- buffers ----

  private ByteBuffer take() {
    ByteBuffer b = pool.poll();
    if (b != null) {
      return b.clear();
    }
    if (directBuffers < MAX_DIRECT_BUFFERS) {
      directBuffers++;
      return ByteBuffer.allocateDirect(BUFFER_BYTES);
    }
    return ByteBuffer.allocate(BUFFER_BYTES);
  }

  private void release(ByteBuffer b) {
    if (pool.size() < MAX_POOLED_BUFFERS) {
      pool.push(b.clear());
    } else if (b.isDirect()) {
      directBuffers--;
    }
  }
}
