package io.rhizome.store;

import io.rhizome.proto.store.WatchReply;
import io.rhizome.proto.store.WatchRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Parked long-poll watches.
 *
 * <p>Ratis never cancels a query future, so every parked watch is completed here: by a change
 * under its prefix, by its own timer, or by close(). Registration, notification and timers all
 * run on one thread, so a watch can never miss an event that lands while it registers, and the
 * apply thread only ever enqueues a task.
 */
final class WatchRegistry implements AutoCloseable {

  private static final class Waiter {
    final WatchRequest request;
    final CompletableFuture<WatchReply> future;
    ScheduledFuture<?> timer;

    Waiter(WatchRequest request, CompletableFuture<WatchReply> future) {
      this.request = request;
      this.future = future;
    }
  }

  private final Function<WatchRequest, WatchReply> probe;
  private final int maxWatchers;
  private final Duration maxTimeout;
  private final ScheduledExecutorService thread;
  private final List<Waiter> waiters = new ArrayList<>();

  /**
   * @param probe reads the store atomically: the events after the request's revision, if any
   */
  WatchRegistry(Function<WatchRequest, WatchReply> probe, int maxWatchers, Duration maxTimeout) {
    this.probe = probe;
    this.maxWatchers = maxWatchers;
    this.maxTimeout = maxTimeout;
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "store-watches");
      t.setDaemon(true);
      return t;
    });
  }

  CompletableFuture<WatchReply> watch(WatchRequest request) {
    CompletableFuture<WatchReply> future = new CompletableFuture<>();
    try {
      thread.execute(() -> register(new Waiter(request, future)));
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      future.completeExceptionally(new IllegalStateException("store is shutting down"));
    }
    return future;
  }

  /** A change to {@code key} was applied. Called on the apply thread: only enqueues. */
  void onChange(String key) {
    execute(() -> {
      for (Waiter w : new ArrayList<>(waiters)) {
        if (key.startsWith(w.request.getPrefix())) {
          answerIfChanged(w);
        }
      }
    });
  }

  /** The whole state was replaced (snapshot installed): every watcher must look again. */
  void onReset() {
    execute(() -> new ArrayList<>(waiters).forEach(this::answerIfChanged));
  }

  int size() {
    try {
      return thread.submit(waiters::size).get();
    } catch (Exception e) {
      return 0;
    }
  }

  private void register(Waiter w) {
    WatchReply now = probe.apply(w.request);
    if (now.getEventsCount() > 0 || now.getCompacted()) {
      w.future.complete(now);
      return;
    }
    if (waiters.size() >= maxWatchers) {
      w.future.completeExceptionally(new IllegalStateException(
          "too many watches on this sentinel (limit " + maxWatchers + ")"));
      return;
    }
    long timeoutMillis = Math.min(Math.max(0, w.request.getTimeoutMillis()), maxTimeout.toMillis());
    if (timeoutMillis == 0) {
      w.future.complete(now);
      return;
    }
    waiters.add(w);
    w.timer = thread.schedule(() -> {
      if (waiters.remove(w)) {
        w.future.complete(probe.apply(w.request));
      }
    }, timeoutMillis, TimeUnit.MILLISECONDS);
  }

  private void answerIfChanged(Waiter w) {
    WatchReply now = probe.apply(w.request);
    if (now.getEventsCount() > 0 || now.getCompacted()) {
      waiters.remove(w);
      w.timer.cancel(false);
      w.future.complete(now);
    }
  }

  private void execute(Runnable task) {
    try {
      thread.execute(task);
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      // shutting down: close() fails every waiter
    }
  }

  @Override
  public void close() {
    try {
      thread.submit(() -> {
        IllegalStateException closed = new IllegalStateException("store is shutting down");
        waiters.forEach(w -> w.future.completeExceptionally(closed));
        waiters.clear();
      }).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // best effort: the thread is stopped below either way
    }
    thread.shutdownNow();
  }
}
