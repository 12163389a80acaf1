package io.rhizome.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The end of every daemon log of a test, printed for whoever reads a failure. */
final class DaemonLogs {
  private DaemonLogs() {}

  /**
   * With {@code -Dchaos.logs.keep=DIR}, copies every daemon log and JVM log of the test to
   * {@code DIR/<test dir name>} before the test's temporary directory is deleted: a rare failure
   * often starts long before the last 40 lines.
   */
  static void keep(Path dir) throws IOException {
    String keep = System.getProperty("chaos.logs.keep");
    if (keep == null || keep.isBlank()) {
      return;
    }
    Path to = Path.of(keep).resolve(dir.getParent().getFileName() + "-" + dir.getFileName());
    try (var files = Files.walk(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".log") || p.toString().endsWith(".jvm-log")
          || p.toString().endsWith(".out")).toList()) {
        Path target = to.resolve(dir.relativize(f));
        Files.createDirectories(target.getParent());
        Files.copy(f, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
    System.out.println("chaos: daemon logs kept in " + to);
  }

  static void printTails(Path dir) throws IOException {
    try (var logs = Files.list(dir)) {
      for (Path log : logs.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
        List<String> lines = Files.readAllLines(log);
        System.out.println("---- " + log.getFileName() + " (last 40 lines) ----");
        lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(System.out::println);
      }
    }
    // PostgreSQL's own log, in each keeper's dir
    try (var dirs = Files.list(dir)) {
      for (Path d : dirs.filter(Files::isDirectory).sorted().toList()) {
        Path pgLog = d.resolve("postgresql.log");
        if (Files.exists(pgLog)) {
          List<String> lines = Files.readAllLines(pgLog);
          System.out.println("---- " + d.getFileName() + "/postgresql.log (last 20 lines) ----");
          lines.subList(Math.max(0, lines.size() - 20), lines.size()).forEach(System.out::println);
        }
      }
    }
  }
}
