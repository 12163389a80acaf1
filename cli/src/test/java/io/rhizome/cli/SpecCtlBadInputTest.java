package io.rhizome.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/**
 * Bad input to init, update and clusterdata write is refused before the store is contacted: one
 * line, exit 2. The store endpoint here has nothing listening, so any attempt to reach it would
 * show as a store error instead of the expected message.
 */
class SpecCtlBadInputTest {
  @TempDir Path tmp;

  record Outcome(int exit, String out, String err) {}

  static Outcome run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(args, "rhizome", new PrintWriter(out, true), new PrintWriter(err, true));
    return new Outcome(exit, out.toString().trim(), err.toString().trim());
  }

  static int deadPort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static String[] ctl(String... command) {
    List<String> a = new ArrayList<>(List.of("ctl", "--cluster-name", "c1",
        "--store-endpoints", "127.0.0.1:" + deadPort(), "--store-timeout", "1s"));
    a.addAll(List.of(command));
    return a.toArray(String[]::new);
  }

  Path file(String name, String content) throws IOException {
    Path f = tmp.resolve(name);
    Files.writeString(f, content);
    return f;
  }

  static Stream<Arguments> badSpecs() {
    return Stream.of(
        Arguments.of("{\"initMode\":\"new\",\"failInterval\":\"4x\"}", "spec.failInterval: \"4x\" is not a duration (use e.g. \"4s\")"),
        Arguments.of("{\"initMode\":\"new\",\"bogus\":1}", "spec.bogus is not a known field"),
        Arguments.of("{\"initMode\":\"pitr\"}", "spec.initMode: \"pitr\" is not supported yet"),
        Arguments.of("{\"initMode\":\"new\",\"pitrConfig\":{}}", "spec.pitrConfig is not supported"),
        Arguments.of("{}", "spec.initMode is required"),
        Arguments.of("{\"initMode\":\"new\",\"proxyCheckInterval\":\"2s\",\"proxyTimeout\":\"2s\"}",
            "spec.proxyCheckInterval (2s) must be less than proxyTimeout (2s)"),
        Arguments.of("{\"initMode\":\"new\",\"minSynchronousStandbys\":2,\"maxSynchronousStandbys\":1}",
            "spec.maxSynchronousStandbys (1) must be >= minSynchronousStandbys (2)"),
        Arguments.of("{\"initMode\":\"new\",\"failInterval\":\"x\",\"maxStandbys\":0,",
            "the spec is not valid JSON"),
        Arguments.of("{\"initMode\":\"new\",\"pgHBA\":[\"a\\nb\"]}", "spec.pgHBA[0] contains a newline"));
  }

  @ParameterizedTest(name = "init: {1}")
  @MethodSource("badSpecs")
  void initRefusesABadSpec(String spec, String expected) throws IOException {
    Outcome o = run(ctl("init", "--file", file("spec.json", spec).toString()));
    assertEquals(2, o.exit(), o.err());
    assertTrue(o.err().startsWith("rhizomectl init: ") && o.err().contains(expected), o.err());
    assertEquals(1, o.err().lines().count(), "one line: " + o.err());
  }

  @ParameterizedTest(name = "update --file: {1}")
  @MethodSource("badSpecs")
  void updateRefusesABadSpec(String spec, String expected) throws IOException {
    Outcome o = run(ctl("update", "--file", file("spec.json", spec).toString()));
    assertEquals(2, o.exit(), o.err());
    assertTrue(o.err().contains(expected), o.err());
    assertEquals(1, o.err().lines().count(), "one line: " + o.err());
  }

  static Stream<Arguments> usageErrors() {
    return Stream.of(
        Arguments.of(new String[] {"init", "--file", "/nonexistent/spec.json"}, "--file /nonexistent/spec.json: no such file"),
        Arguments.of(new String[] {"init", "--bogus"}, "Unknown option: '--bogus'"),
        Arguments.of(new String[] {"update"}, "give either --patch JSON (merge into the current spec) or --file FILE"),
        Arguments.of(new String[] {"update", "--patch", "{}", "--file", "x"}, "give either --patch JSON"),
        Arguments.of(new String[] {"update", "--patch", "{\"failInterval\": }"}, "the patch is not valid JSON"),
        Arguments.of(new String[] {"update", "--patch", "[]"}, "the patch must be a JSON object"),
        Arguments.of(new String[] {"clusterdata"}, "missing command: use 'read' or 'write'"),
        Arguments.of(new String[] {"clusterdata", "write"}, "--file is required"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("usageErrors")
  void badUsageIsOneLineAndExit2(String[] command, String expected) {
    Outcome o = run(ctl(command));
    assertEquals(2, o.exit(), o.err());
    assertTrue(o.err().contains(expected), o.err());
    assertEquals(1, o.err().lines().count(), "one line: " + o.err());
  }

  @Test
  void clusterDataWriteRefusesWhatIsNotClusterData() throws IOException {
    Outcome o = run(ctl("clusterdata", "write", "--file", file("cd.json", "{\"formatVersion\": 1, \"bogus\": 2}").toString()));
    assertEquals(2, o.exit(), o.err());
    assertTrue(o.err().contains("is not cluster data JSON"), o.err());
    assertEquals(1, o.err().lines().count(), "one line: " + o.err());

    o = run(ctl("clusterdata", "write", "--file", file("cd.json", "{\"formatVersion\": 2}").toString()));
    assertEquals(2, o.exit(), o.err());
    assertTrue(o.err().contains("formatVersion 2 is not 1"), o.err());

    o = run(ctl("clusterdata", "write", "--file", file("cd.json",
        "{\"formatVersion\": 1, \"cluster\": {\"uid\": \"u1\", \"spec\": {\"initMode\": \"NEW\", \"maxStandbys\": 0}}}")
        .toString()));
    assertEquals(2, o.exit(), o.err());
    assertTrue(o.err().contains("spec.maxStandbys (0) must be at least 1"), o.err());
  }

  @Test
  void anUnreachableStoreFailsWithTheStoresError() {
    for (String[] command : List.of(new String[] {"init"}, new String[] {"spec"}, new String[] {"spec", "--defaults"},
        new String[] {"update", "--patch", "{\"failInterval\":\"3s\"}"}, new String[] {"clusterdata", "read"})) {
      Outcome o = run(ctl(command));
      assertEquals(1, o.exit(), String.join(" ", command) + ": " + o.err());
      assertTrue(o.err().contains("no quorum reachable"), o.err());
      assertEquals(1, o.err().lines().count(), "one line: " + o.err());
    }
  }

  @Test
  void aMissingClusterNameIsUsage() {
    Outcome o = run("ctl", "--store-endpoints", "127.0.0.1:" + deadPort(), "--store-timeout", "1s", "spec");
    assertEquals(2, o.exit(), o.err());
    assertTrue(o.err().contains("--cluster-name is required"), o.err());
  }
}
