package io.rhizome.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.node.common.RefusedException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DaemonUserTest {
  static final Map<String, String> PASSWD = Map.of(
      "postgres", "postgres:x:101:104:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash",
      "toor", "toor:x:0:0::/root:/bin/sh");
  static final Function<String, Optional<DaemonUser.Account>> LOOKUP =
      name -> Optional.ofNullable(PASSWD.get(name)).flatMap(DaemonUser.Account::parse);

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      // root  | --run-as  | outcome
      "false   | postgres  | invoker",
      "false   | nosuch    | invoker",
      "true    | postgres  | setpriv --reuid=101 --regid=104 --init-groups --",
      "true    | nosuch    | refused: there is no account 'nosuch': create one",
      "true    | toor      | refused: --run-as toor is root (uid 0)"})
  void whoRunsTheDaemons(boolean root, String runAs, String outcome) {
    if (outcome.startsWith("refused: ")) {
      RefusedException e = assertThrows(RefusedException.class, () -> DaemonUser.decide(root, runAs, LOOKUP));
      assertTrue(e.getMessage().contains(outcome.substring("refused: ".length())), e.getMessage());
      return;
    }
    DaemonUser user = DaemonUser.decide(root, runAs, LOOKUP);
    assertEquals(outcome.equals("invoker") ? List.of() : List.of(outcome.split(" ")), user.commandPrefix());
  }

  @Test
  void passwdLines() {
    assertEquals(Optional.of(new DaemonUser.Account("postgres", 101, 104, "/var/lib/postgresql")),
        DaemonUser.Account.parse(PASSWD.get("postgres") + "\n"));
    assertEquals(Optional.empty(), DaemonUser.Account.parse(""));
    assertEquals(Optional.empty(), DaemonUser.Account.parse("a:x:one:2::/h:/bin/sh"));
  }
}
