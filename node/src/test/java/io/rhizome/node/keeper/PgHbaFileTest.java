package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.node.keeper.PgHbaFile.HbaInputs;
import io.rhizome.node.keeper.PgHbaFile.Rendered;
import io.rhizome.node.keeper.PgHbaFile.RejectedLine;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PgHbaFileTest {
  private static final List<String> KEEPER_ENTRIES = List.of(
      "local all postgres scram-sha-256",
      "local replication repl scram-sha-256",
      "host all postgres 0.0.0.0/0 scram-sha-256",
      "host all postgres ::0/0 scram-sha-256",
      "host replication repl 0.0.0.0/0 scram-sha-256",
      "host replication repl ::0/0 scram-sha-256");

  /** The entries of the file: comments and blank lines dropped. */
  static List<String> entries(String text) {
    return text.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
  }

  static List<String> plus(List<String> first, String... more) {
    return Stream.concat(first.stream(), Stream.of(more)).toList();
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("no spec: the default rule after the keeper's entries",
            Optional.empty(), false,
            plus(KEEPER_ENTRIES, "host all all 0.0.0.0/0 scram-sha-256",
                "host all all ::0/0 scram-sha-256")),
        Arguments.of("spec lines after the keeper's entries, in order",
            Optional.of(List.of("hostssl app app_user 10.0.0.0/8 scram-sha-256",
                "host all all 192.168.0.0/16 reject")), false,
            plus(KEEPER_ENTRIES, "hostssl app app_user 10.0.0.0/8 scram-sha-256",
                "host all all 192.168.0.0/16 reject")),
        Arguments.of("empty spec: only the keeper's entries", Optional.of(List.of()), false,
            KEEPER_ENTRIES),
        Arguments.of("gate closed, no spec: only the keeper's entries", Optional.empty(), true,
            KEEPER_ENTRIES),
        Arguments.of("gate closed with spec: only the keeper's entries",
            Optional.of(List.of("host all all 0.0.0.0/0 trust")), true, KEEPER_ENTRIES));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theKeepersEntriesComeFirstAndTheGateAdmitsOnlyThem(String what,
      Optional<List<String>> spec, boolean gateClosed, List<String> expected) {
    Rendered r = PgHbaFile.render(new HbaInputs("postgres", "repl", null, spec, gateClosed));
    assertEquals(expected, entries(r.text()));
    assertEquals(List.of(), r.rejected());
    assertTrue(r.text().startsWith("# Managed by the rhizome keeper"), r.text());
    assertTrue(r.text().contains("rhizomectl update"), r.text());
  }

  @Test
  void theAuthMethodAppliesToTheKeepersEntriesAndTheDefaultRule() {
    Rendered r = PgHbaFile.render(new HbaInputs("su", "repl", "md5", Optional.empty(), false));
    assertEquals(List.of(
        "local all su md5",
        "local replication repl md5",
        "host all su 0.0.0.0/0 md5",
        "host all su ::0/0 md5",
        "host replication repl 0.0.0.0/0 md5",
        "host replication repl ::0/0 md5",
        "host all all 0.0.0.0/0 md5",
        "host all all ::0/0 md5"), entries(r.text()));
  }

  static Stream<Arguments> userNames() {
    return Stream.of(
        Arguments.of("postgres", "postgres"),
        Arguments.of("Rhizome_Su1", "Rhizome_Su1"),
        Arguments.of("all", "\"all\""),
        Arguments.of("replication", "\"replication\""),
        Arguments.of("sameuser", "\"sameuser\""),
        Arguments.of("+admins", "\"+admins\""),
        Arguments.of("@file", "\"@file\""),
        Arguments.of("/^re.*$", "\"/^re.*$\""),
        Arguments.of("with space", "\"with space\""),
        Arguments.of("a,b", "\"a,b\""),
        Arguments.of("9lives", "\"9lives\""),
        Arguments.of("ünï", "\"ünï\""));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("userNames")
  void userNamesAreQuotedWhenPgHbaWouldReadThemOtherwise(String name, String written) {
    Rendered r = PgHbaFile.render(new HbaInputs(name, name, null, Optional.of(List.of()), false));
    assertEquals("local all " + written + " scram-sha-256", entries(r.text()).get(0));
    assertEquals("local replication " + written + " scram-sha-256", entries(r.text()).get(1));
  }

  @Test
  void namesThatCannotBeWrittenAreRefused() {
    for (String bad : List.of("", "a\"b", "a\nb")) {
      assertThrows(IllegalArgumentException.class,
          () -> PgHbaFile.render(new HbaInputs(bad, "repl", null, Optional.empty(), false)), bad);
    }
    assertThrows(IllegalArgumentException.class,
        () -> PgHbaFile.render(new HbaInputs("su", "repl", "md5 trust", Optional.empty(), false)));
  }

  @Test
  void specLinesThatCouldSmuggleEntriesOrFilesAreRejectedWithAReason() {
    List<String> spec = List.of(
        "host app app 10.0.0.0/8 scram-sha-256",
        "host app app 10.0.0.0/8 reject\nhost all all 0.0.0.0/0 trust",
        "include /etc/other_hba.conf",
        "host all all ::1/128 scram-sha-256");
    Rendered r = PgHbaFile.render(new HbaInputs("su", "repl", null, Optional.of(spec), false));
    assertEquals(List.of("host app app 10.0.0.0/8 scram-sha-256",
        "host all all ::1/128 scram-sha-256"), entries(r.text()).subList(6, 8));
    assertEquals(8, entries(r.text()).size());
    assertEquals(List.of(
        new RejectedLine(spec.get(1),
            "has a line break or NUL character: give each entry as its own line"),
        new RejectedLine(spec.get(2), "includes another file, which the keeper does not manage")),
        r.rejected());
  }
}
