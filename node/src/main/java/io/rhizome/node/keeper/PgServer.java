package io.rhizome.node.keeper;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One local PostgreSQL instance, driven through its own programs (initdb, pg_ctl,
 * pg_controldata, pg_basebackup, pg_rewind). Every command runs with a timeout; on timeout the
 * command and its children are killed. Failures throw {@link PgCommandException} naming the
 * command, its exit code and its last output lines. Passwords never appear on a command line:
 * they travel in files (initdb's --pwfile, a temporary pgpass file).
 *
 * <p>This class deletes data only in {@link #wipeDataDir()}.
 */
public final class PgServer {
  private static final Logger log = LoggerFactory.getLogger(PgServer.class);
  private static final int OUTPUT_TAIL_LINES = 8;
  private static final int OUTPUT_MAX_LINES = 5000;
  /** pg_ctl enforces its own -t; our hard deadline comes later so pg_ctl's clearer message wins. */
  private static final Duration PG_CTL_GRACE = Duration.ofSeconds(10);
  private static final Duration QUICK_COMMAND_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STATE_POLL = Duration.ofMillis(10);
  /**
   * pg_control begins system_identifier (8 bytes), pg_control_version (4), catalog_version_no
   * (4), then the DBState enum, whose DB_IN_PRODUCTION is 6: unchanged since PostgreSQL 9.
   */
  private static final int CONTROL_STATE_OFFSET = 16;
  static final int DB_IN_PRODUCTION = 6;
  /** How long to wait for a finished command's output pipe to drain. */
  private static final Duration OUTPUT_DRAIN = Duration.ofSeconds(5);

  public enum StopMode {
    /** Waits for clients to disconnect. */
    SMART,
    /** Disconnects clients, checkpoints, shuts down cleanly. */
    FAST,
    /** Kills the server; the next start runs crash recovery. */
    IMMEDIATE;

    String pgCtlName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * What pg_controldata says about the data directory; readable whether or not PostgreSQL runs.
   *
   * @param systemIdentifier unsigned 64-bit in a long ({@link #systemIdentifierText()} prints it)
   * @param clusterState e.g. "shut down", "shut down in recovery", "in production",
   *     "in archive recovery", "in crash recovery", "shutting down"
   * @param latestCheckpointLsn as a 64-bit WAL position
   * @param dataChecksumVersion 0 when data checksums are off
   * @param minRecoveryEndTimeline 0 when there is no minimum recovery point (a primary)
   */
  public record ControlData(long systemIdentifier, String clusterState, long latestCheckpointLsn,
      int latestCheckpointTimeline, int dataChecksumVersion, long minRecoveryEndLsn,
      int minRecoveryEndTimeline) {
    public String systemIdentifierText() {
      return Long.toUnsignedString(systemIdentifier);
    }

    /** pg_rewind and a clean follow both want a cleanly shut-down target. */
    public boolean shutDownCleanly() {
      return clusterState.equals("shut down") || clusterState.equals("shut down in recovery");
    }

    public boolean dataChecksumsEnabled() {
      return dataChecksumVersion != 0;
    }
  }

  private final PgBinaries binaries;
  private final Path pgdata;
  private final Path logFile;

  /**
   * @param pgdata the data directory (need not exist yet)
   * @param logFile where the postmaster writes its log (pg_ctl -l)
   */
  public PgServer(PgBinaries binaries, Path pgdata, Path logFile) {
    this.binaries = binaries;
    this.pgdata = pgdata.toAbsolutePath();
    this.logFile = logFile.toAbsolutePath();
  }

  public Path pgdata() {
    return pgdata;
  }

  public Path logFile() {
    return logFile;
  }

  /**
   * Creates the database cluster, with data checksums (pg_rewind needs them or wal_log_hints)
   * and SCRAM authentication for local and host connections.
   *
   * @param suPasswordFile holds the superuser's password (initdb reads its first line)
   * @param locale null for initdb's default (from the environment)
   * @param encoding null for UTF8
   */
  public void initdb(String superuser, Path suPasswordFile, String locale, String encoding,
      Duration timeout) {
    if (isInitialized()) {
      throw PgCommandException.refused("initdb", pgdata + " already holds a database cluster");
    }
    List<String> cmd = new ArrayList<>(List.of(bin("initdb"), "-D", pgdata.toString(),
        "--data-checksums", "--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
        "-U", superuser, "--pwfile=" + suPasswordFile.toAbsolutePath(),
        "--encoding=" + (encoding == null ? "UTF8" : encoding)));
    if (locale != null) {
      cmd.add("--locale=" + locale);
    }
    log.info("initdb pgdata={} superuser={} locale={} encoding={}", pgdata, superuser,
        locale == null ? "(default)" : locale, encoding == null ? "UTF8" : encoding);
    run(cmd, Map.of(), timeout);
  }

  /**
   * Starts PostgreSQL and waits until it accepts connections (a standby: until it is
   * consistent). pg_ctl detaches the postmaster into its own session, so PostgreSQL outlives a
   * killed keeper and the next keeper adopts it. Does nothing if it already runs.
   */
  public void start(Duration timeout) {
    if (isRunning()) {
      log.info("start: already running pgdata={} pid={}", pgdata, postmasterPid().orElse(0));
      return;
    }
    createLogDirectory();
    long logOffset = logSize();
    log.info("start pgdata={} log={}", pgdata, logFile);
    try {
      run(List.of(bin("pg_ctl"), "start", "-w", "-t", seconds(timeout), "-D", pgdata.toString(),
          "-l", logFile.toString()), Map.of(), timeout.plus(PG_CTL_GRACE));
    } catch (PgCommandException e) {
      throw withServerLog(e, logOffset);
    }
  }

  /** Stops PostgreSQL and waits until it is down. Does nothing if it is not running. */
  public void stop(StopMode mode, Duration timeout) {
    if (!isRunning()) {
      log.info("stop: not running pgdata={}", pgdata);
      return;
    }
    log.info("stop pgdata={} mode={}", pgdata, mode.pgCtlName());
    List<String> command = List.of(bin("pg_ctl"), "stop", "-W", "-D", pgdata.toString(), "-m", mode.pgCtlName());
    try {
      run(command, Map.of(), QUICK_COMMAND_TIMEOUT);
    } catch (PgCommandException e) {
      if (isRunning()) {
        throw e;
      }
      return; // it stopped by itself between the check and the signal
    }
    awaitState(describe(command), timeout, () -> !isRunning(), "did not stop");
  }

  /** Stops (if running) and starts PostgreSQL with the options it last ran with. */
  public void restart(StopMode mode, Duration timeout) {
    createLogDirectory();
    long logOffset = logSize();
    log.info("restart pgdata={} mode={}", pgdata, mode.pgCtlName());
    try {
      run(List.of(bin("pg_ctl"), "restart", "-w", "-t", seconds(timeout), "-D", pgdata.toString(),
          "-m", mode.pgCtlName(), "-l", logFile.toString()), Map.of(), timeout.plus(PG_CTL_GRACE));
    } catch (PgCommandException e) {
      throw withServerLog(e, logOffset);
    }
  }

  /** Makes the running server re-read its configuration files (SIGHUP). */
  public void reload() {
    log.info("reload pgdata={}", pgdata);
    run(List.of(bin("pg_ctl"), "reload", "-D", pgdata.toString()), Map.of(), QUICK_COMMAND_TIMEOUT);
  }

  /** Ends recovery on a standby and waits until it accepts writes on a new timeline. */
  public void promote(Duration timeout) {
    log.info("promote pgdata={}", pgdata);
    long logOffset = logSize();
    List<String> command = List.of(bin("pg_ctl"), "promote", "-W", "-D", pgdata.toString());
    try {
      run(command, Map.of(), QUICK_COMMAND_TIMEOUT);
      awaitState(describe(command), timeout, () -> {
        if (!isRunning()) {
          throw new PgCommandException(describe(command), "PostgreSQL stopped during the promotion", List.of(), null);
        }
        return controlFileState() == DB_IN_PRODUCTION;
      }, "did not finish the promotion");
    } catch (PgCommandException e) {
      throw withServerLog(e, logOffset);
    }
  }

  /**
   * Waits, looking every {@link #STATE_POLL}, until {@code reached}. pg_ctl's own -w looks every
   * 100 ms, a wait that a switchover pays twice (the old master's stop, the new one's promotion).
   */
  private static void awaitState(String command, Duration timeout, java.util.function.BooleanSupplier reached,
      String failure) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!reached.getAsBoolean()) {
      if (System.nanoTime() - deadline >= 0) {
        throw new PgCommandException(command, failure + " within " + timeout.toSeconds() + "s", List.of(), null);
      }
      try {
        Thread.sleep(STATE_POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new PgCommandException(command, "interrupted while waiting", List.of(), e);
      }
    }
  }

  /**
   * The cluster state field of global/pg_control, as pg_ctl -w promote reads it: PostgreSQL sets
   * it to in production only after it accepts writes. -1 when the file cannot be read.
   */
  int controlFileState() {
    try (var channel = Files.newByteChannel(pgdata.resolve("global").resolve("pg_control"))) {
      java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(CONTROL_STATE_OFFSET + 4);
      while (head.hasRemaining() && channel.read(head) > 0) {
        // a short read continues
      }
      return controlFileState(head.array());
    } catch (IOException e) {
      return -1;
    }
  }

  /** The state in the first bytes of pg_control, written in the server's (this machine's) byte order. */
  static int controlFileState(byte[] head) {
    if (head.length < CONTROL_STATE_OFFSET + 4) {
      return -1;
    }
    return java.nio.ByteBuffer.wrap(head).order(java.nio.ByteOrder.nativeOrder()).getInt(CONTROL_STATE_OFFSET);
  }

  public boolean isRunning() {
    return postmasterPid().isPresent();
  }

  /**
   * The postmaster's pid, if postmaster.pid names a live postgres process. A pid file left by a
   * crash (its pid dead, or reused by some other program after a reboot) means not running.
   */
  public OptionalLong postmasterPid() {
    String firstLine;
    try (Stream<String> lines = Files.lines(pgdata.resolve("postmaster.pid"))) {
      firstLine = lines.findFirst().orElse("").strip();
    } catch (NoSuchFileException e) {
      return OptionalLong.empty();
    } catch (IOException | UncheckedIOException e) {
      log.warn("cannot read postmaster.pid pgdata={} error={}", pgdata, e.getMessage());
      return OptionalLong.empty();
    }
    long pid;
    try {
      pid = Long.parseLong(firstLine);
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
    Optional<ProcessHandle> process = ProcessHandle.of(pid);
    if (process.isEmpty() || !process.get().isAlive() || isZombie(pid) || !isPostgres(process.get())) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(pid);
  }

  /**
   * The Unix-socket lock files ({@code .s.PGSQL.<port>.lock}) in a socket dir whose postmaster is
   * dead or a zombie. Only meaningful for a socket dir no running PostgreSQL uses (the keeper's own).
   */
  static List<Path> staleSocketLocks(Path socketDir) {
    List<Path> stale = new ArrayList<>();
    try (Stream<Path> files = Files.list(socketDir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().matches("\\.s\\.PGSQL\\.\\d+\\.lock")).toList()) {
        try {
          long pid = Long.parseLong(Files.readAllLines(f).get(0).strip());
          if (ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true) || isZombie(pid)) {
            stale.add(f);
          }
        } catch (IOException | RuntimeException e) {
          // unreadable or half written: leave it to PostgreSQL's own check
        }
      }
    } catch (IOException e) {
      return List.of();
    }
    return stale;
  }

  /**
   * A postmaster that died but was not reaped yet: ProcessHandle calls it alive. pg_ctl leaves the
   * postmaster an orphan, so its reaper is PID 1, which in a container may reap late (seconds
   * here) or never; until then a crashed PostgreSQL would look running and its restart wait
   * past failInterval. Without /proc (not Linux) this says no, as before.
   */
  static boolean isZombie(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // "pid (comm) S ...": the command may hold spaces and parentheses, the state follows the last ')'
      int close = stat.lastIndexOf(')');
      char state = stat.charAt(close + 2);
      return state == 'Z' || state == 'X';
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static boolean isPostgres(ProcessHandle process) {
    // Unknown command (not ours to inspect): say running; a wrong "running" only delays us,
    // a wrong "stopped" could start a second postmaster.
    return process.info().command()
        .map(c -> Path.of(c).getFileName().toString())
        .map(name -> name.equals("postgres") || name.equals("postmaster"))
        .orElse(true);
  }

  public boolean isInitialized() {
    return Files.exists(pgdata.resolve("PG_VERSION"));
  }

  /** The major version that created the data directory (PG_VERSION), e.g. 15. */
  public int dataDirMajorVersion() {
    Path file = pgdata.resolve("PG_VERSION");
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalStateException(file + " holds '" + text + "', not a major version", e);
    }
  }

  public ControlData controlData() {
    // pg_controldata's labels are translated; parse them in English.
    List<String> lines = run(List.of(bin("pg_controldata"), "-D", pgdata.toString()),
        Map.of("LC_ALL", "C", "LANG", "C"), QUICK_COMMAND_TIMEOUT);
    return parseControlData(String.join("\n", lines));
  }

  static ControlData parseControlData(String output) {
    Map<String, String> fields = new HashMap<>();
    for (String line : output.split("\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        fields.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
      }
    }
    try {
      return new ControlData(
          Long.parseUnsignedLong(field(fields, "Database system identifier")),
          field(fields, "Database cluster state"),
          PgSession.parseLsn(field(fields, "Latest checkpoint location")),
          Integer.parseInt(field(fields, "Latest checkpoint's TimeLineID")),
          Integer.parseInt(field(fields, "Data page checksum version")),
          PgSession.parseLsn(field(fields, "Minimum recovery ending location")),
          Integer.parseInt(field(fields, "Min recovery ending loc's timeline")));
    } catch (IllegalArgumentException e) {
      throw new PgCommandException("pg_controldata", "unexpected output: " + e.getMessage(),
          List.of(), e);
    }
  }

  private static String field(Map<String, String> fields, String label) {
    String value = fields.get(label);
    if (value == null) {
      throw new IllegalArgumentException("no '" + label + "' line");
    }
    return value;
  }

  /**
   * Copies a primary outside the cluster (a standby cluster's source) here. {@code conninfo} is
   * the operator's primaryConninfo without its password, which travels in PGPASSWORD, not argv.
   * {@code slotName} may be null: the external primary need not have a slot for us.
   */
  public void baseBackupExternal(String conninfo, String password, String slotName, Duration timeout) {
    String command = "pg_basebackup";
    if (!isAbsentOrEmpty(pgdata)) {
      throw PgCommandException.refused(command, pgdata + " is not empty; a base backup needs an "
          + "empty or absent data directory");
    }
    log.info("pg_basebackup pgdata={} source=external primary slot={}", pgdata, slotName);
    List<String> cmd = new java.util.ArrayList<>(List.of(bin("pg_basebackup"), "-D", pgdata.toString(),
        "-X", "stream", "-c", "fast", "-d", conninfo, "-w"));
    if (slotName != null) {
      cmd.addAll(List.of("-S", slotName));
    }
    run(cmd, password == null ? Map.of() : Map.of("PGPASSWORD", password), timeout);
    try {
      Files.setPosixFilePermissions(pgdata, PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot chmod 0700 " + pgdata + ": " + e.getMessage(), e);
    }
    log.info("pg_basebackup done pgdata={}", pgdata);
  }

  /**
   * Copies a running server's data directory here, streaming the WAL it needs, through the
   * physical replication slot {@code slotName} (which must exist on the source).
   *
   * @throws PgCommandException if PGDATA holds anything (we never overwrite data here)
   */
  public void baseBackup(ConnInfo source, String password, String slotName, Duration timeout) {
    String command = "pg_basebackup";
    if (!isAbsentOrEmpty(pgdata)) {
      throw PgCommandException.refused(command, pgdata + " is not empty; a base backup needs an "
          + "empty or absent data directory");
    }
    log.info("pg_basebackup pgdata={} source=[{}] slot={}", pgdata, source, slotName);
    try (PgPassFile pass = PgPassFile.createTemp(source, password)) {
      run(List.of(bin("pg_basebackup"), "-D", pgdata.toString(), "-X", "stream", "-c", "fast",
          "-S", slotName, "-d", source.conninfo(), "-w"),
          Map.of("PGPASSFILE", pass.path().toString()), timeout);
    }
    // PostgreSQL refuses to start on a data directory others can read.
    try {
      Files.setPosixFilePermissions(pgdata, PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot chmod 0700 " + pgdata + ": " + e.getMessage(), e);
    }
    log.info("pg_basebackup done pgdata={}", pgdata);
  }

  /**
   * Rewinds this (stopped) data directory to where its timeline diverged from the source's, so
   * it can follow the source. PostgreSQL 13+ first runs crash recovery itself if this server was
   * not shut down cleanly. pg_rewind copies the source's configuration files too: render ours
   * again (and standby.signal) before starting.
   */
  public void rewind(ConnInfo source, String password, Duration timeout) {
    String command = "pg_rewind";
    if (!isInitialized()) {
      throw PgCommandException.refused(command, pgdata + " holds no database cluster to rewind");
    }
    if (isRunning()) {
      throw PgCommandException.refused(command, "PostgreSQL is running on " + pgdata
          + "; stop it first");
    }
    log.info("pg_rewind pgdata={} source=[{}]", pgdata, source);
    List<String> output;
    try (PgPassFile pass = PgPassFile.createTemp(source, password)) {
      output = run(List.of(bin("pg_rewind"), "-D", pgdata.toString(),
          "--source-server=" + source.conninfo()),
          Map.of("PGPASSFILE", pass.path().toString()), timeout);
    }
    // Its own lines say where the timelines diverged; the rest is the crash-recovery backend.
    log.info("pg_rewind done pgdata={} output=[{}]", pgdata, String.join(" | ",
        output.stream().filter(line -> line.startsWith("pg_rewind:")).toList()));
  }

  /**
   * Deletes the data directory and everything in it. The caller logs why before calling: this
   * is the one place Rhizome destroys a database, and the reason belongs next to it in the log.
   */
  public void wipeDataDir() {
    if (isRunning()) {
      throw PgCommandException.refused("wipe data directory", "PostgreSQL is running on " + pgdata);
    }
    if (!Files.exists(pgdata)) {
      return;
    }
    log.info("wipe data directory pgdata={}", pgdata);
    try {
      Files.walkFileTree(pgdata, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
          if (e != null) {
            throw e;
          }
          Files.delete(dir);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + pgdata + ": " + e.getMessage(), e);
    }
  }

  private String bin(String program) {
    return binaries.binary(program).toString();
  }

  private static String seconds(Duration timeout) {
    return Long.toString(Math.max(1, (timeout.toMillis() + 999) / 1000));
  }

  private static boolean isAbsentOrEmpty(Path dir) {
    if (!Files.exists(dir)) {
      return true;
    }
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  private void createLogDirectory() {
    try {
      Files.createDirectories(logFile.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + logFile.getParent() + ": " + e.getMessage(), e);
    }
  }

  private long logSize() {
    try {
      return Files.exists(logFile) ? Files.size(logFile) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  /** pg_ctl only says "could not start server"; the reason is in the server log. */
  private PgCommandException withServerLog(PgCommandException e, long fromOffset) {
    List<String> serverLog = new ArrayList<>();
    try (InputStream in = Files.newInputStream(logFile)) {
      in.skipNBytes(Math.min(fromOffset, Files.size(logFile)));
      serverLog.addAll(new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList());
    } catch (IOException ignored) {
      return e;
    }
    return serverLog.isEmpty() ? e : e.withMoreOutput("server log:", tail(serverLog));
  }

  private static List<String> tail(List<String> lines) {
    return List.copyOf(lines.subList(Math.max(0, lines.size() - OUTPUT_TAIL_LINES), lines.size()));
  }

  /**
   * Runs a command to completion and returns its output lines (stdout and stderr together).
   * The environment loses every PG* variable of ours (a stray PGPASSWORD or PGHOST would change
   * what the command does) and gains {@code env}.
   */
  private static List<String> run(List<String> command, Map<String, String> env, Duration timeout) {
    String described = describe(command);
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
    builder.environment().putAll(env);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new PgCommandException(described, "cannot start: " + e.getMessage(), List.of(), e);
    }
    OutputCollector output = new OutputCollector(process.getInputStream(), command.get(0));
    try {
      if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        destroyTree(process);
        output.awaitEnd(OUTPUT_DRAIN);
        throw new PgCommandException(described, "timed out after " + timeout.toSeconds()
            + "s; killed it and its child processes", tail(output.lines()), null);
      }
      output.awaitEnd(OUTPUT_DRAIN);
    } catch (InterruptedException e) {
      destroyTree(process);
      Thread.currentThread().interrupt();
      throw new PgCommandException(described, "interrupted; killed it", tail(output.lines()), e);
    }
    if (process.exitValue() != 0) {
      throw new PgCommandException(described, process.exitValue(), tail(output.lines()));
    }
    return output.lines();
  }

  private static void destroyTree(Process process) {
    // Children first seen while the parent lives: once it dies they are reparented, untraceable.
    List<ProcessHandle> children = process.descendants().toList();
    process.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
  }

  /** The program's name and its arguments, for messages (no argument ever holds a password). */
  private static String describe(List<String> command) {
    List<String> shown = new ArrayList<>(command);
    shown.set(0, Path.of(command.get(0)).getFileName().toString());
    return String.join(" ", shown);
  }

  /** Reads a command's output on its own thread so a chatty command never blocks on a full pipe. */
  private static final class OutputCollector {
    private final ArrayDeque<String> lines = new ArrayDeque<>();
    private final Thread reader;

    OutputCollector(InputStream in, String program) {
      String name = Path.of(program).getFileName().toString();
      reader = new Thread(() -> read(in, name), "output-" + name);
      reader.setDaemon(true);
      reader.start();
    }

    private void read(InputStream in, String name) {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          log.debug("{}: {}", name, line);
          synchronized (lines) {
            if (lines.size() == OUTPUT_MAX_LINES) {
              lines.removeFirst();
            }
            lines.addLast(line);
          }
        }
      } catch (IOException e) {
        log.debug("{}: output stream closed: {}", name, e.getMessage());
      }
    }

    /** Bounded: a grandchild that kept the pipe open must not hang us. */
    void awaitEnd(Duration limit) throws InterruptedException {
      reader.join(Math.max(1, limit.toMillis()));
    }

    List<String> lines() {
      synchronized (lines) {
        return List.copyOf(lines);
      }
    }
  }
}
