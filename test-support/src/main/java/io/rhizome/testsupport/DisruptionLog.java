package io.rhizome.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The disruptions the daemons of a test or benchmark logged, each with its time: read from their
 * text logs (a line starts with its ISO-8601 timestamp, docs/logging.md), by a marker per kind.
 */
public final class DisruptionLog {
  /** Log line markers, by the kind of disruption they show. */
  public static final Map<String, String> MARKERS = new LinkedHashMap<>();

  static {
    MARKERS.put("leaderChanges", "leader ready term=");
    MARKERS.put("failovers", "fencing proxies before promoting anyone");
    MARKERS.put("selfFences", "self-fenced");
    MARKERS.put("proxyDrops", "closing every connection and refusing new ones");
    MARKERS.put("proxyFences", "no master (proxy generation");
    MARKERS.put("leaseLapses", "lease stream ended");
  }

  public record Event(String kind, Instant at, String daemon) {}

  private final List<Event> events;

  private DisruptionLog(List<Event> events) {
    this.events = events;
  }

  /** Every marked line of every {@code *.log} in {@code dir}. */
  public static DisruptionLog read(Path dir) throws IOException {
    List<Event> events = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList()) {
        String daemon = f.getFileName().toString().replace(".log", "");
        for (String line : Files.readAllLines(f)) {
          MARKERS.forEach((kind, marker) -> {
            if (line.contains(marker)) {
              timestamp(line).ifPresent(at -> events.add(new Event(kind, at, daemon)));
            }
          });
        }
      }
    }
    return new DisruptionLog(events);
  }

  private static java.util.Optional<Instant> timestamp(String line) {
    int space = line.indexOf(' ');
    try {
      return space < 0 ? java.util.Optional.empty() : java.util.Optional.of(Instant.parse(line.substring(0, space)));
    } catch (DateTimeParseException e) {
      return java.util.Optional.empty();
    }
  }

  /** The events that fall in [from, to], in the order read. */
  public List<Event> between(Instant from, Instant to) {
    return events.stream().filter(e -> !e.at().isBefore(from) && !e.at().isAfter(to)).toList();
  }

  /** How many events of each kind fall in [from, to]. */
  public Map<String, Long> counts(Instant from, Instant to) {
    Map<String, Long> counts = new LinkedHashMap<>();
    MARKERS.keySet().forEach(k -> counts.put(k, 0L));
    for (Event e : events) {
      if (!e.at().isBefore(from) && !e.at().isAfter(to)) {
        counts.merge(e.kind(), 1L, Long::sum);
      }
    }
    return counts;
  }
}
