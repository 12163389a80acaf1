package io.rhizome.node.keeper;

import io.rhizome.cluster.EffectiveSpec;
import io.rhizome.proto.cluster.Db;
import io.rhizome.proto.cluster.SelfFenceMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Carries out the planner's actions on the real PostgreSQL: programs, SQL and files. */
final class ActionExecutor {
  private static final Logger LOG = LoggerFactory.getLogger(ActionExecutor.class);
  /** initdb's own postgresql.conf, kept and included first so its locale and tuning stay. */
  static final String BASE_CONF = "postgresql.base.conf";

  private final PgServer pg;
  private final KeeperDataDir dir;
  private final KeeperSettings settings;
  private final KeeperState state;
  private final ConnInfo localSuperuser;
  private final InstanceObserver loopSession;

  /**
   * @param loopSession holds the keeper loop's kept session: plan actions run on the loop's
   *     thread and use it for their SQL instead of logging in
   */
  ActionExecutor(PgServer pg, KeeperDataDir dir, KeeperSettings settings, KeeperState state, ConnInfo localSuperuser,
      InstanceObserver loopSession) {
    this.pg = pg;
    this.dir = dir;
    this.settings = settings;
    this.state = state;
    this.localSuperuser = localSuperuser;
    this.loopSession = loopSession;
  }

  /** Work done on the loop's session. */
  private interface OnSession<T> {
    T run(PgSession session) throws SQLException;
  }

  private <T> T onLoopSession(EffectiveSpec spec, OnSession<T> work) throws SQLException {
    PgSession s = loopSession.session(spec.requestTimeout());
    try {
      return work.run(s);
    } catch (SQLException e) {
      loopSession.sessionFailed();
      throw e;
    }
  }

  /**
   * SIGHUP through the loop's session (pg_reload_conf), or pg_ctl reload when PostgreSQL does not
   * answer: running pg_ctl cost the reload before a promotion 30–40 ms of the switchover.
   */
  private void reload(EffectiveSpec spec) {
    try {
      onLoopSession(spec, PgSession::reloadConf);
      LOG.info("reload pgdata={} (pg_reload_conf)", pg.pgdata());
    } catch (SQLException e) {
      pg.reload();
    }
  }

  /** Runs one action. @throws RuntimeException when it failed; the caller stops the round there */
  void execute(Action action, WantedFiles wanted, EffectiveSpec spec) throws Exception {
    Duration ready = spec.dbWaitReadyTimeout();
    if (action instanceof Action.Stop a) {
      pg.stop(a.mode() == Action.StopMode.IMMEDIATE ? PgServer.StopMode.IMMEDIATE : PgServer.StopMode.FAST, ready);
    } else if (action instanceof Action.Start a) {
      if (a.closeRestartGate()) {
        // only the superuser and replication users get in until the sync standbys are back in sync
        writeFile("pg_hba.conf", wanted.hbaGated());
        state.setRestartGateClosed(true);
      }
      removeStalePidFile();
      try {
        pg.start(ready);
      } catch (RuntimeException e) {
        // a master that cannot start again after its self-fence is unhealthy, and says so: the
        // controller then fails it over after failInterval instead of waiting on the fence
        state.setFenced(false);
        throw e;
      }
    } else if (action instanceof Action.Restart a) {
      if (a.closeRestartGate()) {
        writeFile("pg_hba.conf", wanted.hbaGated());
        state.setRestartGateClosed(true);
      }
      pg.restart(PgServer.StopMode.FAST, ready);
    } else if (action instanceof Action.Reload) {
      reload(spec);
    } else if (action instanceof Action.Promote) {
      pg.promote(ready);
      // promotion does not wait for its checkpoint; until one runs, pg_control still names the old
      // timeline and pg_rewind against this server wrongly finds "no rewind required". It runs
      // beside the keeper's loop: a returning old primary needs it seconds later, the clients now.
      Thread checkpoint = new Thread(() -> {
        try (PgSession s = session(spec)) {
          s.checkpoint();
        } catch (Exception e) {
          LOG.warn("CHECKPOINT after promotion failed: {}", e.toString());
        }
      }, "checkpoint-after-promote");
      checkpoint.setDaemon(true);
      checkpoint.start();
    } else if (action instanceof Action.InitNew a) {
      initNew(a.db(), wanted, spec);
    } else if (action instanceof Action.AdoptExisting a) {
      adoptExisting(a.db(), wanted, spec);
    } else if (action instanceof Action.Resync a) {
      resync(a, wanted, spec);
    } else if (action instanceof Action.CloneExternal a) {
      cloneExternal(a.db(), wanted, spec);
    } else if (action instanceof Action.WriteConfig a) {
      writeFile("postgresql.conf", a.content());
    } else if (action instanceof Action.WriteHba a) {
      writeFile("pg_hba.conf", a.content());
    } else if (action instanceof Action.DiscardAlterSystem) {
      writeFile("postgresql.auto.conf", AutoConfFile.NEUTRAL);
    } else if (action instanceof Action.WriteStandbySignal) {
      writeFile("standby.signal", "");
    } else if (action instanceof Action.CreateSlot a) {
      onLoopSession(spec, s -> s.createPhysicalSlot(a.name()));
    } else if (action instanceof Action.DropSlot a) {
      PgSession.SlotDrop result = onLoopSession(spec, s -> s.dropSlot(a.name()));
      if (result == PgSession.SlotDrop.ACTIVE_SKIPPED) {
        throw new IllegalStateException("slot " + a.name() + " is in use; dropping it again next round");
      }
    } else if (action instanceof Action.Fence a) {
      fence(a.mode(), spec);
    } else if (action instanceof Action.Unfence) {
      state.setFenced(false);
    } else if (action instanceof Action.OpenRestartGate) {
      state.setRestartGateClosed(false);
    } else if (action instanceof Action.MarkConverged a) {
      state.updateLocal(l -> l.withGeneration(a.generation()));
    } else if (action instanceof Action.MarkRestartDone a) {
      state.updateLocal(l -> l.withRestartDone(a.request()));
    } else if (action instanceof Action.Refuse a) {
      throw new IllegalStateException(a.reason());
    } else {
      throw new IllegalArgumentException("unknown action " + action);
    }
  }

