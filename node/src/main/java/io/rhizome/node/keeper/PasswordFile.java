package io.rhizome.node.keeper;

import io.rhizome.node.common.UsageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads a PostgreSQL role's password from a file: never from the command line (visible in ps),
 * the store, or a log line. Trailing newlines (as editors and echo leave them) are stripped.
 */
public final class PasswordFile {
  private PasswordFile() {}

  /**
   * @param flag the flag that named the file, for messages
   * @param warn receives a warning when the file is readable by group or others
   */
  public static String read(Path file, String flag, Consumer<String> warn) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new UsageException(flag + ": " + file + " does not exist (write the password into it, "
          + "e.g. with umask 077)");
    } catch (IOException e) {
      throw new UsageException(flag + ": cannot read " + file + ": " + e.getMessage());
    }
    String password = text.replaceAll("[\\r\\n]+$", "");
    if (password.isEmpty()) {
      throw new UsageException(flag + ": " + file + " is empty; it must hold the password");
    }
    if (password.contains("\n")) {
      throw new UsageException(flag + ": " + file + " has several lines; it must hold only the password");
    }
    if (readableByOthers(file)) {
      warn.accept(flag + ": " + file + " is readable by other users; restrict it with chmod 600");
    }
    return password;
  }

  private static boolean readableByOthers(Path file) {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      return perms.contains(PosixFilePermission.GROUP_READ)
          || perms.contains(PosixFilePermission.OTHERS_READ);
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }
}
