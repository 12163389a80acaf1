package io.rhizome.cli.demo;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;

/**
 * SIGINT (Ctrl-C), SIGTERM and SIGHUP (terminal closed) ask the demo to stop. Installed before
 * the first daemon starts, so a signal during start-up also stops whatever has started.
 */
final class StopSignal {
  private final CountDownLatch received = new CountDownLatch(1);
  private volatile String name = "";

  static StopSignal install() {
    StopSignal stop = new StopSignal();
    for (String signal : new String[] {"INT", "TERM", "HUP"}) {
      Signal.handle(new Signal(signal), s -> {
        stop.name = "SIG" + s.getName();
        stop.received.countDown();
      });
    }
    return stop;
  }

  /** Waits up to {@code timeout}; true when a stop was asked for. */
  boolean awaitFor(Duration timeout) throws InterruptedException {
    return received.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  String await() throws InterruptedException {
    received.await();
    return name;
  }

  boolean requested() {
    return received.getCount() == 0;
  }

  String name() {
    return name;
  }
}
