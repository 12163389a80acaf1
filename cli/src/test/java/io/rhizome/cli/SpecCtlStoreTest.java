package io.rhizome.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.JsonFormat;
import io.rhizome.cluster.ClusterKeys;
import io.rhizome.proto.cluster.ClusterData;
import io.rhizome.proto.cluster.ClusterStatus;
import io.rhizome.proto.cluster.InitMode;
import io.rhizome.proto.store.KeyValue;
import io.rhizome.store.PeerAddress;
import io.rhizome.store.StoreClient;
import io.rhizome.store.StoreClientConfig;
import io.rhizome.store.StoreServer;
import io.rhizome.store.StoreServerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** init, spec, update and clusterdata against a real one-peer store in this JVM. */
class SpecCtlStoreTest {
  private static final AtomicInteger CLUSTERS = new AtomicInteger();
  @TempDir static Path storeDir;
  static StoreServer server;
  static StoreClient client;
  static String endpoint;

  @TempDir Path tmp;
  String cluster;

  record Outcome(int exit, String out, String err) {}

  @BeforeAll
  static void startStore() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    PeerAddress peer = new PeerAddress("s1", "127.0.0.1", port);
    server = StoreServer.start(StoreServerConfig.of(peer, List.of(peer), storeDir.resolve("s1")));
    await().atMost(Duration.ofSeconds(60)).until(server::isLeaderReady);
    endpoint = "127.0.0.1:" + port;
    client = StoreClient.connect(StoreClientConfig.of(List.of(peer)).withRequestTimeout(Duration.ofSeconds(10)));
  }

  @AfterAll
  static void stopStore() throws IOException {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void newClusterName() {
    cluster = "c" + CLUSTERS.incrementAndGet();
  }

  Outcome ctl(String... command) {
    List<String> a = new ArrayList<>(List.of("ctl", "--cluster-name", cluster, "--store-endpoints", endpoint,
        "--store-timeout", "10s"));
    a.addAll(List.of(command));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(a.toArray(String[]::new), "rhizome", new PrintWriter(out, true), new PrintWriter(err, true));
    return new Outcome(exit, out.toString().trim(), err.toString().trim());
  }

  Outcome ok(String... command) {
    Outcome o = ctl(command);
    assertEquals(0, o.exit(), String.join(" ", command) + ": " + o.err());
    return o;
  }

  Optional<KeyValue> stored() {
    return client.get(new ClusterKeys(cluster).clusterData());
  }

  ClusterData clusterData() throws IOException {
    return ClusterData.parseFrom(stored().orElseThrow().getValue());
  }

  Path file(String content) throws IOException {
    Path f = Files.createTempFile(tmp, "in", ".json");
    Files.writeString(f, content);
    return f;
  }

  @Test
  void initWritesAFreshClusterWithTheDefaultSpec() throws IOException {
    Outcome o = ok("init");
    ClusterData cd = clusterData();
    assertTrue(o.out().contains("initialised cluster '" + cluster + "' (uid " + cd.getCluster().getUid()), o.out());
    assertTrue(cd.getCluster().getUid().matches("[0-9a-f]{8}"), cd.getCluster().getUid());
    assertEquals(1, cd.getFormatVersion());
    assertEquals(1, cd.getCluster().getGeneration());
    assertEquals(InitMode.NEW, cd.getCluster().getSpec().getInitMode());
    assertEquals(ClusterStatus.Phase.INITIALIZING, cd.getCluster().getStatus().getPhase());
    assertEquals(1, cd.getProxy().getGeneration());
    assertEquals("{\n  \"initMode\": \"new\"\n}", ok("spec").out());
  }

  @Test
  void initAgainIsRefusedAndChangesNothing() throws IOException {
    ok("init");
    KeyValue before = stored().orElseThrow();
    Outcome o = ctl("init", "--file", file("{\"initMode\":\"new\",\"failInterval\":\"3s\"}").toString());
    assertEquals(1, o.exit(), o.err());
    assertTrue(o.err().contains("is already initialised") && o.err().contains("data of the current one will be lost")
        && o.err().contains("--yes"), o.err());
    assertEquals(1, o.err().lines().count(), o.err());
    assertEquals(before.getModRevision(), stored().orElseThrow().getModRevision(), "nothing written");
  }

  @Test
  void initWithYesMakesANewCluster() throws IOException {
    ok("init");
    String oldUid = clusterData().getCluster().getUid();
    ok("init", "--yes", "--file", file("{\"initMode\":\"existing\",\"existingConfig\":{\"keeperUID\":\"k0\"}}")
        .toString());
    ClusterData cd = clusterData();
    assertNotEquals(oldUid, cd.getCluster().getUid());
    assertEquals(InitMode.EXISTING, cd.getCluster().getSpec().getInitMode());
    assertEquals("k0", cd.getCluster().getSpec().getExistingConfig().getKeeperUid());
  }

  @Test
  void specDefaultsFillsInEveryField() {
    ok("init", "--file", file0("{\"initMode\":\"new\",\"failInterval\":\"3s\"}"));
    String printed = ok("spec", "--defaults").out();
    for (String expected : List.of("\"sleepInterval\": \"500ms\"", "\"failInterval\": \"3s\"",
        "\"proxyTimeout\": \"3s\"", "\"maxStandbysPerSender\": 3", "\"pgHBA\": null", "\"selfFenceMode\": \"stop\"")) {
      assertTrue(printed.contains(expected), expected + " in " + printed);
    }
    assertEquals("{\n  \"failInterval\": \"3s\",\n  \"initMode\": \"new\"\n}", ok("spec").out());
  }

  String file0(String content) {
    try {
      return file(content).toString();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void updatePatchMergesValidatesAndBumpsTheGeneration() throws IOException {
    ok("init", "--file", file0("{\"initMode\":\"new\",\"pgParameters\":{\"work_mem\":\"4MB\"}}"));
    Outcome o = ok("update", "--patch",
        "{\"synchronousReplication\":true,\"pgParameters\":{\"work_mem\":null,\"max_connections\":\"200\"}}");
    assertTrue(o.out().contains("(generation 2)"), o.out());
    ClusterData cd = clusterData();
    assertEquals(2, cd.getCluster().getGeneration());
    assertTrue(cd.getCluster().getSpec().getSynchronousReplication());
    assertEquals(java.util.Map.of("max_connections", "200"), cd.getCluster().getSpec().getPgParametersMap());

    assertEquals("the spec is unchanged; nothing written", ok("update", "--patch", "{\"synchronousReplication\":true}").out());
    assertEquals(2, clusterData().getCluster().getGeneration());

    long revision = stored().orElseThrow().getModRevision();
    Outcome bad = ctl("update", "--patch", "{\"minSynchronousStandbys\":2}");
    assertEquals(2, bad.exit(), bad.err());
    assertTrue(bad.err().contains("spec.maxSynchronousStandbys (1) must be >= minSynchronousStandbys (2)"), bad.err());
    assertEquals(revision, stored().orElseThrow().getModRevision(), "nothing written");
  }

  @Test
  void updateRefusesAnInitModeChange() throws IOException {
    ok("init");
    long revision = stored().orElseThrow().getModRevision();
    Outcome o = ctl("update", "--patch", "{\"initMode\":\"existing\",\"existingConfig\":{\"keeperUID\":\"k0\"}}");
    assertEquals(1, o.exit(), o.err());
    assertTrue(o.err().contains("spec.initMode cannot change after init (from \"new\" to \"existing\")"), o.err());
    assertEquals(revision, stored().orElseThrow().getModRevision(), "nothing written");

    o = ctl("update", "--file", file0("{\"initMode\":\"existing\",\"existingConfig\":{\"keeperUID\":\"k0\"}}"));
    assertEquals(1, o.exit(), o.err());
    assertEquals(revision, stored().orElseThrow().getModRevision(), "nothing written");
  }

  @Test
  void updateFileReplacesTheWholeSpec() throws IOException {
    ok("init", "--file", file0("{\"initMode\":\"new\",\"failInterval\":\"3s\"}"));
    ok("update", "--file", file0("{\"initMode\":\"new\",\"sleepInterval\":\"1s\"}"));
    assertEquals("{\n  \"sleepInterval\": \"1s\",\n  \"initMode\": \"new\"\n}", ok("spec").out());
  }

  @Test
  void commandsOnAClusterNotInitialisedAreRefused() {
    for (String[] command : List.of(new String[] {"spec"}, new String[] {"update", "--patch", "{}"},
        new String[] {"clusterdata", "read"})) {
      Outcome o = ctl(command);
      assertEquals(1, o.exit(), o.err());
      assertTrue(o.err().contains("cluster '" + cluster + "' is not initialised (run 'rhizomectl init' first)"), o.err());
    }
    assertFalse(stored().isPresent());
  }

  @Test
  void clusterDataReadAndWriteRoundTrip() throws IOException {
    ok("init", "--file", file0("{\"initMode\":\"new\",\"pgHBA\":[]}"));
    ClusterData original = clusterData();
    String compact = ok("clusterdata", "read").out();
    assertEquals(1, compact.lines().count(), compact);
    String pretty = ok("clusterdata", "read", "--pretty").out();
    assertTrue(pretty.lines().count() > 1, pretty);
    ClusterData.Builder parsed = ClusterData.newBuilder();
    JsonFormat.parser().merge(pretty, parsed);
    assertEquals(original, parsed.build());

    // onto an existing cluster: refused without --yes
    ClusterData edited = original.toBuilder().setCluster(original.getCluster().toBuilder().setGeneration(7)).build();
    Path f = file(JsonFormat.printer().print(edited));
    Outcome o = ctl("clusterdata", "write", "--file", f.toString());
    assertEquals(1, o.exit(), o.err());
    assertTrue(o.err().contains("already has cluster data") && o.err().contains("--yes"), o.err());
    assertEquals(original, clusterData());

    ok("clusterdata", "write", "--yes", "--file", f.toString());
    assertEquals(edited, clusterData());
    assertTrue(clusterData().getCluster().getSpec().hasPgHba(), "pgHBA [] survives");

    // into an empty cluster name: no --yes needed
    cluster = cluster + "-copy";
    ok("clusterdata", "write", "--file", f.toString());
    assertEquals(edited, clusterData());
  }
}
