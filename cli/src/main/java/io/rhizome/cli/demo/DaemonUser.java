package io.rhizome.cli.demo;

import io.rhizome.node.common.RefusedException;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Who the demo's daemons run as. Normally the user who started the demo; as root, an
 * unprivileged account (postgres by default), because PostgreSQL refuses to run as root and a
 * keeper's data dir must belong to the user that runs it.
 */
record DaemonUser(Optional<Account> account) {

  /** One passwd entry: {@code name:x:uid:gid:gecos:home:shell}. */
  record Account(String name, int uid, int gid, String home) {
    static Optional<Account> parse(String passwdLine) {
      String[] f = passwdLine.strip().split(":", -1);
      if (f.length < 7) {
        return Optional.empty();
      }
      try {
        return Optional.of(new Account(f[0], Integer.parseInt(f[2]), Integer.parseInt(f[3]), f[5]));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
  }

  static DaemonUser invoker() {
    return new DaemonUser(Optional.empty());
  }

  /**
   * As root, the account named {@code wanted} (looked up with {@code lookup}), refused at once if
   * it does not exist or is root itself; otherwise the invoking user.
   */
  static DaemonUser decide(boolean root, String wanted, Function<String, Optional<Account>> lookup) {
    if (!root) {
      return invoker();
    }
    Account account = lookup.apply(wanted).orElseThrow(() -> new RefusedException(
        "running as root, the demo runs its daemons as an unprivileged user (PostgreSQL refuses root), "
            + "and there is no account '" + wanted + "': create one (useradd --system --create-home " + wanted
            + "), name another with --run-as USER, or run the demo as an unprivileged user"));
    if (account.uid() == 0) {
      throw new RefusedException("--run-as " + wanted + " is root (uid 0): PostgreSQL refuses to run as root; "
          + "name an unprivileged account, e.g. --run-as postgres");
    }
    return new DaemonUser(Optional.of(account));
  }

  /** What goes before a daemon's command: setpriv drops to the account and execs, so the PID is the daemon's. */
  List<String> commandPrefix() {
    return account.map(a -> List.of("setpriv", "--reuid=" + a.uid(), "--regid=" + a.gid(), "--init-groups", "--"))
        .orElse(List.of());
  }

  boolean isSwitching() {
    return account.isPresent();
  }

  String describe() {
    return account.map(a -> "user " + a.name() + " (uid " + a.uid() + ")").orElse("you");
  }
}
