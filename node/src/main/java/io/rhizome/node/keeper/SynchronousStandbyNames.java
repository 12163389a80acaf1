package io.rhizome.node.keeper;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The value of {@code synchronous_standby_names}: written so that every listed standby must
 * confirm each commit (design §3), and read back in any form PostgreSQL accepts
 * (syncrep_gram.y), so the keeper can report which standbys are configured.
 */
public final class SynchronousStandbyNames {
  private SynchronousStandbyNames() {}

  /**
   * {@code N ("a","b",...)} with N the number of names, so all of them are required; "" when
   * there are none (asynchronous). Names are quoted because a db uid may start with a digit;
   * a repeated name is listed once.
   */
  public static String render(List<String> dbUids, List<String> externalNames) {
    Set<String> names = new LinkedHashSet<>(dbUids);
    names.addAll(externalNames);
    if (names.isEmpty()) {
      return "";
    }
    List<String> quoted = new ArrayList<>();
    for (String name : names) {
      if (name.isEmpty() || name.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("'" + name + "' cannot be a synchronous standby name");
      }
      quoted.add('"' + name.replace("\"", "\"\"") + '"');
    }
    return names.size() + " (" + String.join(",", quoted) + ")";
  }

  /**
   * The standby names in a value PostgreSQL accepts: {@code FIRST n (...)}, {@code ANY n (...)},
   * {@code n (...)} or a bare list; names quoted or not, {@code *} included as "*". A blank value
   * gives none; {@code ""} (which PostgreSQL accepts) is the empty name.
   *
   * @throws IllegalArgumentException for a value PostgreSQL would refuse
   */
  public static List<String> parse(String value) {
    List<Token> tokens = tokenize(value);
    if (tokens.isEmpty()) {
      return List.of();
    }
    int i = 0;
    boolean counted = false;
    if (tokens.get(i).isKeyword("first") || tokens.get(i).isKeyword("any")) {
      i++;
      if (i >= tokens.size() || tokens.get(i).kind != Kind.NUM) {
        throw invalid(value, "FIRST and ANY need a number");
      }
      i++;
      counted = true;
    } else if (tokens.get(i).kind == Kind.NUM && tokens.size() > 1
        && tokens.get(i + 1).kind == Kind.OPEN) {
      i++;
      counted = true;
    }
    if (counted) {
      if (i >= tokens.size() || tokens.get(i).kind != Kind.OPEN) {
        throw invalid(value, "expected '(' after the number");
      }
      i++;
    }
    List<String> names = new ArrayList<>();
    while (true) {
      if (i >= tokens.size() || !tokens.get(i).isName()) {
        throw invalid(value, "expected a standby name");
      }
      names.add(tokens.get(i++).text);
      if (i < tokens.size() && tokens.get(i).kind == Kind.COMMA) {
        i++;
        continue;
      }
      break;
    }
    if (counted) {
      if (i >= tokens.size() || tokens.get(i).kind != Kind.CLOSE) {
        throw invalid(value, "expected ')' after the names");
      }
      i++;
    }
    if (i != tokens.size()) {
      throw invalid(value, "unexpected '" + tokens.get(i).text + "'");
    }
    return List.copyOf(names);
  }

  private enum Kind { NAME, QUOTED, NUM, OPEN, CLOSE, COMMA }

  private record Token(Kind kind, String text) {
    /** FIRST and ANY are keywords only unquoted; any word, quoted word or number is a name. */
    boolean isKeyword(String keyword) {
      return kind == Kind.NAME && text.toLowerCase(Locale.ROOT).equals(keyword);
    }

    boolean isName() {
      return kind == Kind.NAME || kind == Kind.QUOTED || kind == Kind.NUM;
    }
  }

  /** Follows syncrep_scanner.l: identifiers, "quoted ""names""", digits, * and ( ) ,. */
  private static List<Token> tokenize(String value) {
    List<Token> tokens = new ArrayList<>();
    int pos = 0;
    while (pos < value.length()) {
      char c = value.charAt(pos);
      if (Character.isWhitespace(c)) {
        pos++;
      } else if (c == '(' || c == ')' || c == ',') {
        tokens.add(new Token(c == '(' ? Kind.OPEN : c == ')' ? Kind.CLOSE : Kind.COMMA, "" + c));
        pos++;
      } else if (c == '*') {
        tokens.add(new Token(Kind.NAME, "*"));
        pos++;
      } else if (c == '"') {
        StringBuilder name = new StringBuilder();
        pos++;
        while (true) {
          if (pos >= value.length()) {
            throw invalid(value, "unterminated quoted name");
          }
          char q = value.charAt(pos++);
          if (q != '"') {
            name.append(q);
          } else if (pos < value.length() && value.charAt(pos) == '"') {
            name.append('"');
            pos++;
          } else {
            break;
          }
        }
        tokens.add(new Token(Kind.QUOTED, name.toString()));
      } else if (c >= '0' && c <= '9') {
        int start = pos;
        while (pos < value.length() && Character.isDigit(value.charAt(pos))) {
          pos++;
        }
        tokens.add(new Token(Kind.NUM, value.substring(start, pos)));
      } else if (identStart(c)) {
        int start = pos;
        while (pos < value.length() && identCont(value.charAt(pos))) {
          pos++;
        }
        tokens.add(new Token(Kind.NAME, value.substring(start, pos)));
      } else {
        throw invalid(value, "unexpected '" + c + "'");
      }
    }
    return tokens;
  }

  private static boolean identStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c > 0x7f;
  }

  private static boolean identCont(char c) {
    return identStart(c) || (c >= '0' && c <= '9') || c == '$';
  }

  private static IllegalArgumentException invalid(String value, String why) {
    return new IllegalArgumentException(
        "synchronous_standby_names '" + value + "' is not valid: " + why);
  }
}
