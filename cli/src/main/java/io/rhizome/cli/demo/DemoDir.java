package io.rhizome.cli.demo;

import io.rhizome.node.common.RefusedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The one directory that holds a demo: every daemon's data dir and log, the password files, a
 * pgpass for psql and the PIDs of what runs. A second run finds its data here.
 */
final class DemoDir {
  /** Present in every demo dir: --fresh deletes only a dir that has it, never a user's own. */
  static final String MARKER = ".rhizome-demo";

  final Path root;

  DemoDir(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  Path sentinel(String id) {
    return root.resolve("sentinels").resolve(id);
  }

  Path keeper(String id) {
    return root.resolve("keepers").resolve(id);
  }

  Path postmasterPidFile(String keeperId) {
    return keeper(keeperId).resolve("postgres").resolve("postmaster.pid");
  }

  Path log(String name) {
    return root.resolve("logs").resolve(name + ".log");
  }

  Path suPasswordFile() {
    return root.resolve("su.pw");
  }

  Path replPasswordFile() {
    return root.resolve("repl.pw");
  }

  Path pgpass() {
    return root.resolve("pgpass");
  }

  Path pids() {
    return root.resolve("demo.pids");
  }

  /**
   * Creates what is missing (passwords are random and kept, so a second run's PostgreSQL still
   * accepts them); with {@code fresh}, deletes the previous demo first. Returns whether it reused
   * an existing demo.
   */
  boolean prepare(boolean fresh) {
    try {
      if (Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
        boolean isDemo = Files.exists(root.resolve(MARKER));
        boolean empty = Files.isDirectory(root) && isEmpty(root);
        if (!isDemo && !empty) {
          throw new RefusedException(root + " exists and is not a demo dir (no " + MARKER
              + " in it); choose another --dir (the demo never deletes or reuses a dir it did not make)");
        }
        if (isDemo && !Files.isWritable(root)) {
          throw new RefusedException(root + " is not writable by you (made by a root run, owned by its "
              + "unprivileged user?); run as root again, or use another --dir");
        }
        if (fresh && isDemo) {
          deleteRecursively(root);
        }
      }
      boolean reused = Files.exists(root.resolve(MARKER));
      Files.createDirectories(root);
      Files.writeString(root.resolve(MARKER), "made by 'rhizome demo'; 'rhizome demo --fresh' deletes this dir\n");
      Files.createDirectories(root.resolve("logs"));
      Files.createDirectories(root.resolve("sentinels"));
      Files.createDirectories(root.resolve("keepers"));
      writeSecretIfAbsent(suPasswordFile(), randomPassword());
      writeSecretIfAbsent(replPasswordFile(), randomPassword());
      return reused;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the demo dir " + root + ": " + e.getMessage(), e);
    }
  }

  String suPassword() throws IOException {
    return Files.readAllLines(suPasswordFile()).get(0).strip();
  }

  /** A pgpass for the proxy's port, so the printed psql command needs no password typed. */
  void writePgpass(String host, int port, String user) throws IOException {
    Files.deleteIfExists(pgpass());
    writeSecretIfAbsent(pgpass(), host + ":" + port + ":*:" + user + ":" + suPassword().replace("\\", "\\\\").replace(":", "\\:"));
  }

  private static void writeSecretIfAbsent(Path file, String content) throws IOException {
    if (Files.exists(file)) {
      return;
    }
    // created 0600 before the secret goes in: it is never readable by others, not even briefly
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, content + "\n");
  }

  private static String randomPassword() {
    byte[] bytes = new byte[16];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (var entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
