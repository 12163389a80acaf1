package io.rhizome.node.keeper;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where and as whom to connect to a PostgreSQL server, rendered as a libpq conninfo string
 * ({@code host='10.0.0.1' port='5432' user='repl' ...}) for pg_basebackup, pg_rewind and
 * {@code primary_conninfo}. It holds no password, so it is safe to log and to put on a command
 * line: the password travels in a pgpass file ({@link PgPassFile}) or a JDBC property.
 *
 * @param dbname null for libpq's default (the user name)
 * @param applicationName null for none; a standby's name as the primary's
 *     {@code pg_stat_replication.application_name} shows it
 * @param options further libpq keywords in order, e.g. {@code sslmode}, {@code connect_timeout}
 */
public record ConnInfo(String host, int port, String user, String dbname, String applicationName,
    Map<String, String> options) {
  private static final Pattern KEYWORD = Pattern.compile("[a-z_]+");
  /** Keywords with their own component, or that would carry a secret. */
  private static final Set<String> NOT_AN_OPTION =
      Set.of("host", "port", "user", "dbname", "application_name", "password");

  public ConnInfo {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(user, "user");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is not between 1 and 65535");
    }
    Map<String, String> copy = new LinkedHashMap<>();
    (options == null ? Map.<String, String>of() : options).forEach((key, value) -> {
      if (!KEYWORD.matcher(key).matches() || NOT_AN_OPTION.contains(key)) {
        throw new IllegalArgumentException("'" + key + "' cannot be a conninfo option here"
            + (key.equals("password") ? " (passwords go into a pgpass file)" : ""));
      }
      copy.put(key, Objects.requireNonNull(value, key));
    });
    options = Collections.unmodifiableMap(copy);
  }

  public static ConnInfo of(String host, int port, String user, String dbname) {
    return new ConnInfo(host, port, user, dbname, null, Map.of());
  }

  public ConnInfo withApplicationName(String name) {
    return new ConnInfo(host, port, user, dbname, name, options);
  }

  public ConnInfo withDbname(String name) {
    return new ConnInfo(host, port, user, name, applicationName, options);
  }

  public ConnInfo withOption(String keyword, String value) {
    Map<String, String> more = new LinkedHashMap<>(options);
    more.put(keyword, value);
    return new ConnInfo(host, port, user, dbname, applicationName, more);
  }

  /** The libpq conninfo string; every value quoted, so spaces and quotes in values are safe. */
  public String conninfo() {
    StringBuilder s = new StringBuilder();
    append(s, "host", host);
    append(s, "port", Integer.toString(port));
    append(s, "user", user);
    if (dbname != null) {
      append(s, "dbname", dbname);
    }
    if (applicationName != null) {
      append(s, "application_name", applicationName);
    }
    options.forEach((k, v) -> append(s, k, v));
    return s.toString();
  }

  /** The conninfo string: it never holds a password. */
  @Override
  public String toString() {
    return conninfo();
  }

  /** libpq: "single quotes and backslashes within the value must be escaped with a backslash". */
  static String quote(String value) {
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  private static void append(StringBuilder s, String keyword, String value) {
    if (s.length() > 0) {
      s.append(' ');
    }
    s.append(keyword).append('=').append(quote(value));
  }
}
