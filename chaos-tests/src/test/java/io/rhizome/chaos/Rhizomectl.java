package io.rhizome.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rhizome.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/** rhizomectl run inside the test JVM, exactly as bin/rhizomectl parses it. */
final class Rhizomectl {
  private Rhizomectl() {}

  /**
   * {@code init}, for an await that retries it: true once the cluster exists. An attempt whose
   * write was applied but whose reply timed out (a slow first call to a new sentinel) makes the
   * retry find the cluster "already initialised": that is success too.
   */
  static boolean init(String cluster, String endpoints, String... args) {
    List<String> all = new ArrayList<>(List.of("ctl", "--cluster-name", cluster, "--store-endpoints", endpoints, "init"));
    all.addAll(List.of(args));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(all.toArray(String[]::new), "rhizome", new PrintWriter(out, true), new PrintWriter(err, true));
    return exit == 0 ? out.toString().startsWith("initialised cluster") : err.toString().contains("is already initialised");
  }

  /** Runs one command and returns its output; fails the test on a non-zero exit. */
  static String run(String cluster, String endpoints, String... args) {
    List<String> all = new ArrayList<>(List.of("ctl", "--cluster-name", cluster, "--store-endpoints", endpoints));
    all.addAll(List.of(args));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(all.toArray(String[]::new), "rhizome", new PrintWriter(out, true), new PrintWriter(err, true));
    assertEquals(0, exit, "rhizomectl " + String.join(" ", args) + ": " + err);
    return out.toString();
  }

  /** Runs one command that must fail, and returns its error output. */
  static String runExpectingFailure(String cluster, String endpoints, String... args) {
    List<String> all = new ArrayList<>(List.of("ctl", "--cluster-name", cluster, "--store-endpoints", endpoints));
    all.addAll(List.of(args));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(all.toArray(String[]::new), "rhizome", new PrintWriter(out, true), new PrintWriter(err, true));
    org.junit.jupiter.api.Assertions.assertNotEquals(0, exit, "rhizomectl " + String.join(" ", args) + " succeeded: " + out);
    return err.toString();
  }
}
