package io.rhizome.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad proxy input: one line naming the problem and the right exit code. */
class ProxyBadInputTest {
  record Outcome(int exit, String out, String err) {}

  private Outcome run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(args, "rhizome", new PrintWriter(out, true), new PrintWriter(err, true));
    return new Outcome(exit, out.toString(), err.toString().trim());
  }

  private static String[] proxy(String... extra) {
    List<String> a = new ArrayList<>(List.of("proxy", "--cluster-name", "c1",
        "--store-endpoints", "127.0.0.1:1"));
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  static Stream<Arguments> usageErrors() {
    return Stream.of(
        Arguments.of("no store endpoints", new String[] {"proxy", "--cluster-name", "c1"}, "--store-endpoints is required"),
        Arguments.of("no cluster name", new String[] {"proxy", "--store-endpoints", "127.0.0.1:7001"}, "--cluster-name is required"),
        Arguments.of("bad port", proxy("--port", "70000"), "--port 70000 is not a port"),
        Arguments.of("same read-only port", proxy("--port", "6000", "--read-only-port", "6000"), "is the same as --port"),
        Arguments.of("strict without read-only port", proxy("--read-only-strict"), "--read-only-strict needs --read-only-port"),
        Arguments.of("bad hold timeout", proxy("--hold-timeout", "soon"), "--hold-timeout: \"soon\" is not a duration"),
        Arguments.of("bad keepalive", proxy("--tcp-keepalive-idle", "x"), "--tcp-keepalive-idle: \"x\" is not a duration"),
        Arguments.of("no event loop", proxy("--event-loops", "0"), "--event-loops 0 is out of range (use 1-64"),
        Arguments.of("bad id", proxy("--id", "Proxy One"), "--id 'Proxy One' is not valid"),
        Arguments.of("bad http port", proxy("--http-port", "65536"), "--http-port 65536 is not a port (use 1-65535)"),
        Arguments.of("empty http address", proxy("--http-port", "8008", "--http-address", " "), "--http-address is empty"),
        Arguments.of("unknown flag", proxy("--stop-listening"), "Unknown option: '--stop-listening'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("usageErrors")
  void badUsageIsOneLineAndExitTwo(String name, String[] args, String expected) {
    Outcome o = run(args);
    assertEquals(2, o.exit(), o.err());
    assertTrue(o.err().startsWith("rhizome proxy: "), o.err());
    assertTrue(o.err().contains(expected), o.err());
    assertEquals(1, o.err().lines().count(), o.err());
  }

  @Test
  void aPortInUseIsOneLineAndExitOne() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Outcome o = run(proxy("--port", Integer.toString(taken.getLocalPort())));
      assertEquals(1, o.exit(), o.err());
      assertTrue(o.err().startsWith("rhizome proxy: 127.0.0.1:" + taken.getLocalPort()
          + " (--port) cannot be bound"), o.err());
      assertEquals(1, o.err().lines().count(), o.err());
    }
  }

  @Test
  void anHttpPortInUseIsOneLineAndExitOneBeforeAnyClientPortOpens() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int clientPort = probe.getLocalPort();
      probe.close();
      Outcome o = run(proxy("--port", Integer.toString(clientPort), "--http-port", Integer.toString(taken.getLocalPort())));
      assertEquals(1, o.exit(), o.err());
      assertEquals("rhizome proxy: --http-port " + taken.getLocalPort() + ": cannot listen on 127.0.0.1:"
          + taken.getLocalPort() + " (already in use)", o.err());
    }
  }

  @Test
  void helpListsTheStolonFlags() {
    Outcome o = run("proxy", "--help");
    assertEquals(0, o.exit());
    for (String flag : List.of("--cluster-name", "--store-endpoints", "--listen-address", "--port",
        "--read-only-port", "--read-only-strict", "--hold-timeout", "--tcp-keepalive-idle",
        "--tcp-keepalive-interval", "--tcp-keepalive-count", "--tls-cert", "--id", "--http-address", "--http-port", "--event-loops")) {
      assertTrue(o.out().contains(flag), flag + " missing from:\n" + o.out());
    }
  }
}
