package io.rhizome.node.keeper;

import java.util.ArrayList;
import java.util.List;

/**
 * A PostgreSQL program (initdb, pg_ctl, pg_basebackup, pg_rewind, pg_controldata) failed, timed
 * out, or was refused before it ran because its preconditions did not hold. Unchecked, like the
 * rest of the node's operator-facing errors; the keeper loop catches it, reports the message and
 * tries again next round. The message names the command and quotes the last lines of its
 * output; neither ever holds a password (passwords travel in files).
 */
public final class PgCommandException extends RuntimeException {
  /** Exit code when the command timed out, could not be started, or did not run at all. */
  public static final int NO_EXIT_CODE = -1;

  private final String command;
  private final int exitCode;
  private final String reason;
  private final List<String> outputTail;

  /** The command ran and exited with a non-zero code. */
  public PgCommandException(String command, int exitCode, List<String> outputTail) {
    this(command, exitCode, "failed with exit code " + exitCode, outputTail, null);
  }

  /** For a timeout, an I/O error or a refused precondition. */
  public PgCommandException(String command, String reason, List<String> outputTail, Throwable cause) {
    this(command, NO_EXIT_CODE, reason, outputTail, cause);
  }

  private PgCommandException(String command, int exitCode, String reason, List<String> outputTail,
      Throwable cause) {
    super(command + ": " + reason + describe(outputTail), cause);
    this.command = command;
    this.exitCode = exitCode;
    this.reason = reason;
    this.outputTail = List.copyOf(outputTail);
  }

  /** The command did not run because a precondition failed. */
  public static PgCommandException refused(String command, String why) {
    return new PgCommandException(command, why, List.of(), null);
  }

  /** The program and its arguments as run. */
  public String command() {
    return command;
  }

  /** The exit code, or {@link #NO_EXIT_CODE}. */
  public int exitCode() {
    return exitCode;
  }

  /** The last lines the command wrote (stdout and stderr together), then any added context. */
  public List<String> outputTail() {
    return outputTail;
  }

  /** The same failure with more context lines (e.g. the server log) after the command's own. */
  PgCommandException withMoreOutput(String heading, List<String> more) {
    List<String> combined = new ArrayList<>(outputTail);
    combined.add(heading);
    combined.addAll(more);
    return new PgCommandException(command, exitCode, reason, combined, getCause());
  }

  private static String describe(List<String> tail) {
    return tail.isEmpty() ? "" : "; last output: " + String.join(" | ", tail);
  }
}
