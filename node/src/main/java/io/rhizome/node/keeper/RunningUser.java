package io.rhizome.node.keeper;

/** Who this process runs as: PostgreSQL refuses to run as root, so the keeper refuses first, clearly. */
final class RunningUser {
  private RunningUser() {}

  static boolean isRoot() {
    try {
      return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    } catch (RuntimeException | LinkageError e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }
}
