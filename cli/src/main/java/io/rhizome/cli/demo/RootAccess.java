package io.rhizome.cli.demo;

import io.rhizome.node.common.RefusedException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Run as root, the daemons' account must own the demo dir and be able to read the jar. A jar
 * under /root is closed to it, so a single-jar classpath is copied into the demo dir; the check
 * runs as that account, so it sees exactly what the daemons will.
 */
final class RootAccess {
  private RootAccess() {}

  /** Returns the classpath the daemons use. */
  static String prepare(DaemonUser user, DemoDir dir, String classpath) {
    if (!user.isSwitching()) {
      return classpath;
    }
    DaemonUser.Account account = user.account().orElseThrow();
    try {
      String daemonsClasspath = classpath;
      if (classpath.endsWith(".jar") && !classpath.contains(File.pathSeparator)) {
        Path copy = dir.root.resolve("rhizome.jar");
        Files.copy(Path.of(classpath), copy, StandardCopyOption.REPLACE_EXISTING);
        daemonsClasspath = copy.toString();
      }
      run(List.of("chown", "-R", account.uid() + ":" + account.gid(), dir.root.toString()));
      if (!asUser(user, List.of("test", "-w", dir.root.toString()))) {
        throw new RefusedException("user " + account.name() + " cannot reach " + dir.root
            + " (a parent directory is closed to it, as /root is); use --dir in a place it can reach, "
            + "e.g. --dir /var/lib/rhizome-demo");
      }
      for (String entry : daemonsClasspath.split(File.pathSeparator)) {
        if (!asUser(user, List.of("test", "-r", entry))) {
          throw new RefusedException("user " + account.name() + " cannot read " + entry
              + "; build the jar where it can read it, or run the demo as an unprivileged user");
        }
      }
      return daemonsClasspath;
    } catch (IOException e) {
      throw new RefusedException("cannot hand " + dir.root + " to user " + account.name() + ": " + e.getMessage());
    }
  }

  private static boolean asUser(DaemonUser user, List<String> command) throws IOException {
    List<String> full = new ArrayList<>(user.commandPrefix());
    full.addAll(command);
    return run(full) == 0;
  }

  private static int run(List<String> command) throws IOException {
    try {
      return new ProcessBuilder(command).inheritIO().start().waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + command);
    }
  }
}
