package io.rhizome.chaos;

import io.rhizome.proto.store.WatchReply;
import io.rhizome.store.PeerAddress;
import io.rhizome.store.StoreClient;
import io.rhizome.store.StoreClientConfig;
import io.rhizome.store.StoreException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * A store client as a daemon uses it (1 s request timeout, a write every 200 ms, watches of
 * 300 ms back to back), as a process in one host of the network-namespace bed, where the test's
 * JVM cannot reach the sentinels. It writes one line per outcome to a file:
 * {@code LEADER id}, then {@code P ok|fail nanos} per put and {@code W ok|fail nanos events} per
 * watch, {@code nanos} being {@link System#nanoTime()} at the end of the call (the machine's
 * monotonic clock, which the test shares).
 *
 * <p>Usage: {@code StoreLoopMain endpoints outFile}
 */
public final class StoreLoopMain {
  private static final Duration WATCH = Duration.ofMillis(300);

  private StoreLoopMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: StoreLoopMain endpoints outFile");
      System.exit(2);
    }
    Path out = Path.of(args[1]);
    StoreClient client = StoreClient.connect(StoreClientConfig.of(PeerAddress.parseEndpoints(args[0], "endpoints"))
        .withRequestTimeout(Duration.ofSeconds(1)));
    String leader = null;
    while (leader == null) {
      try {
        leader = client.status().getLeaderId();
      } catch (StoreException e) {
        Thread.sleep(200);
      }
    }
    line(out, "LEADER " + leader);
    Thread writer = new Thread(() -> {
      long n = 0;
      while (true) {
        try {
          client.put("loop/k", Long.toString(n++).getBytes(StandardCharsets.UTF_8));
          line(out, "P ok " + System.nanoTime());
        } catch (StoreException e) {
          line(out, "P fail " + System.nanoTime());
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "loop-writer");
    writer.setDaemon(true);
    writer.start();
    long revision = -1;
    while (true) {
      try {
        if (revision < 0) {
          revision = client.list("loop/").getRevision();
        }
        WatchReply w = client.watch("loop/", revision, WATCH);
        revision = w.getCompacted() ? -1 : Math.max(revision, w.getRevision());
        line(out, "W ok " + System.nanoTime() + " " + w.getEventsCount());
      } catch (StoreException e) {
        line(out, "W fail " + System.nanoTime() + " 0");
        revision = -1; // read afresh, as the daemons do after a failed watch
      }
    }
  }

  private static synchronized void line(Path out, String text) {
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND))) {
      w.println(text);
    } catch (IOException e) {
      System.err.println("cannot write " + out + ": " + e);
    }
  }
}
