package io.rhizome.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The stops of the world that daemons' JVMs logged ({@code -Xlog:gc,safepoint:file=<name>.jvm-log:time},
 * see {@link #loggingOptions}): when a test sees a daemon go silent, this says whether its JVM
 * stopped, for how long and when. A safepoint's total counts the wait for every thread to reach
 * it, which on a saturated CPU can be most of the stop.
 */
public final class JvmPauses {
  /** The suffix of a daemon's JVM log, beside its own {@code <name>.log}. */
  public static final String SUFFIX = ".jvm-log";
  private static final Pattern SAFEPOINT = Pattern.compile(
      "^\\[([^\\]]+)\\] Safepoint \"([^\"]+)\".*Total: (\\d+) ns");

  /** One stop: which daemon, when (the log's own timestamp text), what, and how long. */
  public record Pause(String daemon, String at, String operation, Duration length) {
    @Override
    public String toString() {
      return daemon + " " + length.toMillis() + " ms (" + operation + ") at " + at;
    }
  }

  private JvmPauses() {}

  /** The JVM options that write a daemon's stops beside {@code daemonLog} ({@code x.log} → {@code x.jvm-log}). */
  public static List<String> loggingOptions(Path daemonLog) {
    String name = daemonLog.getFileName().toString().replaceFirst("\\.log$", "");
    Path file = daemonLog.resolveSibling(name + SUFFIX);
    return List.of("-Xlog:gc,safepoint:file=" + file + ":time");
  }

  /** Every stop of at least {@code atLeast} in the JVM logs in {@code dir}, longest first. */
  public static List<Pause> longerThan(Path dir, Duration atLeast) throws IOException {
    List<Pause> pauses = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList()) {
        String daemon = f.getFileName().toString().replace(SUFFIX, "");
        for (String line : Files.readAllLines(f)) {
          parse(daemon, line).filter(p -> p.length().compareTo(atLeast) >= 0).ifPresent(pauses::add);
        }
      }
    }
    pauses.sort(Comparator.comparing(Pause::length).reversed());
    return pauses;
  }

  static java.util.Optional<Pause> parse(String daemon, String line) {
    Matcher m = SAFEPOINT.matcher(line);
    if (!m.find()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new Pause(daemon, m.group(1), m.group(2), Duration.ofNanos(Long.parseLong(m.group(3)))));
  }
}
