package io.rhizome.chaos;

import io.rhizome.chaos.WriteRecord.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Judges a scenario from what the clients saw and what the cluster holds at the end. Pure: no
 * I/O, no clock. What it proves:
 *
 * <ul>
 *   <li>every acknowledged write is on the final primary (sync mode, and zero-loss scenarios); in
 *       async mode a write may be missing only if a later reign took over after a fault and the
 *       old reign acknowledged it from one loss window before that fault until the new reign's
 *       first acknowledgement after it;
 *   <li>no write that failed before its COMMIT was sent is there;
 *   <li>one cluster: every acknowledgement and the final primary share one system identifier;
 *   <li>no split brain: a <em>reign</em> is one server's time as primary, (port, timeline). If
 *       reign A acknowledged a write that ended before one of reign B started, and B one that
 *       ended before one of A started, both took writes in the same stretch of time. And a reign
 *       that acknowledged a write after a later reign (higher timeline) had acknowledged one,
 *       when that write is not on the final primary, was a deposed master still taking writes;
 *   <li>timelines only grow: a reign that wrote strictly before another has a lower timeline;
 *   <li>writes resume: after the last fault, some write that began after it was acknowledged;
 *   <li>the end state: exactly one primary, and every other keeper (old primaries included) is
 *       a standby streaming from it.
 * </ul>
 *
 * Writes whose outcome is unknown (COMMIT sent, no answer) may be there or not.
 */
final class WriteChecker {
  private WriteChecker() {}

  /**
   * What the scenario may lose, and when its faults began.
   *
   * @param asyncLossWindow empty: nothing acknowledged may be lost (sync mode, switchovers); else
   *     async mode, and how long before a fault an acknowledged write may still be lost
   * @param faults when each fault began ({@link System#nanoTime()}, the clock of {@link WriteRecord})
   */
  record Expectation(boolean synchronous, Optional<Duration> asyncLossWindow, List<Long> faults) {
    Expectation {
      faults = List.copyOf(faults);
    }

    static Expectation sync() {
      return new Expectation(true, Optional.empty(), List.of());
    }

    static Expectation async(Duration lossWindow) {
      return new Expectation(false, Optional.of(lossWindow), List.of());
    }

    /** Switchovers and faults that cannot lose anything: zero loss even in async mode. */
    static Expectation noLoss() {
      return new Expectation(false, Optional.empty(), List.of());
    }

    Expectation withFaults(List<Long> faultNanos) {
      return new Expectation(synchronous, asyncLossWindow, faultNanos);
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
      int faults, List<Reign> reigns, Duration longestGapBetweenAcks) {
    boolean ok() {
      return violations.isEmpty();
    }

    String summary() {
      return "acked=" + acked + " failed=" + failed + " unknown=" + unknown + " (committed " + unknownCommitted
          + ") lost=" + lost + " faults=" + faults + " reigns=" + reigns + " longestGap="
          + longestGapBetweenAcks.toMillis() + "ms" + (ok() ? "" : " VIOLATIONS: " + String.join("; ", violations));
    }
  }

  static Verdict check(List<WriteRecord> writes, FinalState end, Expectation expectation) {
    List<String> violations = new ArrayList<>();
    List<WriteRecord> acks = writes.stream().filter(w -> w.outcome() == Outcome.ACK).toList();
    Clock clock = new Clock(writes.stream().mapToLong(WriteRecord::startNanos).min().orElse(0));
    Reigns reigns = Reigns.of(acks);

    List<WriteRecord> lost = acks.stream().filter(w -> !end.ids().contains(w.id()))
        .sorted(Comparator.comparingLong(WriteRecord::id)).toList();
    judgeLoss(lost, reigns, expectation, clock, violations);
    judgePhantoms(writes, end, violations);
    judgeOneCluster(acks, end, violations);
    judgeOverlappingReigns(reigns, violations);
    judgeDeposedAcks(reigns, end, clock, violations);
    judgeFinalReign(reigns, end, violations);
    judgeResumption(acks, expectation, clock, violations);
    judgeEndState(reigns, end, violations);

    int unknownCommitted = (int) writes.stream()
        .filter(w -> w.outcome() == Outcome.UNKNOWN && end.ids().contains(w.id())).count();
    int unknown = (int) writes.stream().filter(w -> w.outcome() == Outcome.UNKNOWN).count();
    int failed = (int) writes.stream().filter(w -> w.outcome() == Outcome.FAILED).count();
    return new Verdict(List.copyOf(violations), acks.size(), failed, unknown, unknownCommitted, lost.size(),
        expectation.faults().size(), reigns.order(), longestGapBetweenAcks(acks));
  }

