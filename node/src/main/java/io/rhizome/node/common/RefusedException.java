package io.rhizome.node.common;

/** The operation was refused or failed for a reason the operator can act on: exit code 1. */
public final class RefusedException extends RuntimeException {
  public RefusedException(String message) {
    super(message);
  }

  public RefusedException(String message, Throwable cause) {
    super(message, cause);
  }
}
