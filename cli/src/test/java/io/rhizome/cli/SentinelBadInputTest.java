package io.rhizome.cli;

import static io.rhizome.testsupport.LoopbackPorts.freePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.node.common.DataDirLock;
import io.rhizome.store.StoreGroup;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad sentinel input: one line naming the problem, the right exit code, nothing written. */
class SentinelBadInputTest {
  @TempDir Path tmp;

  record Outcome(int exit, String err) {}

  private Outcome run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(args, "rhizome", new PrintWriter(out, true), new PrintWriter(err, true));
    return new Outcome(exit, err.toString().trim());
  }

  private String[] sentinel(Path dataDir, String id, String peers, String... extra) {
    List<String> a = new ArrayList<>(List.of("sentinel", "--cluster-name", "c1", "--id", id,
        "--data-dir", dataDir.toString(), "--peers", peers));
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  static Stream<Arguments> usageErrors() {
    String ok = "s1=127.0.0.1:7001,s2=127.0.0.1:7002,s3=127.0.0.1:7003";
    return Stream.of(
        Arguments.of("id not in peers", "s9", ok, new String[0], "--id s9 is not in --peers"),
        Arguments.of("peer without =", "s1", "s1:127.0.0.1:7001", new String[0], "is not ID=HOST:PORT"),
        Arguments.of("peer without port", "s1", "s1=127.0.0.1", new String[0], "is not HOST:PORT"),
        Arguments.of("port not a number", "s1", "s1=127.0.0.1:70x1", new String[0], "is not a number"),
        Arguments.of("port out of range", "s1", "s1=127.0.0.1:70001", new String[0], "out of range"),
        Arguments.of("duplicate id", "s1", "s1=127.0.0.1:7001,s1=127.0.0.1:7002", new String[0], "appears twice"),
        Arguments.of("duplicate address", "s1", "s1=127.0.0.1:7001,s2=127.0.0.1:7001", new String[0], "appears twice"),
        Arguments.of("empty peers", "s1", " ", new String[0], "--peers"),
        Arguments.of("port differs from peers", "s1", ok, new String[] {"--port", "7009"}, "differs from s1's port"),
        Arguments.of("listen port out of range", "s1", ok, new String[] {"--listen-port", "70000"}, "--listen-port 70000 is not a port"),
        Arguments.of("bad election timeout", "s1", ok, new String[] {"--election-timeout", "fast"}, "--election-timeout: \"fast\" is not a duration"),
        Arguments.of("election timeout too short", "s1", ok, new String[] {"--election-timeout", "50ms"}, "too short"),
        Arguments.of("tls half configured", "s1", ok, new String[] {"--tls-cert", "/nonexistent.pem"}, "TLS needs all of"),
        Arguments.of("http port out of range", "s1", ok, new String[] {"--http-port", "70000"}, "--http-port 70000 is not a port (use 1-65535)"),
        Arguments.of("http port not a number", "s1", ok, new String[] {"--http-port", "web"}, "--http-port"),
        Arguments.of("unknown flag", "s1", ok, new String[] {"--bogus"}, "Unknown option: '--bogus'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("usageErrors")
  void badUsageIsOneLineExitTwoAndWritesNothing(String name, String id, String peers,
      String[] extra, String expected) {
    Path dir = tmp.resolve("data");
    Outcome o = run(sentinel(dir, id, peers, extra));
    assertEquals(2, o.exit(), o.err());
    assertTrue(o.err().startsWith("rhizome sentinel: "), o.err());
    assertTrue(o.err().contains(expected), o.err());
    assertEquals(1, o.err().lines().count(), "one line: " + o.err());
    assertFalse(Files.exists(dir), "nothing written");
  }

  @Test
  void anInvalidInitialClusterSpecIsRefusedWithTheField() throws IOException {
    Path spec = tmp.resolve("spec.json");
    Files.writeString(spec, "{\"initMode\": \"new\", \"failInterval\": \"4x\"}");
    Path dir = tmp.resolve("data");
    Outcome o = run(sentinel(dir, "s1", "s1=127.0.0.1:7001", "--initial-cluster-spec", spec.toString()));
    assertEquals(2, o.exit(), o.err());
    assertTrue(o.err().contains("--initial-cluster-spec") && o.err().contains("spec.failInterval: \"4x\" is not a duration"),
        o.err());
    assertFalse(Files.exists(dir), "nothing written");
  }

  @Test
  void aDataDirWithACommaIsRefused() {
    Path dir = tmp.resolve("run 1, again").resolve("s1");
    Outcome o = run(sentinel(dir, "s1", "s1=127.0.0.1:7001"));
    assertEquals(2, o.exit(), o.err());
    assertEquals("rhizome sentinel: --data-dir " + dir.toAbsolutePath()
        + " contains a comma, which the Raft library reads as a list of directories; choose a path without one", o.err());
    assertFalse(Files.exists(dir.getParent()), "nothing written");
  }

  @Test
  void missingClusterNameNamesTheFlagAndItsVariable() {
    Outcome o = run("sentinel", "--id", "s1", "--data-dir", tmp.resolve("d").toString(),
        "--peers", "s1=127.0.0.1:7001");
    assertEquals(2, o.exit());
    assertEquals("rhizome sentinel: --cluster-name is required (or set RHIZOME_CLUSTER_NAME)", o.err());
  }

  @Test
  void portInUseIsRefusedAndWritesNothing() throws IOException {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = busy.getLocalPort();
      Path dir = tmp.resolve("data");
      Outcome o = run(sentinel(dir, "s1", "s1=127.0.0.1:" + port));
      assertEquals(1, o.exit(), o.err());
      assertEquals("rhizome sentinel: --port " + port + ": cannot listen on 127.0.0.1:" + port
          + " (already in use)", o.err());
      assertFalse(Files.exists(dir));
    }
  }

  @Test
  void httpPortInUseIsRefusedAndWritesNothing() throws IOException {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = busy.getLocalPort();
      Path dir = tmp.resolve("data");
      Outcome o = run(sentinel(dir, "s1", "s1=127.0.0.1:" + freePort(), "--http-port", Integer.toString(port)));
      assertEquals(1, o.exit(), o.err());
      assertEquals("rhizome sentinel: --http-port " + port + ": cannot listen on 127.0.0.1:" + port
          + " (already in use)", o.err());
      assertFalse(Files.exists(dir));
    }
  }

  @Test
  void lockedDataDirIsRefused() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("data"));
    try (DataDirLock held = DataDirLock.acquire(dir.resolve("sentinel.lock"), "sentinel")) {
      Outcome o = run(sentinel(dir, "s1", "s1=127.0.0.1:" + freePort()));
      assertEquals(1, o.exit(), o.err());
      assertTrue(o.err().contains("is in use by another sentinel"), o.err());
      try (Stream<Path> files = Files.list(dir)) {
        assertEquals(List.of(dir.resolve("sentinel.lock")), files.toList());
      }
    }
  }

  @Test
  void dataDirOfAnotherClusterIsRefused() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("data"));
    Files.writeString(dir.resolve("sentinel.properties"), "cluster-name=other\nid=s1\n");
    Outcome o = run(sentinel(dir, "s1", "s1=127.0.0.1:" + freePort()));
    assertEquals(1, o.exit(), o.err());
    assertTrue(o.err().contains("belongs to cluster 'other', not 'c1'"), o.err());
    assertEquals("cluster-name=other\nid=s1\n", Files.readString(dir.resolve("sentinel.properties")));
  }

  @Test
  void dataDirOfAnotherSentinelIsRefused() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("data"));
    Files.writeString(dir.resolve("sentinel.properties"), "cluster-name=c1\nid=s2\n");
    Outcome o = run(sentinel(dir, "s1", "s1=127.0.0.1:" + freePort()));
    assertEquals(1, o.exit(), o.err());
    assertTrue(o.err().contains("belongs to sentinel 's2', not 's1'; use --id s2"), o.err());
  }

  @Test
  void dataDirHoldingAnotherRaftGroupIsRefused() throws IOException {
    Path dir = tmp.resolve("data");
    Path foreign = Files.createDirectories(dir.resolve("raft").resolve("02511d47-d67c-49a3-9011-abb3109a44c1"));
    Outcome o = run(sentinel(dir, "s1", "s1=127.0.0.1:" + freePort()));
    assertEquals(1, o.exit(), o.err());
    assertTrue(o.err().contains("holds another Raft group"), o.err());
    assertFalse(Files.exists(dir.resolve("raft").resolve(StoreGroup.ID.getUuid().toString())));
    assertTrue(Files.exists(foreign));
  }

  @Test
  void ctlWithoutEndpointsSaysWhatToSet() {
    Outcome o = run("ctl", "sentinel", "list");
    assertEquals(2, o.exit());
    assertTrue(o.err().startsWith("rhizomectl sentinel list: --store-endpoints is required"), o.err());
  }

  @Test
  void ctlAddWithMalformedPeerIsBadUsage() {
    Outcome o = run("ctl", "--store-endpoints", "127.0.0.1:1", "sentinel", "add", "s4");
    assertEquals(2, o.exit());
    assertTrue(o.err().contains("'s4' is not ID=HOST:PORT"), o.err());
  }

}
