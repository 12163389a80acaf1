package io.rhizome.node.keeper;

import io.rhizome.proto.cluster.PostgresState;
import io.rhizome.proto.cluster.TimelineHistoryEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks at the local PostgreSQL: its files, its postmaster and, when it runs, real queries. Health
 * is a query answered within requestTimeout, never a PID check. One session is kept open between
 * rounds and replaced when it fails.
 */
final class InstanceObserver implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(InstanceObserver.class);

  /** What the planner needs, and what the keeper reports. */
  record Observation(Observed observed, PostgresState reported, List<PgSession.FileSettingError> fileErrors) {

    Observation(Observed observed, PostgresState reported) {
      this(observed, reported, List.of());
    }
  }

  private final PgServer pg;
  private final ConnInfo local;
  private final String suPassword;
  private PgSession session;
  private String lastFailure = "";

  InstanceObserver(PgServer pg, ConnInfo local, String suPassword) {
    this.pg = pg;
    this.local = local;
    this.suPassword = suPassword;
  }

  /** Start (nanoTime) of the last probe PostgreSQL answered, and its report; 0 and null before one. */
  private long answeredAt;
  private PostgresState lastAnswer;
  private boolean silent;

  /** True when the last observation found PostgreSQL running and silent: the keeper looks again at once. */
  boolean silent() {
    return silent;
  }

  /**
   * @param failInterval with requestTimeout, how long a running PostgreSQL that does not answer is
   *     still reported as it last answered ({@link SilenceGrace})
   */
  Observation observe(Duration requestTimeout, Duration failInterval) {
    silent = false;
    Path data = pg.pgdata();
    boolean initialized = pg.isInitialized();
    boolean running = pg.isRunning();
    boolean standbySignal = Files.exists(data.resolve("standby.signal"));
    String conf = read(data.resolve("postgresql.conf"));
    String hba = read(data.resolve("pg_hba.conf"));
    Set<String> autoConf = initialized ? AutoConfFile.settingNames(read(data.resolve("postgresql.auto.conf"))) : Set.of();
    PostgresState.Builder report = PostgresState.newBuilder()
        .setInitialized(initialized).setRunning(running);
    if (running) {
      long start = System.nanoTime();
      try {
        Observation o = queried(initialized, standbySignal, conf, hba, autoConf, report, requestTimeout);
        long took = System.nanoTime() - start;
        if (took > requestTimeout.toNanos() / 2) {
          // the host is starved or PostgreSQL is busy: worth knowing before it becomes a failover
          LOG.info("PostgreSQL answered the keeper's probe slowly: {} ms (requestTimeout {} ms)",
              TimeUnit.NANOSECONDS.toMillis(took), requestTimeout.toMillis());
        }
        answeredAt = start;
        lastAnswer = o.reported();
        return o;
      } catch (SQLException | RuntimeException e) {
        closeSession();
        long now = System.nanoTime();
        String failure = e.getMessage() == null ? e.toString() : e.getMessage();
        boolean silence = SilenceGrace.isSilence(e);
        long quietMs = answeredAt == 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(now - answeredAt);
        if (!failure.equals(lastFailure)) {
          LOG.info("PostgreSQL does not answer{}: {}", quietMs < 0 ? "" : " (last answer " + quietMs + " ms ago)",
              failure);
          lastFailure = failure;
        }
        silent = silence;
        if (SilenceGrace.stillHealthy(now, answeredAt, silence, requestTimeout, failInterval)
            && lastAnswer != null && lastAnswer.getInitialized() == initialized) {
          // reported as it last answered; the planner sees what it always saw of a server that
          // does not answer (nothing known of it) and waits
          Observed quiet = new Observed(initialized, true, false, standbySignal, standbySignal, 0, 0,
              Set.of(), conf, hba, autoConf, List.of(), Set.of());
          return new Observation(quiet, lastAnswer.toBuilder()
              .setLastError("PostgreSQL has not answered for " + quietMs + " ms: " + failure).build());
        }
        report.setLastError("PostgreSQL does not answer: " + failure);
      }
    } else {
      closeSession();
    }
    long systemId = 0;
    int timeline = 0;
    if (initialized && !running) {
      try {
        PgServer.ControlData cd = pg.controlData();
        systemId = cd.systemIdentifier();
        timeline = Math.max(cd.latestCheckpointTimeline(), cd.minRecoveryEndTimeline());
        // a stopped server's last position: a planned switchover promotes only a standby that
        // replayed past it (a clean shutdown's final checkpoint)
        report.setXlogPos(cd.latestCheckpointLsn());
      } catch (RuntimeException e) {
        report.setLastError("pg_controldata failed: " + e.getMessage());
      }
    }
    report.setSystemId(systemId).setTimelineId(timeline).setInRecovery(standbySignal);
    Observed obs = new Observed(initialized, running, false, standbySignal, standbySignal, systemId, timeline,
        Set.of(), conf, hba, autoConf, List.of(), Set.of());
    return new Observation(obs, report.build());
  }

  private Observation queried(boolean initialized, boolean standbySignal, String conf, String hba,
      Set<String> autoConf, PostgresState.Builder report, Duration requestTimeout) throws SQLException {
    PgSession session = session(requestTimeout);
    PgSession.Probe probe = session.probe();
    PgSession.IdentifySystem id = session.identifySystem();
    List<PgSession.TimelineHistoryEntry> history = id.timeline() > 1 ? session.timelineHistory(id.timeline()) : List.of();
    lastFailure = "";
    Set<String> slots = probe.physicalSlots().stream().map(PgSession.PhysicalSlot::name)
        .collect(Collectors.toCollection(TreeSet::new));
    // the keeper's own lease standby is no standby of the cluster's: reported to nobody
    List<PgSession.Standby> standbys = probe.replication().stream()
        .filter(s -> !LeaseStandby.NAME.equals(s.applicationName())).toList();
    Set<String> inSync = standbys.stream()
        .filter(s -> "streaming".equals(s.state()))
        .filter(s -> "sync".equals(s.syncState()) || "quorum".equals(s.syncState()))
        .map(PgSession.Standby::applicationName)
        .collect(Collectors.toCollection(TreeSet::new));
    List<String> configuredSync = parseSyncNames(probe.synchronousStandbyNames()).stream()
        .filter(n -> !LeaseStandby.NAME.equals(n)).toList();
    // keep the two most recent switches: enough for the controller to tell a fork from a follower
    List<PgSession.TimelineHistoryEntry> recent = history.subList(Math.max(0, history.size() - 2), history.size());
    report.setHealthy(true)
        .setInRecovery(probe.inRecovery())
        .setSystemId(id.systemId())
        .setTimelineId(id.timeline())
        .setXlogPos(probe.currentLsn())
        .setReceivedPos(probe.receiveLsn())
        .addAllSynchronousStandbysConfigured(configuredSync)
        .addAllSynchronousStandbysInSync(inSync)
        .addAllStreamingStandbys(standbys.stream().filter(x -> "streaming".equals(x.state()))
            .map(PgSession.Standby::applicationName).sorted().toList())
        .addAllLostSlots(probe.physicalSlots().stream().filter(PgSession.PhysicalSlot::walLost)
            .map(PgSession.PhysicalSlot::name).toList())
        .setPendingRestart(!probe.pendingRestartParameters().isEmpty())
        .addAllPendingRestartParameters(probe.pendingRestartParameters());
    for (PgSession.TimelineHistoryEntry e : recent) {
      report.addTimelinesHistory(TimelineHistoryEntry.newBuilder()
          .setTimelineId(e.timeline()).setSwitchPoint(e.switchLsn()).setReason(e.reason()));
    }
    for (PgSession.FileSettingError e : probe.fileSettingErrors()) {
      report.addRejectedParameters((e.name() == null ? "line " + e.sourceLine() : e.name()) + ": " + e.error());
    }
    Observed obs = new Observed(initialized, true, true, standbySignal, probe.inRecovery(), id.systemId(),
        id.timeline(), slots, conf, hba, autoConf, List.copyOf(probe.pendingRestartParameters()), inSync);
    return new Observation(obs, report.build(), probe.fileSettingErrors());
  }

  private static List<String> parseSyncNames(String value) {
    try {
      return SynchronousStandbyNames.parse(value == null ? "" : value);
    } catch (IllegalArgumentException e) {
      return List.of(value);
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * The loop's session to the local PostgreSQL, logged in once and kept. The executor's SQL
   * actions (slots, reload) run on it too, on the loop's thread: a login each took a new master
   * a tenth of a second.
   */
  PgSession session(Duration requestTimeout) throws SQLException {
    if (session == null) {
      session = PgSession.connect(local, suPassword, requestTimeout);
    }
    return session;
  }

  /** The session failed a request: the next use logs in again. */
  void sessionFailed() {
    closeSession();
  }

  private void closeSession() {
    if (session != null) {
      try {
        session.close();
      } catch (SQLException | RuntimeException ignored) {
        // a broken session: nothing more to tell
      }
      session = null;
    }
  }

  @Override
  public void close() {
    closeSession();
  }
}
