package io.rhizome.node.common;

/** Bad input from the operator: printed as one line, exit code 2, nothing changed. */
public final class UsageException extends RuntimeException {
  public UsageException(String message) {
    super(message);
  }
}
