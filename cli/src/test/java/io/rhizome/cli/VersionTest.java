package io.rhizome.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VersionTest {

  @ParameterizedTest
  @ValueSource(strings = {"--version", "-V", "ctl --version", "ctl -V"})
  void bothProgramsPrintTheProjectVersion(String args) {
    StringWriter out = new StringWriter();
    int exit = Main.run(args.split(" "), "rhizome", new PrintWriter(out, true), new PrintWriter(new StringWriter()));
    assertEquals(0, exit);
    String first = out.toString().lines().findFirst().orElse("");
    // the Maven project version, filtered into version.properties: never "dev" from a build
    assertTrue(first.matches("rhizome \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), first);
  }
}
