package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PgPassFileTest {
  @TempDir Path dir;

  static Stream<Arguments> fields() {
    return Stream.of(
        Arguments.of("secret", "secret"),
        Arguments.of("a:b", "a\\:b"),
        Arguments.of("a\\b", "a\\\\b"),
        Arguments.of("\\:", "\\\\\\:"),
        Arguments.of("it's *", "it's *"),
        Arguments.of("", ""));
  }

  @ParameterizedTest(name = "[{0}] -> [{1}]")
  @MethodSource("fields")
  void colonAndBackslashAreEscaped(String field, String escaped) {
    assertEquals(escaped, PgPassFile.escape(field));
  }

  @Test
  void aLineBreakCannotBeWritten() {
    assertThrows(IllegalArgumentException.class, () -> PgPassFile.escape("a\nb"));
  }

  @Test
  void theFileHasOneEntryIsPrivateAndCloseDeletesIt() throws Exception {
    Path path;
    try (PgPassFile file = PgPassFile.createIn(dir, ConnInfo.of("::1", 5432, "re:pl", "postgres"),
        "pw\\:")) {
      path = file.path();
      assertEquals("\\:\\:1:5432:*:re\\:pl:pw\\\\\\:\n", Files.readString(path));
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));
    }
    assertFalse(Files.exists(path));
  }
}
