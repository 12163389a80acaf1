package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ExternalConnInfoTest {

  @ParameterizedTest(name = "{0}")
  @MethodSource("conninfos")
  void thePasswordIsTakenOutAndTheRestKept(String conninfo, String without, Optional<String> password) {
    ExternalConnInfo.Split split = ExternalConnInfo.split(conninfo);
    assertEquals(without, split.withoutPassword());
    assertEquals(password, split.password());
  }

  static Stream<Arguments> conninfos() {
    return Stream.of(
        Arguments.of("host=db1 port=5432 user=repl", "host='db1' port='5432' user='repl'", Optional.empty()),
        Arguments.of("host=db1 password=s3cret user=repl", "host='db1' user='repl'", Optional.of("s3cret")),
        Arguments.of("  host = db1   password = 'it is' ", "host='db1'", Optional.of("it is")),
        Arguments.of("password='a b\\'c' host=x", "host='x'", Optional.of("a b'c")),
        Arguments.of("host=x passfile='/etc/p ass'", "host='x' passfile='/etc/p ass'", Optional.empty()),
        Arguments.of("password=p\\ q", "", Optional.of("p q")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void malformedTextIsRefusedWithAReason(String conninfo, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExternalConnInfo.split(conninfo));
    assertEquals(message, e.getMessage());
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("postgresql://repl@db1/postgres", "expected keyword=value pairs (host=... port=... user=...), found a URI"),
        Arguments.of("host=x user", "expected keyword=value pairs (host=... port=... user=...), found \"user\" without a value"),
        Arguments.of("host='x", "unterminated quoted value for host"));
  }
}
