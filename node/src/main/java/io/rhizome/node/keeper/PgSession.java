package io.rhizome.node.keeper;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JDBC connection (pgjdbc, TCP) to the local PostgreSQL as its superuser: what the keeper's
 * observer reads ({@link #probe()}) and the SQL its actions run. Every call is one round of
 * real queries bounded by the request timeout; failures surface as {@link SQLException}, whose
 * SQLState says what happened (08xxx: cannot connect).
 */
public final class PgSession implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PgSession.class);
  private static final Pattern LSN = Pattern.compile("([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})");
  private static final Pattern SCRAM_VERIFIER =
      Pattern.compile("SCRAM-SHA-256\\$(\\d+):([^$]+)\\$([^:]+):(.+)");
  private static final String DUPLICATE_OBJECT = "42710";
  private static final String UNDEFINED_OBJECT = "42704";
  private static final String OBJECT_IN_USE = "55006";

  /**
   * What the observer learns about the server in one round.
   *
   * @param systemIdentifier pg_control_system(); unsigned 64-bit in a long
   * @param currentLsn a primary's pg_current_wal_lsn(), a standby's pg_last_wal_replay_lsn();
   *     0 (PostgreSQL's invalid LSN) when unknown
   * @param receiveLsn a standby's pg_last_wal_receive_lsn(); 0 on a primary or before streaming
   * @param walReceiver a standby's WAL receiver, if one runs
   */
  public record Probe(boolean inRecovery, int serverVersionNum, long systemIdentifier,
      long currentLsn, long receiveLsn, String synchronousStandbyNames,
      List<String> pendingRestartParameters, List<FileSettingError> fileSettingErrors,
      List<Standby> replication, List<PhysicalSlot> physicalSlots,
      Optional<WalReceiver> walReceiver) {}

  /**
   * A line of a configuration file PostgreSQL cannot apply (unknown name, bad value, syntax
   * error: then {@code name} is null). While any line is in error a reload applies nothing.
   */
  public record FileSettingError(String name, String sourceFile, int sourceLine, String error) {}

  /** A row of pg_stat_replication: a standby streaming from this server. LSNs 0 when unknown. */
  public record Standby(String applicationName, String state, String syncState, long flushLsn,
      long replayLsn) {}

  /** A physical replication slot; {@code walLost} when the WAL it held back was removed anyway. */
  public record PhysicalSlot(String name, boolean active, boolean walLost) {}

  /** pg_stat_wal_receiver: whom a standby streams from and how it goes ("streaming", ...). */
  public record WalReceiver(String status, String slotName, String senderHost, int senderPort) {}

  /** IDENTIFY_SYSTEM over a replication connection. */
  public record IdentifySystem(long systemId, int timeline, long xlogPos) {}

  /** One line of a timeline history file: {@code timeline} ended (switched) at {@code switchLsn}. */
  public record TimelineHistoryEntry(int timeline, long switchLsn, String reason) {}

  public enum SlotDrop { DROPPED, ABSENT, ACTIVE_SKIPPED }

  public enum RoleChange { CREATED, UPDATED, UNCHANGED }

  private final Connection connection;
  /**
   * Opened on first use and kept: the keeper asks IDENTIFY_SYSTEM every round, and a fresh
   * replication connection costs tens of milliseconds (a forked backend, a login), which every
   * keeper round, and so every failover step, would pay. An idle walsender is never streaming,
   * so it is never counted as a standby.
   */
  private Connection replication;
  /** A timeline's history never changes while this server runs; one read per timeline is enough. */
  private final java.util.Map<Integer, List<TimelineHistoryEntry>> historyByTimeline = new java.util.HashMap<>();
  private final ConnInfo target;
  private final String password;
  private final Duration requestTimeout;

  private PgSession(Connection connection, ConnInfo target, String password, Duration requestTimeout) {
    this.connection = connection;
    this.target = target;
    this.password = password;
    this.requestTimeout = requestTimeout;
  }

  /**
   * Connects over TCP. {@code requestTimeout} bounds connecting, logging in and every query.
   * Of {@code target}'s options only {@code sslmode} is passed on.
   */
  public static PgSession connect(ConnInfo target, String password, Duration requestTimeout)
      throws SQLException {
    Properties props = new Properties();
    // The keeper's own writes (roles, passwords) never wait for a synchronous standby: not for the
    // lease standby it runs itself, nor for a sync standby that is not there yet during set-up.
    props.setProperty("options", "-c synchronous_commit=local");
    Connection c = open(target, password, requestTimeout, props);
    return new PgSession(c, target, password, requestTimeout);
  }

  /** The JDBC connection, for tests and one-off SQL. */
  Connection connection() {
    return connection;
  }

  /**
   * What the keeper looks at each round, in one round trip: six statements sent together (pgjdbc
   * sends a multi-statement string as one batch). One at a time, they took a just-promoted master,
   * busy with its first checkpoint on two loaded cores, 80 ms to answer.
   */
  public Probe probe() throws SQLException {
    // wal_status exists from PostgreSQL 13; 'lost' means max_slot_wal_keep_size removed WAL
    // the slot's standby still needs: that standby can never catch up by streaming
    String walStatus = connection.getMetaData().getDatabaseMajorVersion() >= 13 ? "wal_status = 'lost'" : "false";
    String sql = String.join(";\n",
        // CASE, not both functions: pg_current_wal_lsn() raises an error during recovery.
        "SELECT pg_is_in_recovery(),"
            + " current_setting('server_version_num')::int,"
            + " (SELECT system_identifier FROM pg_control_system()),"
            + " CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
            + "      ELSE pg_current_wal_lsn() END::text,"
            + " pg_last_wal_receive_lsn()::text,"
            + " current_setting('synchronous_standby_names')",
        "SELECT name FROM pg_settings WHERE pending_restart ORDER BY name",
        // A changed restart-only setting also shows in pg_file_settings ("setting could not be
        // applied"); it is pending, not wrong (an invalid value never becomes pending).
        "SELECT name, sourcefile, sourceline, error"
            + " FROM pg_file_settings f WHERE error IS NOT NULL AND NOT EXISTS"
            + " (SELECT 1 FROM pg_settings s WHERE s.pending_restart AND s.name = f.name)"
            + " ORDER BY seqno",
        "SELECT application_name, state, sync_state,"
            + " flush_lsn::text, replay_lsn::text FROM pg_stat_replication ORDER BY application_name",
        "SELECT slot_name, active, " + walStatus + " FROM pg_replication_slots"
            + " WHERE slot_type = 'physical' ORDER BY slot_name",
        "SELECT status, slot_name, sender_host, sender_port FROM pg_stat_wal_receiver");
    try (Statement st = connection.createStatement()) {
      st.execute(sql);
      boolean inRecovery;
      int versionNum;
      long systemId;
      long currentLsn;
      long receiveLsn;
      String syncNames;
      try (ResultSet rs = next(st, true)) {
        rs.next();
        inRecovery = rs.getBoolean(1);
        versionNum = rs.getInt(2);
        systemId = rs.getLong(3);
        currentLsn = lsnOrZero(rs.getString(4));
        receiveLsn = lsnOrZero(rs.getString(5));
        syncNames = rs.getString(6);
      }
      List<String> pending = new ArrayList<>();
      try (ResultSet rs = next(st, false)) {
        while (rs.next()) {
          pending.add(rs.getString(1));
        }
      }
      List<FileSettingError> fileErrors = new ArrayList<>();
      try (ResultSet rs = next(st, false)) {
        while (rs.next()) {
          fileErrors.add(new FileSettingError(rs.getString(1), rs.getString(2), rs.getInt(3),
              rs.getString(4)));
        }
      }
      List<Standby> standbys = new ArrayList<>();
      try (ResultSet rs = next(st, false)) {
        while (rs.next()) {
          standbys.add(new Standby(rs.getString(1), rs.getString(2), rs.getString(3),
              lsnOrZero(rs.getString(4)), lsnOrZero(rs.getString(5))));
        }
      }
      List<PhysicalSlot> slots = new ArrayList<>();
      try (ResultSet rs = next(st, false)) {
        while (rs.next()) {
          slots.add(new PhysicalSlot(rs.getString(1), rs.getBoolean(2), rs.getBoolean(3)));
        }
      }
      Optional<WalReceiver> receiver = Optional.empty();
      try (ResultSet rs = next(st, false)) {
        if (rs.next()) {
          receiver = Optional.of(new WalReceiver(rs.getString(1), rs.getString(2),
              rs.getString(3), rs.getInt(4)));
        }
      }
      return new Probe(inRecovery, versionNum, systemId, currentLsn, receiveLsn, syncNames,
          List.copyOf(pending), List.copyOf(fileErrors), List.copyOf(standbys), List.copyOf(slots),
          receiver);
    }
  }

  /** The first result of a multi-statement execute, or the next one; each statement is a query. */
  private static ResultSet next(Statement st, boolean first) throws SQLException {
    if (!first && !st.getMoreResults(Statement.KEEP_CURRENT_RESULT)) {
      throw new SQLException("the probe returned fewer results than it has statements");
    }
    ResultSet rs = st.getResultSet();
    if (rs == null) {
      throw new SQLException("a probe statement returned no rows");
    }
    return rs;
  }

  /** The server's system id, current timeline and WAL position, as a standby would see them. */
  public IdentifySystem identifySystem() throws SQLException {
    try (Statement st = replication().createStatement();
        ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
      rs.next();
      return new IdentifySystem(Long.parseUnsignedLong(rs.getString("systemid")),
          rs.getInt("timeline"), parseLsn(rs.getString("xlogpos")));
    } catch (SQLException e) {
      closeReplication();
      throw e;
    }
  }

  /**
   * The history of timeline {@code timeline}: the timelines before it and where each ended.
   * Timeline 1 has no history file and gives an empty list.
   */
  public List<TimelineHistoryEntry> timelineHistory(int timeline) throws SQLException {
    if (timeline <= 1) {
      return List.of();
    }
    List<TimelineHistoryEntry> known = historyByTimeline.get(timeline);
    if (known != null) {
      return known;
    }
    try (Statement st = replication().createStatement();
        ResultSet rs = st.executeQuery("TIMELINE_HISTORY " + timeline)) {
      rs.next();
      // content is bytea since PostgreSQL 15 (text before).
      String content = rs.getMetaData().getColumnTypeName(2).equals("bytea")
          ? new String(rs.getBytes(2), StandardCharsets.UTF_8)
          : rs.getString(2);
      List<TimelineHistoryEntry> history = List.copyOf(parseTimelineHistory(content));
      historyByTimeline.put(timeline, history);
      return history;
    } catch (SQLException e) {
      closeReplication();
      throw e;
    }
  }

  private Connection replication() throws SQLException {
    if (replication == null) {
      replication = openReplication();
    }
    return replication;
  }

  private void closeReplication() {
    if (replication != null) {
      try {
        replication.close();
      } catch (SQLException e) {
        // already broken: nothing more to do
      }
      replication = null;
    }
  }

  /** @return false if the slot already existed */
  public boolean createPhysicalSlot(String name) throws SQLException {
    if (slotExists(name)) {
      return false;
    }
    // immediately_reserve: keep WAL from now on, before the standby first connects.
    try (PreparedStatement ps = connection.prepareStatement(
        "SELECT pg_create_physical_replication_slot(?, true)")) {
      ps.setString(1, name);
      ps.executeQuery().close();
    } catch (SQLException e) {
      if (DUPLICATE_OBJECT.equals(e.getSQLState())) {
        return false;
      }
      throw e;
    }
    log.info("replication slot created slot={}", name);
    return true;
  }

  /** Drops a slot unless a standby is streaming through it (then it says so and keeps it). */
  public SlotDrop dropSlot(String name) throws SQLException {
    Optional<Boolean> active = Optional.empty();
    try (PreparedStatement ps = connection.prepareStatement(
        "SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          active = Optional.of(rs.getBoolean(1));
        }
      }
    }
    if (active.isEmpty()) {
      return SlotDrop.ABSENT;
    }
    if (active.get()) {
      log.info("replication slot kept, in use slot={}", name);
      return SlotDrop.ACTIVE_SKIPPED;
    }
    try (PreparedStatement ps = connection.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
      ps.setString(1, name);
      ps.executeQuery().close();
    } catch (SQLException e) {
      // A standby may have connected between our look and the drop.
      if (OBJECT_IN_USE.equals(e.getSQLState())) {
        log.info("replication slot kept, in use slot={}", name);
        return SlotDrop.ACTIVE_SKIPPED;
      }
      if (UNDEFINED_OBJECT.equals(e.getSQLState())) {
        return SlotDrop.ABSENT;
      }
      throw e;
    }
    log.info("replication slot dropped slot={}", name);
    return SlotDrop.DROPPED;
  }

  /** Disconnects every client session but this one (not WAL senders). @return how many */
  public int terminateClientBackends() throws SQLException {
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) AS t"
            + " FROM pg_stat_activity WHERE backend_type = 'client backend'"
            + " AND pid <> pg_backend_pid()) s WHERE t")) {
      rs.next();
      int n = rs.getInt(1);
      log.info("client backends terminated count={}", n);
      return n;
    }
  }

  /** Signals the postmaster to re-read its configuration files, as pg_ctl reload does. */
  public boolean reloadConf() throws SQLException {
    try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_reload_conf()")) {
      return rs.next() && rs.getBoolean(1);
    }
  }

  public void checkpoint() throws SQLException {
    try (Statement st = connection.createStatement()) {
      st.execute("CHECKPOINT");
    }
  }

  /**
   * Makes {@code name} a login role with these attributes and this password, changing only what
   * differs. The password is set as a SCRAM verifier computed here (pgjdbc's
   * alterUserPassword), so the clear text never reaches the server or its log.
   */
  public RoleChange ensureRole(String name, String password, boolean superuser, boolean replication)
      throws SQLException {
    String ident = connection.unwrap(PGConnection.class).escapeIdentifier(name);
    String attributes = "LOGIN " + (superuser ? "SUPERUSER" : "NOSUPERUSER") + " "
        + (replication ? "REPLICATION" : "NOREPLICATION");
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try {
      RoleChange change = ensureRoleInTransaction(name, ident, attributes, password, superuser,
          replication);
      connection.commit();
      return change;
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }

  private RoleChange ensureRoleInTransaction(String name, String ident, String attributes,
      String password, boolean superuser, boolean replication) throws SQLException {
    boolean exists = false;
    boolean attributesMatch = false;
    String verifier = null;
    // pg_authid (superuser only) rather than pg_roles: we need the stored verifier.
    try (PreparedStatement ps = connection.prepareStatement("SELECT rolsuper, rolreplication,"
        + " rolcanlogin, rolpassword FROM pg_authid WHERE rolname = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          exists = true;
          attributesMatch = rs.getBoolean(1) == superuser && rs.getBoolean(2) == replication
              && rs.getBoolean(3);
          verifier = rs.getString(4);
        }
      }
    }
    PGConnection pg = connection.unwrap(PGConnection.class);
    try (Statement st = connection.createStatement()) {
      if (!exists) {
        st.execute("CREATE ROLE " + ident + " " + attributes);
        pg.alterUserPassword(name, password.toCharArray(), "scram-sha-256");
        log.info("role created role={} {}", name, attributes);
        return RoleChange.CREATED;
      }
      boolean changed = false;
      if (!attributesMatch) {
        st.execute("ALTER ROLE " + ident + " " + attributes);
        log.info("role attributes set role={} {}", name, attributes);
        changed = true;
      }
      if (!scramVerifierMatches(verifier, password)) {
        pg.alterUserPassword(name, password.toCharArray(), "scram-sha-256");
        log.info("role password set role={}", name);
        changed = true;
      }
      return changed ? RoleChange.UPDATED : RoleChange.UNCHANGED;
    }
  }

  /**
   * Whether a stored "SCRAM-SHA-256$iter:salt$StoredKey:ServerKey" verifier (RFC 5802) was made
   * from {@code password}. Only printable-ASCII passwords are checked (SASLprep leaves them
   * alone); any other gives false, which just sets the password again.
   */
  static boolean scramVerifierMatches(String verifier, String password) {
    if (verifier == null || !password.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
      return false;
    }
    Matcher m = SCRAM_VERIFIER.matcher(verifier);
    if (!m.matches()) {
      return false;
    }
    try {
      Base64.Decoder b64 = Base64.getDecoder();
      int iterations = Integer.parseInt(m.group(1));
      byte[] salt = b64.decode(m.group(2));
      byte[] salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
          .generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 256))
          .getEncoded();
      byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(hmac(salted, "Client Key"));
      byte[] serverKey = hmac(salted, "Server Key");
      return MessageDigest.isEqual(storedKey, b64.decode(m.group(3)))
          && MessageDigest.isEqual(serverKey, b64.decode(m.group(4)));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  private static byte[] hmac(byte[] key, String message) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(message.getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public void close() throws SQLException {
    closeReplication();
    connection.close();
  }

  /** "16/B374D848" as a 64-bit WAL position (above 2^63 it reads negative, as unsigned). */
  public static long parseLsn(String text) {
    Matcher m = LSN.matcher(text == null ? "" : text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a WAL position (like 0/3000060)");
    }
    return Long.parseLong(m.group(1), 16) << 32 | Long.parseLong(m.group(2), 16);
  }

  /** The inverse of {@link #parseLsn}: 0x3000060 gives "0/3000060". */
  public static String formatLsn(long lsn) {
    return Long.toHexString(lsn >>> 32).toUpperCase() + "/"
        + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
  }

  private static long lsnOrZero(String text) {
    return text == null ? 0 : parseLsn(text);
  }

  /** Lines "parentTLI<TAB>switchpoint<TAB>reason"; blank lines and # comments skipped. */
  static List<TimelineHistoryEntry> parseTimelineHistory(String content) {
    List<TimelineHistoryEntry> entries = new ArrayList<>();
    for (String line : content.split("\n")) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      String[] parts = l.split("\\s+", 3);
      if (parts.length < 2) {
        throw new IllegalArgumentException("timeline history line '" + l + "' has no switch point");
      }
      entries.add(new TimelineHistoryEntry(Integer.parseInt(parts[0]), parseLsn(parts[1]),
          parts.length == 3 ? parts[2] : ""));
    }
    return List.copyOf(entries);
  }

  private Connection openReplication() throws SQLException {
    Properties props = new Properties();
    props.setProperty("replication", "database");
    // The replication protocol understands only simple queries.
    props.setProperty("assumeMinServerVersion", "9.4");
    props.setProperty("preferQueryMode", "simple");
    return open(target, password, requestTimeout, props);
  }

  /**
   * A physical replication connection named {@code applicationName} (what
   * synchronous_standby_names lists) whose reads never time out: a walsender that has nothing to
   * send is silent until the next WAL or its keepalive.
   */
  static Connection openStreaming(ConnInfo target, String password, Duration connectTimeout,
      String applicationName) throws SQLException {
    Properties props = new Properties();
    props.setProperty("replication", "true");
    props.setProperty("assumeMinServerVersion", "9.4");
    props.setProperty("preferQueryMode", "simple");
    props.setProperty("ApplicationName", applicationName);
    props.setProperty("socketTimeout", "0");
    return open(target, password, connectTimeout, props);
  }

  private static Connection open(ConnInfo target, String password, Duration timeout,
      Properties extra) throws SQLException {
    String host = target.host().contains(":") ? "[" + target.host() + "]" : target.host();
    String dbname = target.dbname() == null ? target.user() : target.dbname();
    String url = "jdbc:postgresql://" + host + ":" + target.port() + "/"
        + URLEncoder.encode(dbname, StandardCharsets.UTF_8);
    Properties props = new Properties();
    props.setProperty("user", target.user());
    props.setProperty("password", password);
    props.setProperty("ApplicationName",
        target.applicationName() == null ? "rhizome-keeper" : target.applicationName());
    String seconds = Long.toString(Math.max(1, (timeout.toMillis() + 999) / 1000));
    props.setProperty("connectTimeout", seconds);
    props.setProperty("loginTimeout", seconds);
    props.setProperty("socketTimeout", seconds);
    String sslmode = target.options().get("sslmode");
    if (sslmode != null) {
      props.setProperty("sslmode", sslmode);
    }
    props.putAll(extra);
    return DriverManager.getConnection(url, props);
  }

  private boolean slotExists(String name) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement(
        "SELECT 1 FROM pg_replication_slots WHERE slot_name = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }
}
