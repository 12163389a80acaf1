package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SynchronousStandbyNamesTest {

  static Stream<Arguments> rendered() {
    return Stream.of(
        Arguments.of(List.of(), List.of(), ""),
        Arguments.of(List.of("a1b2"), List.of(), "1 (\"a1b2\")"),
        Arguments.of(List.of("1f3a", "b"), List.of(), "2 (\"1f3a\",\"b\")"),
        Arguments.of(List.of("db1"), List.of("stolonfakestandby"),
            "2 (\"db1\",\"stolonfakestandby\")"),
        Arguments.of(List.of(), List.of("placeholder"), "1 (\"placeholder\")"),
        Arguments.of(List.of("a", "a"), List.of("a"), "1 (\"a\")"),
        Arguments.of(List.of("we\"ird"), List.of(), "1 (\"we\"\"ird\")"));
  }

  @ParameterizedTest(name = "{0} + {1} -> {2}")
  @MethodSource("rendered")
  void everyNameIsQuotedAndAllAreRequired(List<String> dbUids, List<String> external,
      String expected) {
    String value = SynchronousStandbyNames.render(dbUids, external);
    assertEquals(expected, value);
    assertEquals(
        Stream.concat(dbUids.stream(), external.stream()).distinct().toList(),
        SynchronousStandbyNames.parse(value));
  }

  static Stream<Arguments> parsed() {
    return Stream.of(
        Arguments.of("", List.of()),
        Arguments.of("   ", List.of()),
        Arguments.of("a", List.of("a")),
        Arguments.of("a, b ,c", List.of("a", "b", "c")),
        Arguments.of("*", List.of("*")),
        Arguments.of("2 (a, b, c)", List.of("a", "b", "c")),
        Arguments.of("2(a,b)", List.of("a", "b")),
        Arguments.of("FIRST 1 (s1, s2)", List.of("s1", "s2")),
        Arguments.of("first 1 (s1)", List.of("s1")),
        Arguments.of("ANY 2 (s1, \"S 2\", s3)", List.of("s1", "S 2", "s3")),
        Arguments.of("any 1 (*)", List.of("*")),
        Arguments.of("\"1abc\", \"def\"", List.of("1abc", "def")),
        Arguments.of("\"first\"", List.of("first")),
        Arguments.of("1 (\"a\"\"b\")", List.of("a\"b")),
        Arguments.of("Mixed_Case$1", List.of("Mixed_Case$1")),
        Arguments.of("42", List.of("42")),
        Arguments.of("3 (1, 2, 3)", List.of("1", "2", "3")),
        Arguments.of("\"\"", List.of("")));
  }

  @ParameterizedTest(name = "[{0}] -> {1}")
  @MethodSource("parsed")
  void everyFormPostgresqlAcceptsIsRead(String value, List<String> names) {
    assertEquals(names, SynchronousStandbyNames.parse(value));
  }

  @ParameterizedTest(name = "[{0}]")
  @ValueSource(strings = {"2 (a, b", "a,", ",a", "FIRST (a)", "ANY a", "first", "1 ()",
      "2 (a) b", "a b", "\"unterminated", "a-b", "1abc"})
  void valuesPostgresqlRefusesAreRefused(String value) {
    assertThrows(IllegalArgumentException.class, () -> SynchronousStandbyNames.parse(value));
  }
}
