package io.rhizome.node.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The wait itself; real signal handlers are not installed here (they would outlive the test). */
class SignalsTest {
  static final Duration BOUND = Duration.ofSeconds(20);

  @Test
  void aFatalFailureEndsTheWaitWithoutASignal() {
    CompletableFuture<Void> fatal = new CompletableFuture<>();
    CompletableFuture.runAsync(() -> fatal.completeExceptionally(new IllegalStateException("loop died")));
    assertEquals(Optional.empty(), assertTimeoutPreemptively(BOUND, () -> new Signals.Termination().await(fatal)));
  }

  @Test
  void aFailureThatAlreadyHappenedEndsTheWaitAtOnce() {
    CompletableFuture<Void> fatal = CompletableFuture.failedFuture(new IllegalStateException("loop died"));
    assertEquals(Optional.empty(), assertTimeoutPreemptively(BOUND, () -> new Signals.Termination().await(fatal)));
  }

  @Test
  void aSignalEndsTheWaitWithItsName() {
    Signals.Termination t = new Signals.Termination();
    CompletableFuture.runAsync(() -> t.signalled("SIGTERM"));
    assertEquals(Optional.of("SIGTERM"), assertTimeoutPreemptively(BOUND, () -> t.await(new CompletableFuture<>())));
  }
}
