package io.rhizome.testsupport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Loopback ports for the daemons a test or benchmark starts, taken from below the kernel's
 * ephemeral range.
 *
 * <p>Why not "bind port 0, read the port, close": that port lies in the ephemeral range, where
 * the kernel also picks the port of every other port-0 bind (a fault relay, the next such call)
 * and of outgoing connections. Between the close and the daemon's own bind, and again whenever a
 * daemon restarts (PostgreSQL after a fault, a relay refusing then listening again), the kernel
 * may hand the same port to someone else; the daemon then cannot listen, and a test waits for a
 * cluster that never forms. A port below the range is only ever handed out here, and this class
 * never hands out the same one twice in a JVM (until it wraps around after thousands).
 */
public final class LoopbackPorts {
  private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
  /** Below this are the well-known and commonly configured service ports. */
  private static final int LOWEST = 10_000;
  /** A random start, so that two JVMs (a test and a benchmark) seldom try the same ports. */
  private static final Allocator PORTS = new Allocator(Pool.below(ephemeralStart()),
      ThreadLocalRandom.current().nextInt(1 << 16));

  private LoopbackPorts() {}

  /** Ports {@code first..last}, inclusive. */
  record Pool(int first, int last) {
    static Pool below(int ephemeralStart) {
      int last = ephemeralStart - 1;
      if (last - LOWEST < 1_000) {
        throw new IllegalStateException("the ephemeral port range starts at " + ephemeralStart
            + " (" + EPHEMERAL_RANGE + "), leaving no room below it for test ports; raise its start to 20000 or more");
      }
      return new Pool(LOWEST, last);
    }

    int size() {
      return last - first + 1;
    }

    /** The {@code n}-th port, wrapping around. */
    int port(int n) {
      return first + Math.floorMod(n, size());
    }
  }

  /** A loopback port nothing listens on now, and that no earlier call in this JVM returned. */
  public static int freePort() {
    return PORTS.next();
  }

  static Pool pool() {
    return PORTS.pool;
  }

  /** Hands out a pool's ports in turn, skipping those that cannot be bound now. */
  static final class Allocator {
    private final Pool pool;
    private final AtomicInteger next;

    Allocator(Pool pool, int start) {
      this.pool = pool;
      this.next = new AtomicInteger(start);
    }

    int next() {
      for (int tries = 0; tries < pool.size(); tries++) {
        int port = pool.port(next.getAndIncrement());
        if (bindable(port)) {
          return port;
        }
      }
      throw new IllegalStateException("no free loopback port in " + pool.first() + "-" + pool.last());
    }
  }

  /** Without SO_REUSEADDR: a port some connection still lingers on is skipped too. */
  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The first port of the kernel's ephemeral range. */
  static int ephemeralStart() {
    // read as a stream: /proc reports a size of 0, and Files.readString then returns one byte
    try (java.io.BufferedReader r = Files.newBufferedReader(EPHEMERAL_RANGE)) {
      return Integer.parseInt(r.readLine().trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32_768; // Linux's default, and what other systems' ranges start at or above
    }
  }
}
