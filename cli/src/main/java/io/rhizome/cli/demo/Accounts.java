package io.rhizome.cli.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Looks an account up with getent, so NSS sources (LDAP, ...) count as well as /etc/passwd. */
final class Accounts {
  private Accounts() {}

  static Optional<DaemonUser.Account> lookup(String name) {
    try {
      Process p = new ProcessBuilder("getent", "passwd", name).redirectErrorStream(true).start();
      String line = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return p.waitFor() == 0 ? DaemonUser.Account.parse(line) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
