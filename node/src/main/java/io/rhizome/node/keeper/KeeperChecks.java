package io.rhizome.node.keeper;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The answers of the keeper's HTTP checks (Patroni's semantics: /health, /primary, /replica,
 * {@code ?lag=}), decided from a {@link KeeperSnapshot}. Pure: a load balancer's view of a node
 * is only as good as these rules, so they are tested as a table.
 */
final class KeeperChecks {
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|kB|KB|MB|GB|TB)?");

  private KeeperChecks() {}

  /** 200 or 503, with one sentence saying why. */
  record Verdict(boolean ok, String reason) {
    int status() {
      return ok ? 200 : 503;
    }
  }

  /** PostgreSQL answers a query. */
  static Verdict health(KeeperSnapshot s) {
    if (!s.pg().getRunning()) {
      return new Verdict(false, "PostgreSQL is not running");
    }
    if (!s.pg().getHealthy()) {
      return new Verdict(false, "PostgreSQL runs but does not answer");
    }
    return new Verdict(true, "PostgreSQL is running");
  }

  /** The master: named so by the cluster data, and running as a writable primary. */
  static Verdict primary(KeeperSnapshot s) {
    Verdict h = health(s);
    if (!h.ok()) {
      return h;
    }
    if (!s.clusterMaster()) {
      return new Verdict(false, "the cluster data does not name this keeper's db as master");
    }
    if (s.pg().getInRecovery()) {
      return new Verdict(false, "named master but PostgreSQL is still in recovery (being promoted)");
    }
    if (s.pg().getFenced()) {
      return new Verdict(false, "fenced: not taking writes because the store was unreachable");
    }
    return new Verdict(true, "master: PostgreSQL is primary and takes writes");
  }

  /**
   * A standby fit for reads: running, in recovery, given a standby db by the cluster data,
   * streaming from the master, and (with {@code maxLag}) at most that many bytes behind the
   * master's last reported position.
   */
  static Verdict replica(KeeperSnapshot s, OptionalLong maxLag) {
    Verdict h = health(s);
    if (!h.ok()) {
      return h;
    }
    if (!"standby".equals(s.role()) || !s.assignedIsLocal()) {
      return new Verdict(false, "the cluster data gives this keeper no standby db (role " + s.role() + ")");
    }
    if (!s.pg().getInRecovery()) {
      return new Verdict(false, "PostgreSQL is not in recovery");
    }
    if (!s.streaming()) {
      return new Verdict(false, "not streaming from a master");
    }
    if (maxLag.isPresent()) {
      if (s.masterXlogPos() == 0) {
        return new Verdict(false, "the master's position is unknown: lag cannot be judged");
      }
      if (s.lagBytes() > maxLag.getAsLong()) {
        return new Verdict(false, "lag " + s.lagBytes() + " bytes exceeds " + maxLag.getAsLong());
      }
    }
    return new Verdict(true, "standby streaming from the master, lag " + s.lagBytes() + " bytes");
  }

  /**
   * {@code ?lag=} as Patroni takes it: bytes, or a size with a unit ("16kB", "64MB", "1GB";
   * 1 kB = 1024 bytes). Absent or empty: no limit.
   *
   * @throws IllegalArgumentException naming the value and an example
   */
  static OptionalLong parseLag(String text) {
    if (text == null || text.isBlank()) {
      return OptionalLong.empty();
    }
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("lag=" + text + " is not a size (use bytes, or e.g. 16kB, 64MB, 1GB)");
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("lag=" + text + " is too large");
    }
    String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
    int shift = switch (unit) {
      case "KB" -> 10;
      case "MB" -> 20;
      case "GB" -> 30;
      case "TB" -> 40;
      default -> 0;
    };
    if (n > (Long.MAX_VALUE >> shift)) {
      throw new IllegalArgumentException("lag=" + text + " is too large");
    }
    return OptionalLong.of(n << shift);
  }

  /** /status: what the keeper publishes, plus what it reads from the cluster data about itself. */
  static Map<String, Object> status(KeeperSnapshot s) {
    var pg = s.pg();
    var info = s.info();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("keeper", info.getKeeperId());
    out.put("clusterUid", info.getClusterUid());
    out.put("role", s.role());
    out.put("db", pg.getDbUid());
    out.put("pgRunning", pg.getRunning());
    out.put("pgHealthy", pg.getHealthy());
    out.put("inRecovery", pg.getInRecovery());
    out.put("fenced", pg.getFenced());
    out.put("timelineId", pg.getTimelineId());
    out.put("xlogPos", pg.getXlogPos());
    out.put("receivedPos", pg.getReceivedPos());
    out.put("masterXlogPos", s.masterXlogPos());
    out.put("lagBytes", s.lagBytes());
    out.put("streaming", s.streaming());
    out.put("generation", pg.getGeneration());
    out.put("wantedGeneration", s.wantedGeneration());
    out.put("converged", s.assignedIsLocal() && pg.getGeneration() == s.wantedGeneration());
    out.put("pendingRestart", pg.getPendingRestart());
    out.put("pendingRestartParameters", java.util.List.copyOf(pg.getPendingRestartParametersList()));
    out.put("streamingStandbys", java.util.List.copyOf(pg.getStreamingStandbysList()));
    out.put("synchronousStandbys", java.util.List.copyOf(pg.getSynchronousStandbysInSyncList()));
    out.put("pgVersion", info.getPgVersion());
    out.put("bootUuid", info.getBootUuid());
    out.put("lastActionReason", pg.getLastActionReason());
    out.put("lastError", pg.getLastError());
    return out;
  }
}