  // ---- durability ----

  private static void judgeLoss(List<WriteRecord> lost, Reigns reigns, Expectation expectation, Clock clock,
      List<String> violations) {
    if (lost.isEmpty()) {
      return;
    }
    if (expectation.asyncLossWindow().isEmpty()) {
      violations.add(lost.size() + " acknowledged writes are not on the final primary ("
          + (expectation.synchronous() ? "sync mode" : "a zero-loss scenario") + "), e.g. " + clock.acks(lost));
      return;
    }
    Duration window = expectation.asyncLossWindow().get();
    List<WriteRecord> unexplained = lost.stream()
        .filter(w -> !asyncLossAllowed(w, reigns, expectation.faults(), window)).toList();
    if (!unexplained.isEmpty()) {
      violations.add(unexplained.size() + " of " + lost.size() + " lost acknowledged writes were acknowledged"
          + " neither within " + window.toMillis() + " ms before a fault nor between a fault and the first"
          + " acknowledgement of the master that took over (async mode), e.g. " + clock.acks(unexplained));
    }
  }

  /**
   * Async mode loses what the promoted standby had not received: writes the old master
   * acknowledged shortly before the fault (still on their way to the standby), and those it
   * acknowledged after the fault until its lease ran out, which the controller waits for before
   * it promotes; so no later than the new master's first acknowledgement. Without a later reign
   * there was no failover, and crash recovery loses no acknowledged commit.
   */
  private static boolean asyncLossAllowed(WriteRecord w, Reigns reigns, List<Long> faults, Duration window) {
    for (long fault : faults) {
      if (w.endNanos() < fault - window.toNanos()) {
        continue;
      }
      OptionalLong takeover = reigns.firstAckAfter(fault, w.server().timeline());
      if (takeover.isPresent() && w.endNanos() < takeover.getAsLong()) {
        return true;
      }
    }
    return false;
  }

  private static void judgePhantoms(List<WriteRecord> writes, FinalState end, List<String> violations) {
    List<Long> phantoms = writes.stream().filter(w -> w.outcome() == Outcome.FAILED).map(WriteRecord::id)
        .filter(end.ids()::contains).sorted().toList();
    if (!phantoms.isEmpty()) {
      violations.add(phantoms.size() + " writes that failed before COMMIT are on the primary, e.g. ids "
          + first(phantoms));
    }
  }

  private static void judgeOneCluster(List<WriteRecord> acks, FinalState end, List<String> violations) {
    Set<Long> systems = acks.stream().map(w -> w.server().systemId()).collect(Collectors.toCollection(TreeSet::new));
    systems.add(end.systemId());
    if (systems.size() > 1) {
      violations.add("writes were acknowledged by " + systems.size() + " different clusters (system identifiers "
          + systems + "): a second cluster was initialised");
    }
  }

  // ---- reigns: split brain and timeline order ----

