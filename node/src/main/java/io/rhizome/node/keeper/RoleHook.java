package io.rhizome.node.keeper;

import java.time.Duration;

/**
 * --on-role-change: a user command run as {@code CMD ROLE CLUSTER DBUID} whenever the local
 * PostgreSQL changes role, killed after {@code timeout}. An empty command means none.
 */
record RoleHook(String command, Duration timeout) {
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  static final RoleHook NONE = new RoleHook("", DEFAULT_TIMEOUT);

  boolean enabled() {
    return !command.isBlank();
  }
}
