package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConnInfoTest {
  static Stream<Arguments> values() {
    return Stream.of(
        Arguments.of("plain", "'plain'"),
        Arguments.of("", "''"),
        Arguments.of("two words", "'two words'"),
        Arguments.of("it's", "'it\\'s'"),
        Arguments.of("back\\slash", "'back\\\\slash'"),
        Arguments.of("\\'", "'\\\\\\''"),
        Arguments.of("a=b c='d'", "'a=b c=\\'d\\''"));
  }

  @ParameterizedTest(name = "[{0}] -> {1}")
  @MethodSource("values")
  void valuesAreSingleQuotedWithBackslashEscapes(String value, String quoted) {
    assertEquals(quoted, ConnInfo.quote(value));
  }

  @Test
  void allComponentsInOrder() {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("sslmode", "disable");
    options.put("connect_timeout", "5");
    ConnInfo c = new ConnInfo("db-1.example", 5433, "repl user", "postgres", "keeper_1", options);
    assertEquals("host='db-1.example' port='5433' user='repl user' dbname='postgres'"
        + " application_name='keeper_1' sslmode='disable' connect_timeout='5'", c.conninfo());
    assertEquals(c.conninfo(), c.toString());
  }

  @Test
  void absentDbnameAndApplicationNameAreLeftOut() {
    assertEquals("host='10.0.0.1' port='5432' user='postgres'",
        ConnInfo.of("10.0.0.1", 5432, "postgres", null).conninfo());
  }

  @Test
  void withersKeepTheRest() {
    ConnInfo c = ConnInfo.of("h", 1, "u", "d").withApplicationName("a").withOption("sslmode", "require")
        .withDbname("e");
    assertEquals("host='h' port='1' user='u' dbname='e' application_name='a' sslmode='require'",
        c.conninfo());
  }

  @Test
  void aPasswordCannotBeAnOption() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ConnInfo.of("h", 1, "u", "d").withOption("password", "x"));
    assertEquals("'password' cannot be a conninfo option here (passwords go into a pgpass file)",
        e.getMessage());
  }

  @Test
  void optionsCannotRepeatComponentsOrBeMalformed() {
    assertThrows(IllegalArgumentException.class, () -> ConnInfo.of("h", 1, "u", "d").withOption("host", "x"));
    assertThrows(IllegalArgumentException.class, () -> ConnInfo.of("h", 1, "u", "d").withOption("a b", "x"));
    assertThrows(IllegalArgumentException.class, () -> ConnInfo.of("h", 0, "u", "d"));
  }
}
