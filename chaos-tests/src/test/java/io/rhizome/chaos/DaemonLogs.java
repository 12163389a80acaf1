package io.rhizome.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The end of every daemon log of a test, printed for whoever reads a failure. */
final class DaemonLogs {
  private DaemonLogs() {}

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
