package io.rhizome.node.keeper;

import io.rhizome.node.common.RefusedException;
import io.rhizome.node.common.UsageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The PostgreSQL server binaries a keeper drives: found in {@code --pg-bin-path}, else through
 * {@code pg_config --bindir} on the PATH, else the newest {@code /usr/lib/postgresql/N/bin}.
 * PostgreSQL 12 or newer: standby.signal and recovery settings in postgresql.conf need it.
 */
public record PgBinaries(Path binDir, int majorVersion, String version) {
  public static final int OLDEST_SUPPORTED = 12;
  /** What a keeper runs; all must be in one directory so versions never mix. */
  static final List<String> REQUIRED =
      List.of("postgres", "initdb", "pg_ctl", "pg_basebackup", "pg_rewind", "pg_controldata");
  private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)(?:\\.(\\d+))?");

  public Path binary(String name) {
    return binDir.resolve(name);
  }

  /**
   * @param pgBinPath the operator's {@code --pg-bin-path}, if given
   * @param debianRoot where distribution packages put versioned server binaries
   *     ({@code /usr/lib/postgresql})
   */
  public static PgBinaries locate(Optional<Path> pgBinPath, Path debianRoot) {
    if (pgBinPath.isPresent()) {
      return inspect(pgBinPath.get(), "--pg-bin-path " + pgBinPath.get());
    }
    Optional<Path> fromPgConfig = pgConfigBindir();
    if (fromPgConfig.isPresent() && Files.isExecutable(fromPgConfig.get().resolve("initdb"))) {
      return inspect(fromPgConfig.get(), "pg_config --bindir (" + fromPgConfig.get() + ")");
    }
    Optional<Path> newest = newestVersionedBinDir(debianRoot);
    if (newest.isPresent()) {
      return inspect(newest.get(), newest.get().toString());
    }
    throw new RefusedException("no PostgreSQL server binaries found (no pg_config on PATH, nothing in "
        + debianRoot + "): install PostgreSQL " + OLDEST_SUPPORTED
        + " or newer, or pass --pg-bin-path DIR (the directory holding initdb)");
  }

  /** Checks every required binary is there and the version is supported. */
  static PgBinaries inspect(Path dir, String source) {
    for (String name : REQUIRED) {
      if (!Files.isExecutable(dir.resolve(name))) {
        throw new UsageException(source + " has no executable " + name
            + ": point --pg-bin-path at the directory holding initdb and pg_ctl");
      }
    }
    String text = run(List.of(dir.resolve("postgres").toString(), "--version"), source);
    int major = parseMajorVersion(text).orElseThrow(() -> new RefusedException(
        source + ": cannot read the PostgreSQL version from '" + text.strip() + "'"));
    requireSupported(major, source);
    return new PgBinaries(dir.toAbsolutePath(), major, text.strip());
  }

  /** "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" gives 15; "9.6.24" gives 9. */
  static Optional<Integer> parseMajorVersion(String versionOutput) {
    Matcher m = VERSION.matcher(versionOutput);
    if (!m.find()) {
      return Optional.empty();
    }
    return Optional.of(Integer.parseInt(m.group(1)));
  }

  static void requireSupported(int major, String source) {
    if (major < OLDEST_SUPPORTED) {
      throw new RefusedException(source + " is PostgreSQL " + major + "; Rhizome needs "
          + OLDEST_SUPPORTED + " or newer (use --pg-bin-path to choose another installation)");
    }
  }

  /** The highest-numbered {@code root/N/bin} that holds initdb. */
  static Optional<Path> newestVersionedBinDir(Path root) {
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    List<Path> candidates = new ArrayList<>();
    try (Stream<Path> versions = Files.list(root)) {
      versions.filter(v -> v.getFileName().toString().matches("\\d+"))
          .map(v -> v.resolve("bin"))
          .filter(bin -> Files.isExecutable(bin.resolve("initdb")))
          .forEach(candidates::add);
    } catch (IOException e) {
      return Optional.empty();
    }
    return candidates.stream().max(Comparator.comparingInt(
        bin -> Integer.parseInt(bin.getParent().getFileName().toString())));
  }

  private static Optional<Path> pgConfigBindir() {
    try {
      String out = run(List.of("pg_config", "--bindir"), "pg_config");
      return Optional.of(Path.of(out.strip()));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  private static String run(List<String> command, String source) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new RefusedException(source + ": '" + String.join(" ", command) + "' failed: "
            + new String(out, StandardCharsets.UTF_8).strip());
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new RefusedException(source + ": cannot run " + command.get(0) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RefusedException(source + ": interrupted", e);
    }
  }
}
