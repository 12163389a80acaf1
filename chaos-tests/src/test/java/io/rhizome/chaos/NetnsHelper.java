package io.rhizome.chaos;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The root helper that builds a {@link HostBed} ({@code .ci/netns-hosts}, installed by
 * {@code .ci/run} as {@value #INSTALLED}), run through {@code sudo -n}: the tests run
 * unprivileged, only that one program may act as root for them, and a missing sudoers line
 * fails at once instead of waiting for a password.
 */
final class NetnsHelper {
  static final String INSTALLED = "/usr/local/sbin/rhizome-netns-hosts";
  /** Every call but {@code exec} is a handful of ip/nft commands; gc may kill a crashed run's daemons. */
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

  private NetnsHelper() {}

  /** The outcome of a program run to its end. */
  record Result(int exitCode, String stdout, String stderr) {
    boolean ok() {
      return exitCode == 0;
    }
  }

  /** Why this machine cannot host a bed for this user, or empty when it can. */
  static Optional<String> unavailableReason() {
    if ("root".equals(System.getProperty("user.name"))) {
      // the helper starts commands as its caller and never as root (PostgreSQL would refuse anyway)
      return Optional.of("the host bed runs as an unprivileged user, not root: as root run `.ci/run setup`,"
          + " then the tests as rhizome-ci (su rhizome-ci -c 'mvn ...')");
    }
    if (!Files.isExecutable(Path.of(INSTALLED))) {
      return Optional.of(INSTALLED + " is not installed: as root run `.ci/run setup`"
          + " (installs it and a sudoers line for rhizome-ci)");
    }
    try {
      Result check = run(List.of("check"));
      if (!check.ok()) {
        return Optional.of("`sudo -n " + INSTALLED + " check` failed (exit " + check.exitCode() + "): "
            + (check.stderr().isBlank() ? check.stdout() : check.stderr()).strip()
            + "; as root run `.ci/run setup`, or give this user a sudoers line for " + INSTALLED);
      }
      return Optional.empty();
    } catch (IllegalStateException e) {
      return Optional.of(e.getMessage());
    }
  }

  /** Runs the helper with {@code args} to its end; throws with its message when it fails. */
  static String call(String... args) {
    Result r = run(List.of(args));
    if (!r.ok()) {
      throw new IllegalStateException("sudo -n " + INSTALLED + " " + String.join(" ", args)
          + " failed (exit " + r.exitCode() + "): " + r.stderr().strip());
    }
    return r.stdout();
  }

  static Result run(List<String> args) {
    return runToEnd(command(args), CALL_TIMEOUT);
  }

  /** The command line that runs the helper with {@code args} as root. */
  static List<String> command(List<String> args) {
    List<String> command = new ArrayList<>(List.of("sudo", "-n", INSTALLED));
    command.addAll(args);
    return command;
  }

  /** Runs {@code command} to its end within {@code timeout}, stdout and stderr apart. */
  static Result runToEnd(List<String> command, Duration timeout) {
    try {
      Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
      // read both while it runs: a full pipe would stall it
      CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not end within " + timeout);
      }
      return new Result(p.exitValue(), out.join(), err.join());
    } catch (IOException e) {
      throw new IllegalStateException(String.join(" ", command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + String.join(" ", command), e);
    }
  }

  private static String readAll(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
