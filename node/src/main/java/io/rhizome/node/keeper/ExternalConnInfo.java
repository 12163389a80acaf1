package io.rhizome.node.keeper;

import java.util.Optional;

/**
 * A standby cluster's {@code primaryConninfo} (libpq keyword=value pairs), split into the part
 * that may appear on pg_basebackup's command line and the password, which goes through the
 * environment instead: a command line is visible to every user of the host.
 */
public final class ExternalConnInfo {
  private ExternalConnInfo() {}

  public record Split(String withoutPassword, Optional<String> password) {}

  /**
   * @throws IllegalArgumentException when the text is not keyword=value pairs (a URI, an
   *     unterminated quote): the message names what is wrong
   */
  public static Split split(String conninfo) {
    StringBuilder kept = new StringBuilder();
    Optional<String> password = Optional.empty();
    int i = 0;
    int n = conninfo.length();
    while (true) {
      while (i < n && Character.isWhitespace(conninfo.charAt(i))) {
        i++;
      }
      if (i >= n) {
        break;
      }
      int keyStart = i;
      while (i < n && conninfo.charAt(i) != '=' && !Character.isWhitespace(conninfo.charAt(i))) {
        i++;
      }
      String keyword = conninfo.substring(keyStart, i);
      while (i < n && Character.isWhitespace(conninfo.charAt(i))) {
        i++;
      }
      if (keyword.isEmpty() || i >= n || conninfo.charAt(i) != '=') {
        throw new IllegalArgumentException("expected keyword=value pairs (host=... port=... user=...), found "
            + (keyword.contains("://") ? "a URI" : "\"" + keyword + "\" without a value"));
      }
      i++;
      while (i < n && Character.isWhitespace(conninfo.charAt(i))) {
        i++;
      }
      StringBuilder value = new StringBuilder();
      if (i < n && conninfo.charAt(i) == '\'') {
        i++;
        boolean closed = false;
        while (i < n) {
          char c = conninfo.charAt(i++);
          if (c == '\\' && i < n) {
            value.append(conninfo.charAt(i++));
          } else if (c == '\'') {
            closed = true;
            break;
          } else {
            value.append(c);
          }
        }
        if (!closed) {
          throw new IllegalArgumentException("unterminated quoted value for " + keyword);
        }
      } else {
        while (i < n && !Character.isWhitespace(conninfo.charAt(i))) {
          char c = conninfo.charAt(i++);
          if (c == '\\' && i < n) {
            c = conninfo.charAt(i++);
          }
          value.append(c);
        }
      }
      if (keyword.equals("password")) {
        password = Optional.of(value.toString());
      } else {
        if (kept.length() > 0) {
          kept.append(' ');
        }
        kept.append(keyword).append('=').append(ConnInfo.quote(value.toString()));
      }
    }
    return new Split(kept.toString(), password);
  }
}
