package io.rhizome.chaos;

import io.rhizome.chaos.WriteRecord.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Judges a scenario from what the clients saw and what the cluster holds at the end. Pure: no
 * I/O, no clock. What it proves:
 *
 * <ul>
 *   <li>every acknowledged write is on the final primary (sync mode); in async mode the lost ones
 *       are counted and must stay under a bound;
 *   <li>no write that failed before its COMMIT was sent is there;
 *   <li>one cluster: every acknowledgement and the final primary share one system identifier;
 *   <li>no split brain: a <em>reign</em> is one server's time as primary, (port, timeline). If
 *       reign A acknowledged a write that ended before one of reign B started, and B one that
 *       ended before one of A started, both took writes in the same stretch of time;
 *   <li>timelines only grow: a reign that wrote strictly before another has a lower timeline;
 *   <li>the end state: exactly one primary, and every other keeper (old primaries included) is
 *       a standby streaming from it.
 * </ul>
 */
final class WriteChecker {
  private WriteChecker() {}

  /** Sync mode loses nothing; async mode may lose up to {@code maxLost} acknowledged writes. */
  record Expectation(boolean synchronous, long maxLost) {
    static Expectation sync() {
      return new Expectation(true, 0);
    }

    static Expectation async(long maxLost) {
      return new Expectation(false, maxLost);
    }

    /** Switchovers and faults that cannot lose anything: zero loss even in async mode. */
    static Expectation noLoss() {
      return new Expectation(false, 0);
    }
  }

  /**
   * One keeper's PostgreSQL at the end, read directly (not through the proxy).
   *
   * @param upstreamPort the real port of the server it streams from; 0 when not streaming
   */
  record Member(String keeper, int port, boolean reachable, boolean inRecovery, int upstreamPort) {}

  /** The cluster at the end: the primary's identity, the ids it holds, and every keeper. */
  record FinalState(int primaryPort, long systemId, int timeline, Set<Long> ids, List<Member> members) {}

  record Reign(int port, int timeline) {
    @Override
    public String toString() {
      return "port " + port + " timeline " + timeline;
    }
  }

  record Verdict(List<String> violations, int acked, int failed, int unknown, int unknownCommitted, int lost,
      List<Reign> reigns, Duration longestGapBetweenAcks) {
    boolean ok() {
      return violations.isEmpty();
    }

    String summary() {
      return "acked=" + acked + " failed=" + failed + " unknown=" + unknown + " (committed " + unknownCommitted
          + ") lost=" + lost + " reigns=" + reigns + " longestGap=" + longestGapBetweenAcks.toMillis() + "ms"
          + (ok() ? "" : " VIOLATIONS: " + String.join("; ", violations));
    }
  }

