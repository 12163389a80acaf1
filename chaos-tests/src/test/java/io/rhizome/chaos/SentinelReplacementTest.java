package io.rhizome.chaos;

import static io.rhizome.chaos.FreePeers.freePeer;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.cli.Main;
import io.rhizome.store.PeerAddress;
import io.rhizome.store.StoreClient;
import io.rhizome.store.StoreClientConfig;
import io.rhizome.store.StoreException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's replacement of a dead sentinel, with real processes and the real CLI:
 * kill s3, 'sentinel remove s3', start s4 with --join, 'sentinel add s4=...', while a client
 * keeps writing; nothing acknowledged is lost and 'sentinel list' shows the new members.
 */
class SentinelReplacementTest {
  @TempDir Path dir;
  private final List<SentinelProcess> sentinels = new ArrayList<>();

  @AfterEach
  void stopAll() throws InterruptedException {
    for (SentinelProcess s : sentinels) {
      s.stop();
    }
  }

  record Cli(int exit, String out, String err) {}

  private static Cli ctl(List<PeerAddress> endpoints, String... args) {
    List<String> all = new ArrayList<>(List.of("ctl", "--store-endpoints",
        endpoints.stream().map(PeerAddress::address).collect(Collectors.joining(","))));
    all.addAll(List.of(args));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(all.toArray(String[]::new), "rhizome", new PrintWriter(out, true),
        new PrintWriter(err, true));
    return new Cli(exit, out.toString().trim(), err.toString().trim());
  }

  @Test
  void deadSentinelIsReplacedWithTheCliWhileWritesContinue() throws Exception {
    List<PeerAddress> initial = List.of(freePeer("s1"), freePeer("s2"), freePeer("s3"));
    for (PeerAddress p : initial) {
      SentinelProcess s = new SentinelProcess("replace", p, initial, dir);
      sentinels.add(s);
      s.start();
    }
    StoreClient client = StoreClient.connect(
        StoreClientConfig.of(initial).withRequestTimeout(Duration.ofSeconds(5)));
    await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(StoreException.class)
        .until(() -> client.put("/replace/ready", bytes("1")).getSucceeded());

    List<String> acknowledged = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger failures = new AtomicInteger();
    Thread writer = new Thread(() -> {
      for (int i = 0; !stop.get(); i++) {
        String key = "/replace/k" + i;
        try {
          client.put(key, bytes(Integer.toString(i)));
          acknowledged.add(key);
        } catch (StoreException e) {
          failures.incrementAndGet();
        }
      }
    });
    writer.start();
    try {
      sentinels.get(2).kill();
      Cli removed = ctl(initial, "sentinel", "remove", "s3");
      assertEquals(0, removed.exit(), removed.err());

      PeerAddress s4 = freePeer("s4");
      List<PeerAddress> next = List.of(initial.get(0), initial.get(1), s4);
      SentinelProcess joining = new SentinelProcess("replace", s4, next, dir);
      sentinels.add(joining);
      joining.start(true);
      await().atMost(Duration.ofSeconds(60)).until(() -> ctl(next, "sentinel", "add",
          s4.toString()).exit() == 0 || memberIds(next).contains("s4"));

      Cli list = ctl(next, "sentinel", "list", "--format", "json");
      assertEquals(0, list.exit(), list.err());
      assertTrue(list.out().contains("\"id\":\"s4\",\"address\":\"" + s4.address() + "\""), list.out());
      assertTrue(!list.out().contains("\"s3\""), list.out());
      // s4 votes now: with s2 stopped, s1 and s4 still make a majority
      try (StoreClient updated = StoreClient.connect(StoreClientConfig.of(next))) {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(StoreException.class)
            .until(() -> updated.status("s4").getRevision() >= updated.status().getRevision() - 5);
      }
      sentinels.get(1).stop();
      await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(StoreException.class)
          .until(() -> client.put("/replace/after", bytes("x")).getSucceeded());
    } finally {
      stop.set(true);
      writer.join(30_000);
    }
    assertTrue(acknowledged.size() > 10, "writes made progress: " + acknowledged.size());
    for (String key : acknowledged) {
      assertTrue(client.get(key).isPresent(), "acknowledged write lost: " + key);
    }
    client.close();
  }

  private static List<String> memberIds(List<PeerAddress> endpoints) {
    Cli list = ctl(endpoints, "sentinel", "list", "--format", "json");
    List<String> ids = new ArrayList<>();
    for (String id : List.of("s1", "s2", "s3", "s4")) {
      if (list.out().contains("\"id\":\"" + id + "\"")) {
        ids.add(id);
      }
    }
    return ids;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
