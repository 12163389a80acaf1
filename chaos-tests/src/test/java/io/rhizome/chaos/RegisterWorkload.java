package io.rhizome.chaos;

import io.rhizome.chaos.linearizability.History;
import io.rhizome.proto.store.KeyValue;
import io.rhizome.proto.store.WriteReply;
import io.rhizome.store.StoreClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client of the linearizability test: random reads, writes and compare-and-sets on a few keys
 * until stopped, every call recorded in the shared {@link History}. Written values are unique
 * ({@code p<process>-<n>}). A CAS first reads the key, then sets it conditionally on the mod
 * revision it read; for the checker that is a CAS on the value read. An exception from a write
 * means its outcome is unknown; a read that throws tells nothing and is not recorded.
 */
final class RegisterWorkload implements Runnable {
  private final int process;
  private final StoreClient client;
  private final List<String> keys;
  private final History history;
  private final AtomicBoolean stop;
  private final Random random;
  private int written;

  RegisterWorkload(int process, StoreClient client, List<String> keys, History history,
      AtomicBoolean stop, long seed) {
    this.process = process;
    this.client = client;
    this.keys = List.copyOf(keys);
    this.history = history;
    this.stop = stop;
    this.random = new Random(seed);
  }

  @Override
  public void run() {
    while (!stop.get()) {
      String key = keys.get(random.nextInt(keys.size()));
      switch (random.nextInt(3)) {
        case 0 -> read(key);
        case 1 -> write(key);
        default -> read(key).ifPresent(seen -> cas(key, seen));
      }
    }
  }

  /** What a read saw: the value (null when absent) and its mod revision (0 when absent). */
  private record Seen(String value, long modRevision) {}

  private Optional<Seen> read(String key) {
    long invoke = System.nanoTime();
    try {
      Optional<KeyValue> kv = client.get(key);
      long complete = System.nanoTime();
      Seen seen = kv.map(v -> new Seen(text(v), v.getModRevision())).orElse(new Seen(null, 0));
      history.read(process, key, seen.value(), invoke, complete);
      return Optional.of(seen);
    } catch (RuntimeException e) {
      return Optional.empty(); // a read that failed had no effect and observed nothing
    }
  }

  private void write(String key) {
    String value = nextValue();
    long invoke = System.nanoTime();
    try {
      client.put(key, bytes(value));
      history.write(process, key, value, invoke, System.nanoTime());
    } catch (RuntimeException e) {
      history.writeUnknown(process, key, value, invoke);
    }
  }

  private void cas(String key, Seen seen) {
    String value = nextValue();
    long invoke = System.nanoTime();
    try {
      WriteReply reply = client.compareAndPut(key, bytes(value), seen.modRevision(), Duration.ZERO);
      long complete = System.nanoTime();
      if (reply.getSucceeded()) {
        history.cas(process, key, seen.value(), value, invoke, complete);
      } else {
        String current = reply.hasCurrent() ? text(reply.getCurrent()) : null;
        history.casRefused(process, key, seen.value(), value, current, invoke, complete);
      }
    } catch (RuntimeException e) {
      history.casUnknown(process, key, seen.value(), value, invoke);
    }
  }

  private String nextValue() {
    return "p" + process + "-" + (++written);
  }

  private static String text(KeyValue kv) {
    return kv.getValue().toStringUtf8();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
