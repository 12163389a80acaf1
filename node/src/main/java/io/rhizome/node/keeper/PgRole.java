package io.rhizome.node.keeper;

import java.util.Locale;
import java.util.Optional;

/** What the local PostgreSQL is, as the --on-role-change callback names it. */
enum PgRole {
  MASTER, STANDBY, STOPPED;

  /** The word passed to the callback: master, standby, stopped (Patroni's callbacks say the same). */
  String word() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The role an observation shows. A server that runs but does not answer yet counts by its
   * standby.signal, as the keeper itself does; nothing known (no data dir) is stopped.
   */
  static PgRole of(Observed o) {
    if (!o.running()) {
      return STOPPED;
    }
    return o.runningAsPrimary() ? MASTER : STANDBY;
  }

  /**
   * Tracks the role across observations and says when it changed. The first role seen after the
   * keeper starts counts as a change unless it is "stopped" (nothing happened to a PostgreSQL
   * that was not running); an adopted running primary is reported.
   */
  static final class Changes {
    private Optional<PgRole> last = Optional.empty();

    synchronized Optional<PgRole> observe(PgRole now) {
      Optional<PgRole> before = last;
      last = Optional.of(now);
      if (before.isEmpty()) {
        return now == STOPPED ? Optional.empty() : Optional.of(now);
      }
      return before.get() == now ? Optional.empty() : Optional.of(now);
    }
  }
}
