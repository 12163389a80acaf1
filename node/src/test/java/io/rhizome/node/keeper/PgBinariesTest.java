package io.rhizome.node.keeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rhizome.node.common.RefusedException;
import io.rhizome.node.common.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PgBinariesTest {
  /** Where Debian's packages (installed by .ci/run) put the server binaries. */
  private static final Path DEBIAN = Path.of("/usr/lib/postgresql");

  static Stream<Arguments> versionOutputs() {
    return Stream.of(
        Arguments.of("postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)", Optional.of(15)),
        Arguments.of("postgres (PostgreSQL) 12.0", Optional.of(12)),
        Arguments.of("postgres (PostgreSQL) 17beta1", Optional.of(17)),
        Arguments.of("postgres (PostgreSQL) 9.6.24", Optional.of(9)),
        Arguments.of("postgres (PostgreSQL) 18devel", Optional.of(18)),
        Arguments.of("something else entirely", Optional.empty()),
        Arguments.of("", Optional.empty()));
  }

  @ParameterizedTest(name = "\"{0}\" -> {1}")
  @MethodSource("versionOutputs")
  void majorVersionIsReadFromPostgresVersionOutput(String output, Optional<Integer> major) {
    assertEquals(major, PgBinaries.parseMajorVersion(output));
  }

  @ParameterizedTest(name = "PostgreSQL {0} is refused")
  @MethodSource("tooOld")
  void versionsOlderThanTwelveAreRefusedWithTheFlagToUse(int major) {
    RefusedException e = assertThrows(RefusedException.class,
        () -> PgBinaries.requireSupported(major, "/opt/pg/bin"));
    assertTrue(e.getMessage().contains("needs 12 or newer"), e.getMessage());
    assertTrue(e.getMessage().contains("--pg-bin-path"), e.getMessage());
  }

  static Stream<Integer> tooOld() {
    return Stream.of(9, 10, 11);
  }

  @Test
  void supportedVersionsPass() {
    for (int major : new int[] {12, 13, 15, 17, 18}) {
      PgBinaries.requireSupported(major, "x");
    }
  }

  @Test
  void theInstalledServerIsFoundWithoutFlags() {
    PgBinaries found = PgBinaries.locate(Optional.empty(), DEBIAN);
    assertTrue(found.majorVersion() >= 12, found.toString());
    assertTrue(Files.isExecutable(found.binary("initdb")), found.toString());
    assertTrue(found.version().contains("PostgreSQL"), found.version());
  }

  @Test
  void anExplicitBinPathIsUsedAndInspected() {
    Path bin = PgBinaries.newestVersionedBinDir(DEBIAN).orElseThrow();
    PgBinaries found = PgBinaries.locate(Optional.of(bin), DEBIAN);
    assertEquals(bin.toAbsolutePath(), found.binDir());
  }

  @Test
  void aBinPathWithoutInitdbNamesTheFlagAndTheMissingBinary(@TempDir Path empty) {
    UsageException e = assertThrows(UsageException.class,
        () -> PgBinaries.locate(Optional.of(empty), DEBIAN));
    assertTrue(e.getMessage().startsWith("--pg-bin-path " + empty), e.getMessage());
    assertTrue(e.getMessage().contains("no executable postgres"), e.getMessage());
  }

  @Test
  void theNewestVersionedDirectoryWins(@TempDir Path root) throws IOException {
    for (String v : new String[] {"9", "13", "16", "notaversion"}) {
      Path bin = Files.createDirectories(root.resolve(v).resolve("bin"));
      Path initdb = Files.createFile(bin.resolve("initdb"));
      initdb.toFile().setExecutable(true);
    }
    // a newer version directory without initdb (a client-only package) is not a server
    Files.createDirectories(root.resolve("17").resolve("bin"));
    assertEquals(Optional.of(root.resolve("16").resolve("bin")), PgBinaries.newestVersionedBinDir(root));
  }

  @Test
  void noVersionedDirectoryGivesNothing(@TempDir Path root) {
    assertEquals(Optional.empty(), PgBinaries.newestVersionedBinDir(root.resolve("absent")));
    assertEquals(Optional.empty(), PgBinaries.newestVersionedBinDir(root));
  }
}
