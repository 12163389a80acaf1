package io.rhizome.cli.demo;

/** Whether this process runs as root (uid 0). */
final class RootCheck {
  private RootCheck() {}

  static boolean isRoot() {
    try {
      return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    } catch (RuntimeException | LinkageError e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }
}