  /** Each pair of reigns: did both take writes in one stretch of time, and did the timeline grow? */
  private static void judgeOverlappingReigns(Reigns reigns, List<String> violations) {
    List<Reign> order = reigns.order();
    for (int i = 0; i < order.size(); i++) {
      for (int j = i + 1; j < order.size(); j++) {
        Reign a = order.get(i);
        Reign b = order.get(j);
        WriteRecord aFirst = reigns.firstAck(a);
        WriteRecord bFirst = reigns.firstAck(b);
        WriteRecord aLast = reigns.latestStart(a);
        WriteRecord bLast = reigns.latestStart(b);
        boolean aThenB = aFirst.endNanos() < bLast.startNanos();
        boolean bThenA = bFirst.endNanos() < aLast.startNanos();
        if (aThenB && bThenA) {
          violations.add("split brain: " + a + " and " + b + " both took writes in the same stretch of time (id "
              + aFirst.id() + " on " + a + " was acknowledged before id " + bLast.id() + " on " + b
              + " began, and id " + bFirst.id() + " on " + b + " was acknowledged before id " + aLast.id() + " on "
              + a + " began)");
        } else if (aThenB && a.timeline() >= b.timeline()) {
          violations.add("timeline did not grow: " + a + " wrote before " + b);
        } else if (bThenA && b.timeline() >= a.timeline()) {
          violations.add("timeline did not grow: " + b + " wrote before " + a);
        }
      }
    }
  }

  /**
   * A reign that acknowledges a write after a later reign acknowledged one is a deposed master
   * still taking writes, whenever that write was sent: the overlap rule above misses a commit
   * sent before the fault and answered after the failover. A late acknowledgement of a write that
   * is on the final primary is no violation: the final primary's history holds it, so it was
   * committed before the fork and only the answer came late.
   */
  private static void judgeDeposedAcks(Reigns reigns, FinalState end, Clock clock, List<String> violations) {
    for (Reign deposed : reigns.order()) {
      Optional<WriteRecord> successorFirst = reigns.order().stream().filter(r -> r.timeline() > deposed.timeline())
          .map(reigns::firstAck).min(Comparator.comparingLong(WriteRecord::endNanos));
      if (successorFirst.isEmpty()) {
        continue;
      }
      WriteRecord first = successorFirst.get();
      List<WriteRecord> late = reigns.acks(deposed).stream()
          .filter(w -> w.endNanos() > first.endNanos() && !end.ids().contains(w.id()))
          .sorted(Comparator.comparingLong(WriteRecord::endNanos)).toList();
      if (!late.isEmpty()) {
        violations.add("split brain: " + deposed + " acknowledged " + late.size() + " writes that are not on the"
            + " final primary after " + first.server().reign() + " had acknowledged id " + first.id() + " at "
            + clock.at(first.endNanos()) + ", e.g. " + clock.acks(late));
      }
    }
  }

  private static void judgeFinalReign(Reigns reigns, FinalState end, List<String> violations) {
    Reign finalReign = new Reign(end.primaryPort(), end.timeline());
    for (Reign r : reigns.order()) {
      if (r.timeline() > finalReign.timeline() || (r.timeline() == finalReign.timeline() && !r.equals(finalReign))) {
        violations.add("the final primary (" + finalReign + ") is not the latest reign: " + r + " acknowledged writes");
      }
    }
  }

  // ---- liveness ----

  /** A fault that stops every write for good fails the scenario, however little it lost. */
  private static void judgeResumption(List<WriteRecord> acks, Expectation expectation, Clock clock,
      List<String> violations) {
    if (expectation.faults().isEmpty()) {
      return;
    }
    long lastFault = expectation.faults().stream().mapToLong(Long::longValue).max().orElseThrow();
    if (acks.stream().noneMatch(w -> w.startNanos() > lastFault)) {
      violations.add("writes did not resume: no write that began after the last fault (at "
          + clock.at(lastFault) + ") was acknowledged");
    }
  }

  // ---- the end state: one primary, every other keeper streams from it ----

  private static void judgeEndState(Reigns reigns, FinalState end, List<String> violations) {
    for (Member m : end.members()) {
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
        boolean wasPrimary = reigns.order().stream().anyMatch(r -> r.port() == m.port());
        violations.add((wasPrimary ? "old primary " : "standby ") + "keeper " + m.keeper() + " (port " + m.port()
            + ") does not stream from the primary (port " + end.primaryPort() + "): upstream "
            + (m.upstreamPort() == 0 ? "none" : "port " + m.upstreamPort()));
      }
    }
  }

