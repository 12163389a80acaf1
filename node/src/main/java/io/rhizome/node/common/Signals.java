package io.rhizome.node.common;

import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * Waits for SIGTERM or SIGINT so a daemon can stop in order (close its store peer, stop its
 * PostgreSQL) and exit 0, instead of the JVM's default of running hooks and exiting 143.
 */
public final class Signals {
  private Signals() {}

  /** Blocks until SIGTERM or SIGINT; returns the signal's name. */
  public static String awaitTermination() throws InterruptedException {
    CountDownLatch received = new CountDownLatch(1);
    String[] which = new String[1];
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), s -> {
        which[0] = "SIG" + s.getName();
        received.countDown();
      });
    }
    received.await();
    return which[0];
  }
}