  static Verdict check(List<WriteRecord> writes, FinalState end, Expectation expectation) {
    List<String> violations = new ArrayList<>();
    List<WriteRecord> acks = writes.stream().filter(w -> w.outcome() == Outcome.ACK).toList();

    // durability
    List<Long> lost = acks.stream().map(WriteRecord::id).filter(id -> !end.ids().contains(id)).sorted().toList();
    if (expectation.synchronous() && !lost.isEmpty()) {
      violations.add(lost.size() + " acknowledged writes are not on the final primary (sync mode), e.g. ids "
          + first(lost));
    } else if (lost.size() > expectation.maxLost()) {
      violations.add(lost.size() + " acknowledged writes lost, more than the bound " + expectation.maxLost()
          + ", e.g. ids " + first(lost));
    }
    List<Long> phantoms = writes.stream().filter(w -> w.outcome() == Outcome.FAILED).map(WriteRecord::id)
        .filter(end.ids()::contains).sorted().toList();
    if (!phantoms.isEmpty()) {
      violations.add(phantoms.size() + " writes that failed before COMMIT are on the primary, e.g. ids "
          + first(phantoms));
    }
    int unknownCommitted = (int) writes.stream()
        .filter(w -> w.outcome() == Outcome.UNKNOWN && end.ids().contains(w.id())).count();

    // one cluster
    Set<Long> systems = acks.stream().map(w -> w.server().systemId()).collect(Collectors.toCollection(TreeSet::new));
    systems.add(end.systemId());
    if (systems.size() > 1) {
      violations.add("writes were acknowledged by " + systems.size() + " different clusters (system identifiers "
          + systems + "): a second cluster was initialised");
    }

    // reigns: split brain and timeline order
    Map<Reign, List<WriteRecord>> byReign = acks.stream().collect(Collectors.groupingBy(
        w -> new Reign(w.server().port(), w.server().timeline()), LinkedHashMap::new, Collectors.toList()));
    Map<Reign, WriteRecord> earliestEnd = new LinkedHashMap<>();
    Map<Reign, WriteRecord> latestStart = new LinkedHashMap<>();
    byReign.forEach((r, ws) -> {
      earliestEnd.put(r, ws.stream().min(Comparator.comparingLong(WriteRecord::endNanos)).orElseThrow());
      latestStart.put(r, ws.stream().max(Comparator.comparingLong(WriteRecord::startNanos)).orElseThrow());
    });
    List<Reign> reigns = new ArrayList<>(byReign.keySet());
    reigns.sort(Comparator.comparingLong(r -> earliestEnd.get(r).endNanos()));
    for (int i = 0; i < reigns.size(); i++) {
      for (int j = i + 1; j < reigns.size(); j++) {
        Reign a = reigns.get(i);
        Reign b = reigns.get(j);
        boolean aThenB = earliestEnd.get(a).endNanos() < latestStart.get(b).startNanos();
        boolean bThenA = earliestEnd.get(b).endNanos() < latestStart.get(a).startNanos();
        if (aThenB && bThenA) {
          violations.add("split brain: " + a + " and " + b + " both took writes in the same stretch of time (id "
              + earliestEnd.get(a).id() + " on " + a + " was acknowledged before id " + latestStart.get(b).id()
              + " on " + b + " began, and id " + earliestEnd.get(b).id() + " on " + b
              + " was acknowledged before id " + latestStart.get(a).id() + " on " + a + " began)");
        } else if (aThenB && a.timeline() >= b.timeline()) {
          violations.add("timeline did not grow: " + a + " wrote before " + b);
        } else if (bThenA && b.timeline() >= a.timeline()) {
          violations.add("timeline did not grow: " + b + " wrote before " + a);
        }
      }
    }
    Reign finalReign = new Reign(end.primaryPort(), end.timeline());
    for (Reign r : reigns) {
      if (r.timeline() > finalReign.timeline() || (r.timeline() == finalReign.timeline() && !r.equals(finalReign))) {
        violations.add("the final primary (" + finalReign + ") is not the latest reign: " + r + " acknowledged writes");
      }
    }

    // the end state: one primary, every other keeper streams from it
    for (WriteChecker.Member m : end.members()) {
      if (m.port() == end.primaryPort()) {
        if (!m.reachable() || m.inRecovery()) {
          violations.add("keeper " + m.keeper() + " should be the primary but is "
              + (m.reachable() ? "in recovery" : "unreachable"));
        }
      } else if (!m.reachable()) {
        violations.add("keeper " + m.keeper() + " (port " + m.port() + ") is unreachable at the end");
      } else if (!m.inRecovery()) {
        violations.add("second primary at the end: keeper " + m.keeper() + " (port " + m.port() + ")");
      } else if (m.upstreamPort() != end.primaryPort()) {
        boolean wasPrimary = reigns.stream().anyMatch(r -> r.port() == m.port());
        violations.add((wasPrimary ? "old primary " : "standby ") + "keeper " + m.keeper() + " (port " + m.port()
            + ") does not stream from the primary (port " + end.primaryPort() + "): upstream "
            + (m.upstreamPort() == 0 ? "none" : "port " + m.upstreamPort()));
      }
    }

    List<Long> ackEnds = acks.stream().map(WriteRecord::endNanos).sorted().toList();
    long gap = 0;
    for (int i = 1; i < ackEnds.size(); i++) {
      gap = Math.max(gap, ackEnds.get(i) - ackEnds.get(i - 1));
    }
    int unknown = (int) writes.stream().filter(w -> w.outcome() == Outcome.UNKNOWN).count();
    int failed = (int) writes.stream().filter(w -> w.outcome() == Outcome.FAILED).count();
    return new Verdict(List.copyOf(violations), acks.size(), failed, unknown, unknownCommitted, lost.size(),
        List.copyOf(reigns), Duration.ofNanos(gap));
  }

  private static String first(List<Long> ids) {
    return ids.subList(0, Math.min(10, ids.size())).toString();
  }
}
