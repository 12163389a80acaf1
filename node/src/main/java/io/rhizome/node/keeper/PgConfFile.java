package io.rhizome.node.keeper;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;

/**
 * The text of the postgresql.conf the keeper writes, and a reader for it (and for
 * postgresql.auto.conf, which has the same syntax). Pure: strings in, strings out.
 */
public final class PgConfFile {
  private PgConfFile() {}

  /** Tells whoever opens a managed file where the real setting lives. */
  static final String MANAGED_HEADER = """
      # Managed by the rhizome keeper: it rewrites this file whenever the cluster spec changes,
      # so edits here are lost. Change the cluster spec with `rhizomectl update` instead.
      """;

  /** One {@code name = 'value'} line per parameter, in the map's order. */
  public static String render(SortedMap<String, String> params) {
    StringBuilder out = new StringBuilder(MANAGED_HEADER).append('\n');
    params.forEach((name, value) ->
        out.append(name).append(" = ").append(quote(value)).append('\n'));
    return out.toString();
  }

  /**
   * A value as a postgresql.conf string literal. The file has no escape for a line break, so
   * callers must not pass one (ManagedParameters drops such values).
   */
  static String quote(String value) {
    if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0 || value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("a postgresql.conf value cannot hold a line break or NUL");
    }
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
  }

  /**
   * The settings in a postgresql.conf-syntax text, names in lower case; a name set twice keeps
   * its last value, as PostgreSQL does. Include directives come back as ordinary entries.
   *
   * @throws IllegalArgumentException naming the line PostgreSQL would also reject
   */
  public static Map<String, String> parse(String text) {
    Map<String, String> settings = new LinkedHashMap<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      LineReader line = new LineReader(lines[i], i + 1);
      line.skipSpace();
      if (line.atEndOrComment()) {
        continue;
      }
      String name = line.name().toLowerCase(Locale.ROOT);
      line.skipSpace();
      line.skipIf('=');
      line.skipSpace();
      String value = line.value();
      line.skipSpace();
      if (!line.atEndOrComment()) {
        throw line.error("unexpected text after the value of " + name);
      }
      settings.remove(name);
      settings.put(name, value);
    }
    return settings;
  }

  /** A cursor over one line, following the lexer in PostgreSQL's guc-file.l. */
  private static final class LineReader {
    private final String s;
    private final int lineNo;
    private int pos;

    LineReader(String s, int lineNo) {
      this.s = s;
      this.lineNo = lineNo;
    }

    void skipSpace() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
    }

    boolean atEndOrComment() {
      return pos >= s.length() || s.charAt(pos) == '#';
    }

    void skipIf(char c) {
      if (pos < s.length() && s.charAt(pos) == c) {
        pos++;
      }
    }

    String name() {
      int start = pos;
      while (pos < s.length() && isNameChar(s.charAt(pos))) {
        pos++;
      }
      if (pos == start) {
        throw error("expected a parameter name");
      }
      return s.substring(start, pos);
    }

    String value() {
      if (pos >= s.length()) {
        throw error("missing value");
      }
      if (s.charAt(pos) != '\'') {
        int start = pos;
        while (pos < s.length() && !Character.isWhitespace(s.charAt(pos)) && s.charAt(pos) != '#') {
          pos++;
        }
        if (pos == start) {
          throw error("missing value");
        }
        return s.substring(start, pos);
      }
      StringBuilder v = new StringBuilder();
      pos++;
      while (true) {
        if (pos >= s.length()) {
          throw error("unterminated quoted value");
        }
        char c = s.charAt(pos++);
        if (c == '\'') {
          if (pos < s.length() && s.charAt(pos) == '\'') {
            v.append('\'');
            pos++;
          } else {
            return v.toString();
          }
        } else if (c == '\\' && pos < s.length()) {
          v.append(unescape());
        } else {
          v.append(c);
        }
      }
    }

    /** After a backslash: the escapes GUC_scanstr knows; any other character stands for itself. */
    private char unescape() {
      char c = s.charAt(pos++);
      switch (c) {
        case 'b': return '\b';
        case 'f': return '\f';
        case 'n': return '\n';
        case 'r': return '\r';
        case 't': return '\t';
        default:
          if (c >= '0' && c <= '7') {
            int code = c - '0';
            for (int digits = 1; digits < 3 && pos < s.length()
                && s.charAt(pos) >= '0' && s.charAt(pos) <= '7'; digits++) {
              code = code * 8 + (s.charAt(pos++) - '0');
            }
            return (char) (code & 0xff);
          }
          return c;
      }
    }

    private static boolean isNameChar(char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '.' || c > 0x7f;
    }

    IllegalArgumentException error(String what) {
      return new IllegalArgumentException("line " + lineNo + ": " + what + ": " + s);
    }
  }
}