  private void initNew(Db db, WantedFiles wanted, EffectiveSpec spec) throws Exception {
    state.updateLocal(l -> l.withDb(db.getUid(), 0, true));
    pg.stop(PgServer.StopMode.FAST, spec.dbWaitReadyTimeout());
    if (Files.exists(pg.pgdata())) {
      LOG.warn("removing data dir {}: the cluster data assigns this keeper db {} to initialise from scratch",
          pg.pgdata(), db.getUid());
      pg.wipeDataDir();
    }
    Path pwfile = secretFile(settings.suPassword());
    try {
      var nc = db.getSpec().getNewConfig();
      pg.initdb(settings.suUsername(), pwfile, blankToNull(nc.getLocale()), blankToNull(nc.getEncoding()),
          spec.initTimeout());
    } finally {
      Files.deleteIfExists(pwfile);
    }
    Files.move(pg.pgdata().resolve("postgresql.conf"), pg.pgdata().resolve(BASE_CONF));
    writeConfiguration(wanted);
    createRoles(spec);
    state.updateLocal(l -> l.withDb(db.getUid(), 0, false));
  }

  private void adoptExisting(Db db, WantedFiles wanted, EffectiveSpec spec) throws Exception {
    state.updateLocal(l -> l.withDb(db.getUid(), 0, true));
    pg.stop(PgServer.StopMode.FAST, spec.dbWaitReadyTimeout());
    Path base = pg.pgdata().resolve(BASE_CONF);
    if (!Files.exists(base)) {
      // the operator's own postgresql.conf stays in effect underneath the keeper's settings
      Files.move(pg.pgdata().resolve("postgresql.conf"), base);
    }
    writeConfiguration(wanted);
    createRoles(spec);
    state.updateLocal(l -> l.withDb(db.getUid(), 0, false));
  }

  /** Starts PostgreSQL with the wanted files, makes sure both roles exist with their passwords, stops it. */
  private void createRoles(EffectiveSpec spec) throws Exception {
    pg.start(spec.dbWaitReadyTimeout());
    try (PgSession s = session(spec)) {
      s.ensureRole(settings.suUsername(), settings.suPassword(), true, true);
      if (!settings.replUsername().equals(settings.suUsername())) {
        s.ensureRole(settings.replUsername(), settings.replPassword(), false, true);
      }
    } finally {
      pg.stop(PgServer.StopMode.FAST, spec.dbWaitReadyTimeout());
    }
  }

  private void resync(Action.Resync a, WantedFiles wanted, EffectiveSpec spec) throws Exception {
    Db db = a.db();
    state.updateLocal(l -> l.withDb(db.getUid(), 0, true));
    pg.stop(PgServer.StopMode.FAST, spec.dbWaitReadyTimeout());
    boolean rewound = false;
    if (a.tryRewind()) {
      ConnInfo master = ConnInfo.of(a.master().host(), a.master().port(), settings.suUsername(), "postgres")
          .withOption("connect_timeout", "5");
      try {
        pg.rewind(master, settings.suPassword(), spec.syncTimeout().isZero() ? Duration.ofHours(24) : spec.syncTimeout());
        rewound = true;
        LOG.info("pg_rewind done: db={} now follows db={}", db.getUid(), a.source().dbUid());
      } catch (RuntimeException e) {
        LOG.warn("pg_rewind failed, copying with pg_basebackup instead: {}", e.getMessage());
      }
    }
    if (!rewound) {
      if (Files.exists(pg.pgdata())) {
        LOG.warn("removing data dir {}: the cluster data assigns this keeper db {} to copy from healthy db {}",
            pg.pgdata(), db.getUid(), a.source().dbUid());
        pg.wipeDataDir();
      }
      ConnInfo source = ConnInfo.of(a.source().host(), a.source().port(), settings.replUsername(), null)
          .withApplicationName(db.getUid())
          .withOption("connect_timeout", "5");
      pg.baseBackup(source, settings.replPassword(), SlotNames.forDb(db.getUid()),
          spec.syncTimeout().isZero() ? Duration.ofHours(24) : spec.syncTimeout());
    }
    state.setLastResyncMethod(rewound ? "pg_rewind" : "pg_basebackup");
    writeConfiguration(wanted);
    writeFile("standby.signal", "");
    // rewind and basebackup copy the source's slots' directories too; they are not ours
    state.updateLocal(l -> l.withDb(db.getUid(), 0, false));
  }

