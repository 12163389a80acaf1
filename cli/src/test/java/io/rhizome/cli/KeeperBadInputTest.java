package io.rhizome.cli;

import static io.rhizome.testsupport.LoopbackPorts.freePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rhizome.node.common.DataDirLock;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad keeper input: one line naming the problem and the fix, the right exit code, nothing written. */
class KeeperBadInputTest {
  @TempDir Path tmp;
  Path su;
  Path repl;

  record Outcome(int exit, String err) {}

  @BeforeEach
  void passwordFiles() throws IOException {
    su = secret("su", "su-password\n");
    repl = secret("repl", "repl-password\n");
  }

  Path secret(String name, String content) throws IOException {
    Path f = tmp.resolve(name);
    Files.writeString(f, content);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    return f;
  }

  private Outcome run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(args, "rhizome", new PrintWriter(out, true), new PrintWriter(err, true));
    return new Outcome(exit, err.toString().trim());
  }

  /** A complete, valid command line with {@code replace} pairs (flag, value; value null = drop the flag). */
  String[] keeper(String... replace) {
    List<String> a = new ArrayList<>(List.of("keeper", "--cluster-name", "c1", "--id", "k1",
        "--data-dir", tmp.resolve("k1").toString(), "--store-endpoints", "127.0.0.1:7001",
        "--pg-listen-address", "127.0.0.1", "--pg-port", "5433",
        "--pg-su-passwordfile", su.toString(), "--pg-repl-passwordfile", repl.toString()));
    for (int i = 0; i < replace.length; i += 2) {
      int at = a.indexOf(replace[i]);
      if (at >= 0) {
        a.remove(at);
        a.remove(at);
      }
      if (replace[i + 1] != null) {
        a.addAll(List.of(replace[i], replace[i + 1]));
      }
    }
    return a.toArray(String[]::new);
  }

  static Stream<Arguments> usageErrors() {
    return Stream.of(
        Arguments.of(new String[] {"--cluster-name", null}, "--cluster-name is required (or set RHIZOME_CLUSTER_NAME)"),
        Arguments.of(new String[] {"--id", null}, "--id is required"),
        Arguments.of(new String[] {"--id", "Keeper 1"}, "--id 'Keeper 1' is not valid"),
        Arguments.of(new String[] {"--data-dir", null}, "--data-dir is required"),
        Arguments.of(new String[] {"--store-endpoints", null}, "--store-endpoints is required"),
        Arguments.of(new String[] {"--store-endpoints", "127.0.0.1"}, "is not HOST:PORT"),
        Arguments.of(new String[] {"--pg-listen-address", null}, "--pg-listen-address is required"),
        Arguments.of(new String[] {"--pg-port", "70000"}, "--pg-port 70000 is not a port"),
        Arguments.of(new String[] {"--pg-auth-method", "trust"}, "--pg-auth-method 'trust' is not supported"),
        Arguments.of(new String[] {"--callback-timeout", "0s"}, "--callback-timeout 0s must be positive"),
        Arguments.of(new String[] {"--callback-timeout", "soon"}, "--callback-timeout"),
        Arguments.of(new String[] {"--on-role-change", "/nonexistent/hook.sh"}, "--on-role-change: /nonexistent/hook.sh is not an executable file"),
        Arguments.of(new String[] {"--log-format", "xml"}, "--log-format 'xml' is not text or json"),
        Arguments.of(new String[] {"--pg-su-passwordfile", null}, "--pg-su-passwordfile is required"),
        Arguments.of(new String[] {"--pg-repl-passwordfile", null}, "--pg-repl-passwordfile is required"),
        Arguments.of(new String[] {"--pg-su-passwordfile", "/nonexistent/su"}, "--pg-su-passwordfile"),
        Arguments.of(new String[] {"--store-timeout", "soon"}, "--store-timeout"),
        Arguments.of(new String[] {"--http-port", "0"}, "--http-port 0 is not a port (use 1-65535)"),
        Arguments.of(new String[] {"--http-port", "70000"}, "--http-port 70000 is not a port"),
        Arguments.of(new String[] {"--http-port", "8008", "--http-address", "no-such-host.invalid"},
            "--http-address 'no-such-host.invalid' does not resolve"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("usageErrors")
  void badUsageIsOneLineAndExit2(String[] replace, String expected) {
    Outcome o = run(keeper(replace));
    assertEquals(2, o.exit(), o.err());
    assertTrue(o.err().contains(expected), o.err());
    assertEquals(1, o.err().lines().count(), "one line: " + o.err());
    assertFalse(Files.exists(tmp.resolve("k1")), "nothing written");
  }

  @Test
  void anEmptyPasswordFileIsRefused() throws IOException {
    Path empty = secret("empty", "\n");
    Outcome o = run(keeper("--pg-repl-passwordfile", empty.toString()));
    assertEquals(2, o.exit(), o.err());
    assertTrue(o.err().contains("--pg-repl-passwordfile") && o.err().contains("empty"), o.err());
  }

  @Test
  void aBinDirWithoutInitdbIsRefused() throws IOException {
    assumeFalse(isRoot(), "as root the keeper refuses before looking for binaries");
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Outcome o = run(keeper("--pg-bin-path", bin.toString()));
    assertEquals(2, o.exit(), o.err());
    assertTrue(o.err().contains("--pg-bin-path") && o.err().contains("initdb"), o.err());
  }

  @Test
  void aPortInUseIsRefusedBeforeAnythingIsWritten() throws IOException {
    assumeFalse(isRoot(), "as root the keeper refuses first");
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Outcome o = run(keeper("--pg-port", Integer.toString(busy.getLocalPort())));
      assertEquals(1, o.exit(), o.err());
      assertTrue(o.err().contains("--pg-port " + busy.getLocalPort()) && o.err().contains("already in use"), o.err());
    }
    assertFalse(Files.exists(tmp.resolve("k1")), "nothing written");
  }

  @Test
  void anHttpPortInUseIsRefusedBeforeAnythingIsWritten() throws IOException {
    assumeFalse(isRoot(), "as root the keeper refuses first");
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = busy.getLocalPort();
      Outcome o = run(keeper("--pg-port", Integer.toString(freePort()), "--http-port", Integer.toString(port)));
      assertEquals(1, o.exit(), o.err());
      assertEquals("rhizome keeper: --http-port " + port + ": cannot listen on 127.0.0.1:" + port
          + " (already in use)", o.err());
    }
    assertFalse(Files.exists(tmp.resolve("k1")), "nothing written");
  }

  @Test
  void aDataDirOfAnotherClusterIsRefused() throws IOException {
    assumeFalse(isRoot(), "as root the keeper refuses first");
    Path dir = Files.createDirectories(tmp.resolve("k1"));
    Files.writeString(dir.resolve("keeper.properties"), "cluster-name=other\nid=k1\n");
    Outcome o = run(keeper());
    assertEquals(1, o.exit(), o.err());
    assertTrue(o.err().contains("belongs to cluster 'other'"), o.err());
    assertEquals(List.of("keeper.lock", "keeper.properties"), Arrays.stream(dir.toFile().list()).sorted().toList());
  }

  @Test
  void aDataDirInUseIsRefused() throws IOException {
    assumeFalse(isRoot(), "as root the keeper refuses first");
    Path dir = Files.createDirectories(tmp.resolve("k1"));
    try (DataDirLock held = DataDirLock.acquire(dir.resolve("keeper.lock"), "keeper")) {
      Outcome o = run(keeper());
      assertEquals(1, o.exit(), o.err());
      assertTrue(o.err().contains("in use by another keeper"), o.err());
    }
  }

  @Test
  void rootIsRefused() {
    assumeTrue(isRoot(), "only root can see this refusal");
    Outcome o = run(keeper());
    assertEquals(1, o.exit(), o.err());
    assertTrue(o.err().contains("must not run as root"), o.err());
  }

  static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }
}
