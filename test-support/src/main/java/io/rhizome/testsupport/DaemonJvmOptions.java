package io.rhizome.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The JVM options a user's daemons run with (bin/jvm.options, as bin/jvm-options prints them), for
 * tests that start daemons as processes: a test of calm under load means nothing with another
 * collector than the one that ships.
 */
public final class DaemonJvmOptions {
  private static List<String> cached;

  private DaemonJvmOptions() {}

  /** The options, read once from bin/jvm.options of the checkout the tests run in. */
  public static synchronized List<String> get() {
    if (cached == null) {
      cached = List.copyOf(withFallback(read(find())));
    }
    return cached;
  }

  /** The options as bin/jvm.options declares them, whatever this JVM supports. */
  public static List<String> declared() {
    return read(find());
  }

  static List<String> read(Path file) {
    List<String> options = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(file)) {
        String l = line.strip();
        if (!l.isEmpty() && !l.startsWith("#")) {
          options.add(l);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return options;
  }

  private static List<String> withFallback(List<String> declared) {
    List<String> options = new ArrayList<>(declared);
    if (options.contains("-XX:+UseShenandoahGC") && !javaAccepts("-XX:+UseShenandoahGC")) {
      // as bin/jvm-options does on a JVM built without Shenandoah
      int i = options.indexOf("-XX:+UseShenandoahGC");
      options.set(i, "-XX:+UseG1GC");
      options.add(i + 1, "-XX:MaxGCPauseMillis=20");
    }
    return options;
  }

  private static Path find() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("bin").resolve("jvm.options");
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("no bin/jvm.options above " + Path.of("").toAbsolutePath());
  }

  private static boolean javaAccepts(String option) {
    try {
      Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), option,
          "-version").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
