package io.rhizome.chaos;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store client on its own host while the host of the sentinel it watches through goes silent
 * (issue #19): three sentinels in hosts 1-3, a client as the daemons use it in host 4
 * ({@link StoreLoopMain}). A fresh client's watches go to the first endpoint, and stay there as
 * long as it serves them (a follower serves reads too), so host 1 is cut off, leader or not. The
 * client's writes move on by themselves (a timed-out request makes Ratis try another peer, a
 * follower names the leader); its watches must follow, not wait in vain at the silent peer until
 * the host comes back, as they once did: a proxy saw each change only after a failed watch, up
 * to 2 s late, for as long as the master's host was cut off.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class StoreClientOnHostsTest {
  static final int PORT = 7001;
  static final int CLIENT_HOST = 4;
  /** A JVM start per host on a busy two-core machine, then an election. */
  static final Duration UP = Duration.ofSeconds(90);
  /** An election among the two left (about 1 s) and the client's first timeouts, with room. */
  static final Duration MOVED = Duration.ofSeconds(30);
  /** The longest a watch already waiting at the silent peer may take to fail: 300 ms + 1.5 s. */
  static final Duration IN_FLIGHT = Duration.ofMillis(2500);

  @TempDir Path dir;
  HostBed bed;
  final List<HostDaemon> sentinels = new ArrayList<>();
  HostProcess loop;

  @BeforeEach
  void canRun() {
    assumeFalse("root".equals(System.getProperty("user.name")), "runs unprivileged (as the bed needs)");
    HostBed.requireCapability();
  }

  @AfterEach
  void down() throws Exception {
    if (loop != null) {
      loop.close();
    }
    for (HostDaemon s : sentinels) {
      s.close();
    }
    if (bed != null) {
      bed.close();
    }
    DaemonLogs.printTails(dir);
  }

  @Test
  void watchesMovePastAPeerWhoseHostWentSilent() throws Exception {
    bed = HostBed.up(CLIENT_HOST);
    String peers = List.of(1, 2, 3).stream().map(h -> "s" + h + "=" + bed.address(h) + ":" + PORT)
        .collect(Collectors.joining(","));
    String endpoints = List.of(1, 2, 3).stream().map(h -> bed.address(h) + ":" + PORT)
        .collect(Collectors.joining(","));
    for (int h = 1; h <= 3; h++) {
      Path data = Files.createDirectories(dir.resolve("s" + h));
      HostDaemon s = new HostDaemon(bed, h, "sentinel s" + h, List.of("sentinel", "--cluster-name", "loop",
          "--id", "s" + h, "--data-dir", data.toString(), "--listen-address", bed.address(h), "--peers", peers),
          dir.resolve("s" + h + ".log"));
      sentinels.add(s);
      s.start();
    }
    Path lines = dir.resolve("loop.lines");
    loop = bed.start(CLIENT_HOST, "store loop", List.of(
        Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx96m", "-XX:+UseSerialGC",
        "-cp", System.getProperty("java.class.path"), StoreLoopMain.class.getName(), endpoints, lines.toString()),
        dir.resolve("loop.log"));
    await("the client watching").atMost(UP).pollInterval(Duration.ofMillis(200))
        .until(() -> read(lines).stream().filter(l -> l.startsWith("W ok")).count() >= 5);
    String leader = read(lines).stream().filter(l -> l.startsWith("LEADER ")).findFirst().orElseThrow().substring(7);
    int silent = 1;

    long cut = System.nanoTime();
    bed.isolate(silent);
    await("a write after the cut (through a new leader, if s1 led)").atMost(MOVED).pollInterval(Duration.ofMillis(100))
        .until(() -> firstAfter(read(lines), "P ok", cut) > 0);
    long moved = firstAfter(read(lines), "P ok", cut);
    // the old code's watches kept asking the silent peer: none of these would come
    await("ten watches answered after the writes moved").atMost(MOVED).pollInterval(Duration.ofMillis(100))
        .until(() -> count(read(lines), "W ok", moved) >= 10);
    List<String> late = read(lines).stream().filter(l -> l.startsWith("W fail"))
        .filter(l -> nanos(l) > moved + IN_FLIGHT.toNanos()).toList();
    assertEquals(List.of(), late, "watches failed well after the writes had found the new leader (host "
        + silent + " silent, the leader was " + leader + ")");
    bed.heal(silent);
  }

  private static List<String> read(Path lines) throws IOException {
    if (!Files.exists(lines)) {
      return List.of();
    }
    String text = Files.readString(lines);
    int end = text.lastIndexOf('\n');
    return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n"));
  }

  private static long nanos(String line) {
    return Long.parseLong(line.split(" ")[2]);
  }

  private static long firstAfter(List<String> lines, String prefix, long after) {
    return lines.stream().filter(l -> l.startsWith(prefix)).mapToLong(StoreClientOnHostsTest::nanos)
        .filter(n -> n > after).min().orElse(0);
  }

  private static long count(List<String> lines, String prefix, long after) {
    return lines.stream().filter(l -> l.startsWith(prefix)).filter(l -> nanos(l) > after).count();
  }
}
