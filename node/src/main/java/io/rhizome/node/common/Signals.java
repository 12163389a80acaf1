package io.rhizome.node.common;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
    return awaitTerminationOr(new CompletableFuture<>()).orElseThrow();
  }

  /**
   * Blocks until SIGTERM or SIGINT, or until {@code fatal} completes (a part of the daemon died
   * and it must stop so that its service manager starts a fresh one). Returns the signal's name,
   * or empty when {@code fatal} completed.
   */
  public static Optional<String> awaitTerminationOr(CompletableFuture<?> fatal) throws InterruptedException {
    Termination termination = new Termination();
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), s -> termination.signalled("SIG" + s.getName()));
    }
    return termination.await(fatal);
  }

  /** The first of a signal and a fatal failure. */
  static final class Termination {
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile String signal;

    void signalled(String name) {
      signal = name;
      done.countDown();
    }

    /** The signal's name, or empty when {@code fatal} completed first. */
    Optional<String> await(CompletableFuture<?> fatal) throws InterruptedException {
      fatal.whenComplete((v, e) -> done.countDown());
      done.await();
      return Optional.ofNullable(signal);
    }
  }
}
