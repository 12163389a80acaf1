package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class PgConfFileTest {

  static Stream<Arguments> values() {
    return Stream.of(
        Arguments.of("plain", "'plain'"),
        Arguments.of("", "''"),
        Arguments.of("it's", "'it''s'"),
        Arguments.of("''", "''''''"),
        Arguments.of("C:\\dir\\file", "'C:\\\\dir\\\\file'"),
        Arguments.of("\\'", "'\\\\'''"),
        Arguments.of("host=a port=5432 user=repl", "'host=a port=5432 user=repl'"),
        Arguments.of("  padded  ", "'  padded  '"),
        Arguments.of("ünïcödé ✓ 日本", "'ünïcödé ✓ 日本'"),
        Arguments.of("# not a comment", "'# not a comment'"),
        Arguments.of("tab\there", "'tab\there'"),
        Arguments.of("2 (\"a\",\"b\")", "'2 (\"a\",\"b\")'"));
  }

  @ParameterizedTest(name = "[{0}] -> {1}")
  @MethodSource("values")
  void valuesAreQuotedForPostgresqlConfAndReadBack(String value, String quoted) {
    assertEquals(quoted, PgConfFile.quote(value));
    TreeMap<String, String> params = new TreeMap<>(Map.of("application_name", value));
    String text = PgConfFile.render(params);
    assertTrue(text.contains("\napplication_name = " + quoted + "\n"), text);
    assertEquals(params, PgConfFile.parse(text));
  }

  @Test
  void theFileSaysWhoManagesItAndHasOneLinePerParameterInOrder() {
    String text = PgConfFile.render(new TreeMap<>(Map.of("port", "5432", "hot_standby", "on")));
    assertTrue(text.startsWith("# Managed by the rhizome keeper"), text);
    assertTrue(text.contains("rhizomectl update"), text);
    assertTrue(text.endsWith("\nhot_standby = 'on'\nport = '5432'\n"), text);
  }

  @ParameterizedTest
  @ValueSource(strings = {"a\nb", "a\rb", "a\0b"})
  void aValueThatCannotBeWrittenIsRefused(String value) {
    assertThrows(IllegalArgumentException.class, () -> PgConfFile.quote(value));
  }

  @Test
  void parseReadsWhatPeopleAndPostgresqlWrite() {
    String text = """
        # a comment

           # indented comment
        shared_buffers = 128MB                  # min 128kB
        Work_Mem=4MB
        max_connections 100
        log_line_prefix = '%m [%p] '
        lc_messages = 'C.UTF-8'\t# locale
        escaped = 'a\\tb\\'c\\101\\\\'
        pg_stat_statements.max = 5000
        port = 5432
        port = 5433
        empty = ''
        with_hash = 'a # b' # comment
        """;
    Map<String, String> expected = new TreeMap<>();
    expected.put("shared_buffers", "128MB");
    expected.put("work_mem", "4MB");
    expected.put("max_connections", "100");
    expected.put("log_line_prefix", "%m [%p] ");
    expected.put("lc_messages", "C.UTF-8");
    expected.put("escaped", "a\tb'cA\\");
    expected.put("pg_stat_statements.max", "5000");
    expected.put("port", "5433"); // the last one wins, as in PostgreSQL
    expected.put("empty", "");
    expected.put("with_hash", "a # b");
    assertEquals(expected, new TreeMap<>(PgConfFile.parse(text)));
  }

  @Test
  void windowsLineEndingsAreRead() {
    assertEquals(Map.of("a", "1", "b", "x"), PgConfFile.parse("a = 1\r\nb = 'x'\r\n"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"= 1", "a = 'unterminated", "a =", "a = 1 2", "a = 'x' y", "'q' = 1"})
  void malformedLinesAreRefusedWithTheirLineNumber(String line) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PgConfFile.parse("# first\n" + line + "\n"));
    assertTrue(e.getMessage().startsWith("line 2: "), e.getMessage());
  }
}
