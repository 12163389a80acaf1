package io.rhizome.node.keeper;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The text of the pg_hba.conf the keeper writes: its own entries first (pg_hba.conf is
 * first-match, so a spec line can never lock the keeper or the standbys out), then the spec's.
 * Pure: inputs in, text out.
 */
public final class PgHbaFile {
  private PgHbaFile() {}

  public static final String DEFAULT_AUTH_METHOD = "scram-sha-256";

  /**
   * @param authMethod for the keeper's entries and the default rule; null or blank for
   *     {@value #DEFAULT_AUTH_METHOD}
   * @param specLines the spec's {@code pgHBA}; empty for the default rule (from anywhere, all
   *     users, with {@code authMethod}); present and empty for no lines beyond the keeper's
   * @param restartGateClosed a synchronous master restarted and its synchronous standbys are
   *     not back in sync: only the superuser and replication user may connect, so no client can
   *     commit a write that a failover right now would lose
   */
  public record HbaInputs(
      String superuser,
      String replicationUser,
      String authMethod,
      Optional<List<String>> specLines,
      boolean restartGateClosed) {
    public HbaInputs {
      Objects.requireNonNull(superuser, "superuser");
      Objects.requireNonNull(replicationUser, "replicationUser");
      specLines = specLines.map(List::copyOf);
    }

    String effectiveAuthMethod() {
      return authMethod == null || authMethod.isBlank() ? DEFAULT_AUTH_METHOD : authMethod.strip();
    }
  }

  /** A spec line left out of the file, and why, for the keeper to report. */
  public record RejectedLine(String line, String reason) {}

  public record Rendered(String text, List<RejectedLine> rejected) {
    public Rendered {
      rejected = List.copyOf(rejected);
    }
  }

  private static final Pattern AUTH_METHOD = Pattern.compile("[a-z][a-z0-9-]*");
  /** A user name pg_hba reads literally without quotes. */
  private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  /** Unquoted, these mean something other than a user of that name. */
  private static final Set<String> KEYWORDS = Set.of("all", "sameuser", "samerole", "samegroup",
      "replication");
  /** pg_hba include directives (PostgreSQL 16+) would read files the keeper does not manage. */
  private static final Set<String> INCLUDE_KEYWORDS = Set.of("include", "include_if_exists",
      "include_dir");

  /**
   * @throws IllegalArgumentException when a user name or the auth method cannot be written into
   *     pg_hba.conf (these come from the keeper's configuration, not the spec)
   */
  public static Rendered render(HbaInputs in) {
    String method = in.effectiveAuthMethod();
    if (!AUTH_METHOD.matcher(method).matches()) {
      throw new IllegalArgumentException("'" + method + "' is not a pg_hba.conf auth method");
    }
    String su = user(in.superuser(), "superuser");
    String repl = user(in.replicationUser(), "replication user");

    StringBuilder out = new StringBuilder(PgConfFile.MANAGED_HEADER).append('\n');
    out.append("# the keeper, pg_rewind and pg_basebackup from other keepers\n");
    out.append("local all ").append(su).append(' ').append(method).append('\n');
    out.append("local replication ").append(repl).append(' ').append(method).append('\n');
    for (String anywhere : List.of("0.0.0.0/0", "::0/0")) {
      out.append("host all ").append(su).append(' ').append(anywhere).append(' ').append(method)
          .append('\n');
    }
    for (String anywhere : List.of("0.0.0.0/0", "::0/0")) {
      out.append("host replication ").append(repl).append(' ').append(anywhere).append(' ')
          .append(method).append('\n');
    }

    List<RejectedLine> rejected = new ArrayList<>();
    List<String> accepted = new ArrayList<>();
    for (String line : in.specLines().orElse(List.of(
        "host all all 0.0.0.0/0 " + method, "host all all ::0/0 " + method))) {
      Optional<String> reason = rejection(line);
      if (reason.isPresent()) {
        rejected.add(new RejectedLine(line, reason.get()));
      } else {
        accepted.add(line);
      }
    }

    if (in.restartGateClosed()) {
      out.append("\n# restart gate closed: other users may connect once the synchronous standbys\n"
          + "# are back in sync\n");
    } else if (!accepted.isEmpty()) {
      out.append(in.specLines().isPresent() ? "\n# cluster spec pgHBA\n" : "\n# default rule\n");
      accepted.forEach(line -> out.append(line).append('\n'));
    }
    return new Rendered(out.toString(), rejected);
  }

  private static Optional<String> rejection(String line) {
    if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0 || line.indexOf('\0') >= 0) {
      return Optional.of("has a line break or NUL character: give each entry as its own line");
    }
    String first = line.strip().split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
    if (INCLUDE_KEYWORDS.contains(first)) {
      return Optional.of("includes another file, which the keeper does not manage");
    }
    return Optional.empty();
  }

  /** A role name as pg_hba.conf must see it: quoted unless plain and not a keyword. */
  static String user(String name, String what) {
    if (name.isEmpty() || name.indexOf('"') >= 0 || name.chars().anyMatch(Character::isISOControl)) {
      // pg_hba.conf has no escape for a double quote inside a quoted name
      throw new IllegalArgumentException("the " + what + " name '" + name
          + "' cannot be written into pg_hba.conf (empty, or a double quote or control character)");
    }
    if (PLAIN_NAME.matcher(name).matches() && !KEYWORDS.contains(name.toLowerCase(Locale.ROOT))) {
      return name;
    }
    return '"' + name + '"';
  }
}