  private void cloneExternal(Db db, WantedFiles wanted, EffectiveSpec spec) throws Exception {
    state.updateLocal(l -> l.withDb(db.getUid(), 0, true));
    pg.stop(PgServer.StopMode.FAST, spec.dbWaitReadyTimeout());
    if (Files.exists(pg.pgdata())) {
      LOG.warn("removing data dir {}: the cluster data assigns this keeper db {}, a copy of the external primary",
          pg.pgdata(), db.getUid());
      pg.wipeDataDir();
    }
    var settings = db.getSpec().getFollowConfig().getStandbySettings();
    ExternalConnInfo.Split conninfo = ExternalConnInfo.split(settings.getPrimaryConninfo());
    String slot = settings.getPrimarySlotName().isBlank() ? null : settings.getPrimarySlotName();
    pg.baseBackupExternal(conninfo.withoutPassword(), conninfo.password().orElse(null), slot,
        spec.syncTimeout().isZero() ? Duration.ofHours(24) : spec.syncTimeout());
    state.setLastResyncMethod("pg_basebackup");
    writeConfiguration(wanted);
    writeFile("standby.signal", "");
    state.updateLocal(l -> l.withDb(db.getUid(), 0, false));
  }

  private void fence(SelfFenceMode mode, EffectiveSpec spec) throws Exception {
    if (state.fenced()) {
      return; // the watchdog and the loop may both decide it; once is enough
    }
    state.setFenced(true);
    if (mode == SelfFenceMode.READ_ONLY) {
      // appended, so it wins over the line above it; the next render after unfencing drops it
      Path conf = pg.pgdata().resolve("postgresql.conf");
      writeFile("postgresql.conf", Files.readString(conf, StandardCharsets.UTF_8)
          + "default_transaction_read_only = 'on'  # self-fenced: the store is unreachable\n");
      pg.reload();
      try (PgSession s = session(spec)) {
        int n = s.terminateClientBackends();
        LOG.warn("self-fenced read-only: default_transaction_read_only=on, {} client sessions ended", n);
      }
      return;
    }
    pg.stop(PgServer.StopMode.FAST, spec.dbWaitReadyTimeout());
    LOG.warn("self-fenced: PostgreSQL stopped until the store confirms this master");
  }

  /**
   * After a host reboot postmaster.pid can name a pid that now belongs to another program;
   * PostgreSQL then refuses to start. PgServer has checked that no postgres owns it.
   */
  private void removeStalePidFile() throws IOException {
    Path pid = pg.pgdata().resolve("postmaster.pid");
    if (Files.exists(pid) && !pg.isRunning()) {
      LOG.info("removing stale {}: no PostgreSQL runs with its pid", pid);
      Files.delete(pid);
    }
    if (!pg.isRunning()) {
      for (Path lock : PgServer.staleSocketLocks(dir.socketDir())) {
        // PostgreSQL refuses to start while the pid in it exists, and a killed postmaster's pid
        // exists as a zombie until PID 1 reaps it (seconds in some containers, never in others)
        LOG.info("removing stale {}: its postmaster is dead or a zombie", lock);
        Files.deleteIfExists(lock);
      }
    }
  }

  private void writeConfiguration(WantedFiles wanted) {
    writeFile("postgresql.conf", wanted.conf());
    writeFile("pg_hba.conf", wanted.hba());
    writeFile("postgresql.auto.conf", AutoConfFile.NEUTRAL);
  }

  private PgSession session(EffectiveSpec spec) throws SQLException {
    return PgSession.connect(localSuperuser, settings.suPassword(), spec.requestTimeout());
  }

  /** Replaces a file in PGDATA atomically: PostgreSQL never reads half a config file. */
  void writeFile(String name, String content) {
    Path target = pg.pgdata().resolve(name);
    Path tmp = pg.pgdata().resolve(name + ".rhizome-tmp");
    try {
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  /** A 0600 file holding one secret, in the keeper's dir (not /tmp: other users can list /tmp). */
  private Path secretFile(String secret) throws IOException {
    Path f = Files.createTempFile(dir.dir(), "secret-", "",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(f, secret + "\n", StandardCharsets.UTF_8);
    return f;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
