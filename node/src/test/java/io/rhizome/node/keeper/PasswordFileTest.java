package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.node.common.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PasswordFileTest {
  @TempDir Path dir;
  private final List<String> warnings = new ArrayList<>();

  private Path file(String content, String perms) throws IOException {
    Path f = dir.resolve("pw");
    Files.writeString(f, content);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
    return f;
  }

  static Stream<Arguments> contents() {
    return Stream.of(
        Arguments.of("secret", "secret"),
        Arguments.of("secret\n", "secret"),
        Arguments.of("secret\r\n", "secret"),
        Arguments.of("secret\n\n", "secret"),
        Arguments.of(" spaced out ", " spaced out "));
  }

  @ParameterizedTest(name = "{index}: trailing newlines stripped, the rest kept")
  @MethodSource("contents")
  void passwordIsTheFileWithoutTrailingNewlines(String content, String expected) throws IOException {
    assertEquals(expected, PasswordFile.read(file(content, "rw-------"), "--pg-su-passwordfile", warnings::add));
    assertEquals(List.of(), warnings);
  }

  @Test
  void aFileReadableByOthersIsWarnedAboutWithoutThePassword() throws IOException {
    String pw = PasswordFile.read(file("s3cret\n", "rw-r--r--"), "--pg-repl-passwordfile", warnings::add);
    assertEquals("s3cret", pw);
    assertEquals(1, warnings.size());
    assertTrue(warnings.get(0).contains("chmod 600"), warnings.get(0));
    assertTrue(!warnings.get(0).contains("s3cret"), "never the password itself");
  }

  @Test
  void aMissingFileNamesTheFlag() {
    UsageException e = assertThrows(UsageException.class,
        () -> PasswordFile.read(dir.resolve("absent"), "--pg-su-passwordfile", warnings::add));
    assertTrue(e.getMessage().startsWith("--pg-su-passwordfile: "), e.getMessage());
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }

  @Test
  void anEmptyFileIsRefused() throws IOException {
    UsageException e = assertThrows(UsageException.class,
        () -> PasswordFile.read(file("\n", "rw-------"), "--pg-su-passwordfile", warnings::add));
    assertTrue(e.getMessage().contains("is empty"), e.getMessage());
  }

  @Test
  void aFileOfSeveralLinesIsRefusedWithoutEchoingIt() throws IOException {
    UsageException e = assertThrows(UsageException.class,
        () -> PasswordFile.read(file("one\ntwo\n", "rw-------"), "--pg-su-passwordfile", warnings::add));
    assertTrue(e.getMessage().contains("several lines"), e.getMessage());
    assertTrue(!e.getMessage().contains("one") || !e.getMessage().contains("two"), e.getMessage());
  }
}