  private static Duration longestGapBetweenAcks(List<WriteRecord> acks) {
    List<Long> ackEnds = acks.stream().map(WriteRecord::endNanos).sorted().toList();
    long gap = 0;
    for (int i = 1; i < ackEnds.size(); i++) {
      gap = Math.max(gap, ackEnds.get(i) - ackEnds.get(i - 1));
    }
    return Duration.ofNanos(gap);
  }

  private static String first(List<Long> ids) {
    return ids.subList(0, Math.min(10, ids.size())).toString();
  }

  /** The acknowledged writes grouped by reign, in the order of each reign's first acknowledgement. */
  private static final class Reigns {
    private record FirstAckKey(long after, int aboveTimeline) {}

    private final Map<Reign, List<WriteRecord>> byReign;
    /** Each reign's acknowledgement times, sorted. */
    private final Map<Reign, long[]> ackEnds = new HashMap<>();
    private final Map<Reign, WriteRecord> firstAck = new HashMap<>();
    private final Map<Reign, WriteRecord> latestStart = new HashMap<>();
    private final List<Reign> order;
    private final Map<FirstAckKey, OptionalLong> firstAckAfter = new HashMap<>();

    private Reigns(List<WriteRecord> acks) {
      byReign = acks.stream().collect(Collectors.groupingBy(
          w -> new Reign(w.server().port(), w.server().timeline()), LinkedHashMap::new, Collectors.toList()));
      byReign.forEach((r, ws) -> {
        ackEnds.put(r, ws.stream().mapToLong(WriteRecord::endNanos).sorted().toArray());
        firstAck.put(r, ws.stream().min(Comparator.comparingLong(WriteRecord::endNanos)).orElseThrow());
        latestStart.put(r, ws.stream().max(Comparator.comparingLong(WriteRecord::startNanos)).orElseThrow());
      });
      List<Reign> sorted = new ArrayList<>(byReign.keySet());
      sorted.sort(Comparator.comparingLong(r -> firstAck.get(r).endNanos()));
      order = List.copyOf(sorted);
    }

    static Reigns of(List<WriteRecord> acks) {
      return new Reigns(acks);
    }

    List<Reign> order() {
      return order;
    }

    List<WriteRecord> acks(Reign r) {
      return byReign.get(r);
    }

    WriteRecord firstAck(Reign r) {
      return firstAck.get(r);
    }

    WriteRecord latestStart(Reign r) {
      return latestStart.get(r);
    }

    /** The first acknowledgement after {@code after} by a reign on a timeline above {@code timeline}. */
    OptionalLong firstAckAfter(long after, int timeline) {
      return firstAckAfter.computeIfAbsent(new FirstAckKey(after, timeline), k -> order.stream()
          .filter(r -> r.timeline() > timeline).map(ackEnds::get).mapToLong(ends -> firstAfter(ends, after))
          .filter(t -> t != Long.MAX_VALUE).min());
    }

    /** The first of the sorted {@code ends} after {@code t}; {@link Long#MAX_VALUE} if none. */
    private static long firstAfter(long[] ends, long t) {
      int lo = 0;
      int hi = ends.length;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (ends[mid] <= t) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo < ends.length ? ends[lo] : Long.MAX_VALUE;
    }
  }

  /** Times in messages, in seconds from the scenario's first write: nanoTime means nothing to a reader. */
  private record Clock(long origin) {
    String at(long nanos) {
      return String.format(Locale.ROOT, "%.3f s", (nanos - origin) / 1e9);
    }

    /** A few writes, each with when it was acknowledged and by whom. */
    String acks(List<WriteRecord> ws) {
      return ws.stream().limit(10).map(w -> "id " + w.id() + " (" + w.server().reign() + ", acknowledged at "
          + at(w.endNanos()) + ")").collect(Collectors.joining(", "));
    }
  }
}
