package io.rhizome.node.keeper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A pgpass file with one entry, so pg_basebackup, pg_rewind and walreceivers get a password
 * without it appearing on a command line (visible in ps) or in an environment variable.
 * Created with mode 0600 from the start (libpq ignores group- or world-readable pgpass files);
 * {@link #close()} deletes it.
 */
public final class PgPassFile implements AutoCloseable {
  private final Path path;

  private PgPassFile(Path path) {
    this.path = path;
  }

  /** A new file in the system temporary directory, for the length of one command. */
  public static PgPassFile createTemp(ConnInfo target, String password) {
    return createIn(Path.of(System.getProperty("java.io.tmpdir")), target, password);
  }

  /** A new file in {@code dir}; it matches any database on the target's host, port and user. */
  public static PgPassFile createIn(Path dir, ConnInfo target, String password) {
    String line = line(target.host(), target.port(), "*", target.user(), password);
    try {
      Path file = Files.createTempFile(dir, "rhizome-", ".pgpass",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try {
        Files.writeString(file, line, StandardCharsets.UTF_8);
      } catch (IOException e) {
        Files.deleteIfExists(file);
        throw e;
      }
      return new PgPassFile(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a pgpass file in " + dir + ": " + e.getMessage(), e);
    }
  }

  public Path path() {
    return path;
  }

  /** {@code host:port:database:user:password} and a newline; {@code *} stays a wildcard. */
  static String line(String host, int port, String database, String user, String password) {
    return String.join(":", escapeUnlessWildcard(host), Integer.toString(port),
        escapeUnlessWildcard(database), escape(user), escape(password)) + "\n";
  }

  /** pgpass: "if an entry needs to contain : or \, escape this character with \". */
  static String escape(String field) {
    if (field.indexOf('\n') >= 0 || field.indexOf('\r') >= 0) {
      throw new IllegalArgumentException("a pgpass field cannot contain a line break");
    }
    return field.replace("\\", "\\\\").replace(":", "\\:");
  }

  private static String escapeUnlessWildcard(String field) {
    return field.equals("*") ? field : escape(field);
  }

  @Override
  public void close() {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete pgpass file " + path + ": " + e.getMessage(), e);
    }
  }
}
